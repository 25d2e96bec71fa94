package usb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/upslab/upslab/drivers/hiddev"
)

// Timeouts and sizes the host uses.
const (
	// maxString is the wLength of string requests, as libusb's
	// get_string_descriptor_ascii uses.
	maxString = 255
	// defaultReportLen is the GET_REPORT length for a report ID the
	// descriptor does not declare.
	defaultReportLen = 64
	// interruptBuf is the interrupt read buffer (NUT's SMALLBUF-sized read).
	interruptBuf = 64
)

// HID is a USB HID device seen through a Conn: it implements
// hiddev.Device and hiddev.Identifier with the control transfers NUT's
// libusb1.c sends (drivers/libusb1.c, 2.8.0), so a transcript of a session
// against the simulator matches what NUT would send to a real unit.
type HID struct {
	c Conn

	// Bus is reported in Identity (gousb fills it, "%03d" as NUT does).
	Bus string

	mu        sync.Mutex
	devDesc   []byte
	config    []byte
	iface     uint16 // HID interface number (wIndex of class requests)
	descIndex uint16 // HID descriptor index, 1 on Eaton bcdDevice 0x0202
	report    []byte
	lengths   map[byte]int // report length in bytes, without the ID byte
	usesIDs   bool
	lang      uint16
	haveLang  bool
	info      hiddev.Info
}

// NewHID reads the device's descriptors the way NUT's usbhid-ups does and
// returns the HID device. The requests, in order: device descriptor (18
// bytes); manufacturer, product and serial strings (language list first);
// configuration descriptor (9 bytes, then wTotalLength); SET_IDLE(0); the
// HID class descriptor (GET_DESCRIPTOR 0x21 to the interface, 9 bytes);
// and the report descriptor (GET_DESCRIPTOR 0x22, length from the HID
// descriptor found in the configuration descriptor, else from the direct
// request, as NUT prefers).
func NewHID(c Conn) (*HID, error) {
	h := &HID{c: c}
	if err := h.open(); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *HID) open() error {
	d := make([]byte, 18)
	n, err := h.c.Control(0x80, RequestGetDescriptor, DescDevice<<8, 0, d)
	if err != nil {
		return fmt.Errorf("usb: device descriptor: %w", mapErr(err))
	}
	if n < 18 || d[1] != DescDevice {
		return fmt.Errorf("usb: device descriptor: short or wrong type (%d bytes)", n)
	}
	h.devDesc = d
	h.info = hiddev.Info{
		VendorID:  binary.LittleEndian.Uint16(d[8:]),
		ProductID: binary.LittleEndian.Uint16(d[10:]),
		BCDDevice: binary.LittleEndian.Uint16(d[12:]),
	}
	// Strings: NUT retries each a few times and goes on without it.
	for _, s := range []struct {
		idx byte
		dst *string
	}{{d[14], &h.info.Manufacturer}, {d[15], &h.info.Product}, {d[16], &h.info.Serial}} {
		if s.idx == 0 {
			continue
		}
		if v, err := h.String(int(s.idx)); err == nil {
			*s.dst = v
		}
	}
	// Eaton units with bcdDevice 0x0202 keep the full report descriptor at
	// HID descriptor index 1 (libusb1.c; the Ellipse ECO is 0x0100).
	if h.info.VendorID == 0x0463 && h.info.BCDDevice == 0x0202 {
		h.descIndex = 1
	}

	cfg := make([]byte, 9)
	n, err = h.c.Control(0x80, RequestGetDescriptor, DescConfig<<8, 0, cfg)
	if err != nil {
		return fmt.Errorf("usb: configuration descriptor: %w", mapErr(err))
	}
	if n < 9 || cfg[1] != DescConfig {
		return fmt.Errorf("usb: configuration descriptor: short or wrong type (%d bytes)", n)
	}
	total := int(binary.LittleEndian.Uint16(cfg[2:]))
	if total < 9 {
		return fmt.Errorf("usb: configuration descriptor: wTotalLength %d", total)
	}
	cfg = make([]byte, total)
	n, err = h.c.Control(0x80, RequestGetDescriptor, DescConfig<<8, 0, cfg)
	if err != nil {
		return fmt.Errorf("usb: configuration descriptor: %w", mapErr(err))
	}
	h.config = cfg[:n]
	iface, rdlen2 := ParseConfig(h.config)
	h.iface = uint16(iface)

	// SET_IDLE(0): report only on change. NUT 2.8.0 does not send it; the
	// kernel's usbhid does, and devices are used to it. A STALL is fine.
	if _, err := h.c.Control(0x21, HIDSetIdle, 0, h.iface, nil); err != nil && !errors.Is(err, ErrStall) {
		return fmt.Errorf("usb: SET_IDLE: %w", mapErr(err))
	}

	rdlen1 := -1
	hd := make([]byte, 9)
	if n, err := h.c.Control(0x81, RequestGetDescriptor, DescHID<<8|h.descIndex, h.iface, hd); err == nil && n >= 9 {
		rdlen1 = int(binary.LittleEndian.Uint16(hd[7:]))
	}
	rdlen := rdlen2
	if rdlen < 0 || h.descIndex == 1 {
		rdlen = rdlen1
	}
	if rdlen < 0 {
		return errors.New("usb: no HID descriptor (not a HID device?)")
	}
	rd := make([]byte, rdlen)
	n, err = h.c.Control(0x81, RequestGetDescriptor, DescReport<<8|h.descIndex, h.iface, rd)
	if err != nil {
		return fmt.Errorf("usb: report descriptor: %w", mapErr(err))
	}
	h.report = rd[:n] // NUT takes a short answer as the real length
	h.lengths, h.usesIDs = ReportLengths(h.report)
	return nil
}

// ParseConfig finds the first HID interface (class 3) in a configuration
// descriptor and the report descriptor length from the HID class
// descriptor that follows it ("method 2" in NUT, which it prefers). It
// returns interface 0 and -1 when there is none.
func ParseConfig(cfg []byte) (iface int, reportLen int) {
	iface, reportLen = 0, -1
	inHID := false
	found := false
	for i := 0; i+1 < len(cfg); {
		l := int(cfg[i])
		if l < 2 || i+l > len(cfg) {
			break
		}
		switch cfg[i+1] {
		case DescInterface:
			if found {
				return iface, reportLen
			}
			inHID = l >= 9 && cfg[i+5] == 3
			if inHID {
				iface = int(cfg[i+2])
				found = true
			}
		case DescHID:
			if inHID && l >= 9 && reportLen < 0 {
				reportLen = int(binary.LittleEndian.Uint16(cfg[i+7:]))
			}
		}
		i += l
	}
	return iface, reportLen
}

// InterruptEndpoint returns the address of the first interrupt IN endpoint
// of the HID interface in a configuration descriptor, or 0x81 (NUT's
// hard-coded endpoint) when there is none.
func InterruptEndpoint(cfg []byte) uint8 {
	inHID := false
	for i := 0; i+1 < len(cfg); {
		l := int(cfg[i])
		if l < 2 || i+l > len(cfg) {
			break
		}
		switch cfg[i+1] {
		case DescInterface:
			inHID = l >= 9 && cfg[i+5] == 3
		case DescEndpoint:
			if inHID && l >= 7 && cfg[i+2]&0x80 != 0 && cfg[i+3]&3 == 3 {
				return cfg[i+2]
			}
		}
		i += l
	}
	return 0x81
}

// ReportLengths scans a report descriptor for the byte length of each
// report ID (the largest of its input, output and feature parts, without
// the ID byte) and whether the device uses report IDs at all. It is a
// small scan, not a parser (drivers/hid is): it follows only Report ID,
// Report Size, Report Count and the main items, and stops quietly at a
// truncated item.
func ReportLengths(desc []byte) (map[byte]int, bool) {
	bits := map[[2]byte]int{} // (id, main tag) → bit offset
	lengths := map[byte]int{}
	var id byte
	usesIDs := false
	size, count := 0, 0
	for i := 0; i < len(desc); {
		b := desc[i]
		if b == 0xfe { // long item
			if i+1 >= len(desc) {
				break
			}
			i += 3 + int(desc[i+1])
			continue
		}
		n := int(b & 3)
		if n == 3 {
			n = 4
		}
		if i+1+n > len(desc) {
			break
		}
		var v uint32
		for k := 0; k < n; k++ {
			v |= uint32(desc[i+1+k]) << (8 * k)
		}
		switch b & 0xfc {
		case 0x74: // Report Size
			size = int(min(v, 1<<16)) // bounded: no real report is this big
		case 0x94: // Report Count
			count = int(min(v, 1<<16))
		case 0x84: // Report ID
			id = byte(v)
			usesIDs = true
		case 0x80, 0x90, 0xb0: // Input, Output, Feature
			k := [2]byte{id, b & 0xfc}
			bits[k] += size * count
			if l := (bits[k] + 7) / 8; l > lengths[id] {
				lengths[id] = l
			}
		}
		i += 1 + n
	}
	return lengths, usesIDs
}

// SetReportLength overrides the GET_REPORT length (without the ID byte)
// used for report id.
func (h *HID) SetReportLength(id byte, n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lengths[id] = n
}

// ReportDescriptor returns the report descriptor read at open.
func (h *HID) ReportDescriptor() ([]byte, error) {
	return append([]byte(nil), h.report...), nil
}

// ConfigDescriptor returns the full configuration descriptor read at open.
func (h *HID) ConfigDescriptor() []byte { return append([]byte(nil), h.config...) }

// Identity returns the device identity read at open.
func (h *HID) Identity() (hiddev.Info, error) {
	i := h.info
	i.Bus = h.Bus
	return i, nil
}

// GetFeature sends GET_REPORT(feature, id) with wLength the report's
// length plus the ID byte, as NUT does, and returns the report ID first.
func (h *HID) GetFeature(id byte) ([]byte, error) {
	h.mu.Lock()
	l, ok := h.lengths[id]
	usesIDs := h.usesIDs
	h.mu.Unlock()
	if !ok {
		l = defaultReportLen
	}
	if usesIDs {
		l++
	}
	buf := make([]byte, l)
	n, err := h.c.Control(0xa1, HIDGetReport, ReportFeature<<8|uint16(id), h.iface, buf)
	if err != nil {
		return nil, fmt.Errorf("usb: GET_REPORT feature 0x%02x: %w", id, mapErr(err))
	}
	if n == 0 {
		return nil, fmt.Errorf("usb: GET_REPORT feature 0x%02x: empty answer: %w", id, hiddev.ErrNotSupported)
	}
	if !usesIDs {
		return append([]byte{0}, buf[:n]...), nil
	}
	return buf[:n], nil
}

// SetFeature sends SET_REPORT(feature, report[0]) with the whole report
// (without the ID byte when the device uses no report IDs).
func (h *HID) SetFeature(report []byte) error {
	if len(report) == 0 {
		return errors.New("usb: SET_REPORT: empty report")
	}
	data := report
	if !h.usesIDs {
		data = report[1:]
	}
	if _, err := h.c.Control(0x21, HIDSetReport, ReportFeature<<8|uint16(report[0]), h.iface, data); err != nil {
		return fmt.Errorf("usb: SET_REPORT feature 0x%02x: %w", report[0], mapErr(err))
	}
	return nil
}

// ReadInput reads one interrupt IN report.
func (h *HID) ReadInput(timeout time.Duration) ([]byte, error) {
	buf := make([]byte, interruptBuf)
	n, err := h.c.ReadInterrupt(buf, timeout)
	if err != nil {
		if errors.Is(err, ErrTimeout) {
			return nil, hiddev.ErrTimeout
		}
		return nil, fmt.Errorf("usb: interrupt read: %w", mapErr(err))
	}
	if n == 0 {
		return nil, hiddev.ErrTimeout
	}
	if !h.usesIDs {
		return append([]byte{0}, buf[:n]...), nil
	}
	return buf[:n], nil
}

// Notifier returns the Conn's ability to signal queued interrupt reports
// (the simulator's in-memory device has it) as a hiddev.InputNotifier, or
// nil when the Conn cannot notify (real hardware). HID itself has no
// NotifyInput method on purpose: code that finds notifiers by type
// assertion must not mistake a real device for one that notifies.
func (h *HID) Notifier() hiddev.InputNotifier {
	if n, ok := h.c.(hiddev.InputNotifier); ok {
		return n
	}
	return nil
}

// String reads string descriptor index as ASCII, like libusb's
// get_string_descriptor_ascii (characters outside ASCII become '?'): the
// language list (index 0) is read once, then the string in the first
// language.
func (h *HID) String(index int) (string, error) {
	if index <= 0 || index > 255 {
		return "", fmt.Errorf("usb: string index %d", index)
	}
	h.mu.Lock()
	haveLang, lang := h.haveLang, h.lang
	h.mu.Unlock()
	if !haveLang {
		b := make([]byte, maxString)
		n, err := h.c.Control(0x80, RequestGetDescriptor, DescString<<8, 0, b)
		if err != nil {
			return "", fmt.Errorf("usb: string languages: %w", mapErr(err))
		}
		if n < 4 || b[1] != DescString {
			return "", errors.New("usb: string languages: short answer")
		}
		lang = binary.LittleEndian.Uint16(b[2:])
		h.mu.Lock()
		h.lang, h.haveLang = lang, true
		h.mu.Unlock()
	}
	b := make([]byte, maxString)
	n, err := h.c.Control(0x80, RequestGetDescriptor, DescString<<8|uint16(index), lang, b)
	if err != nil {
		return "", fmt.Errorf("usb: string %d: %w", index, mapErr(err))
	}
	if n < 2 || b[1] != DescString {
		return "", fmt.Errorf("usb: string %d: short answer", index)
	}
	l := int(b[0])
	if l > n {
		l = n
	}
	u := make([]uint16, 0, l/2)
	for i := 2; i+1 < l; i += 2 {
		u = append(u, binary.LittleEndian.Uint16(b[i:]))
	}
	rs := utf16.Decode(u)
	out := make([]byte, len(rs))
	for i, r := range rs {
		if r > 0x7f {
			r = '?'
		}
		out[i] = byte(r)
	}
	return string(out), nil
}

// mapErr adds the hiddev meaning to a Conn error: a STALL is "not
// supported"; a device that is gone or does not answer in time is "gone",
// so the driver marks its data stale and tries again at the next poll.
func mapErr(err error) error {
	switch {
	case errors.Is(err, ErrStall):
		return fmt.Errorf("%w (%w)", hiddev.ErrNotSupported, err)
	case errors.Is(err, ErrNoDevice), errors.Is(err, ErrTimeout):
		return fmt.Errorf("%w (%w)", hiddev.ErrGone, err)
	}
	return err
}
