package usb

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/drivers/hiddev"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakeConn is a USB device that serves the Santak TG-BOX 850 report
// descriptor (the closest public relative of the Ellipse ECO) behind the
// Ellipse ECO's USB identity, and logs every request.
type fakeConn struct {
	report  []byte
	log     []string
	inputs  [][]byte
	gone    bool
	noIdle  bool
	strings map[int]string
}

func loadReport(t testing.TB) []byte {
	t.Helper()
	// The real Santak TG-BOX 850 descriptor (shared/fixtures/ellipse-eco,
	// copied unchanged).
	b, err := os.ReadFile("testdata/santak-tg-box-850.report-descriptor.hex")
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	r, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newFake(t testing.TB) *fakeConn {
	return &fakeConn{report: loadReport(t), strings: map[int]string{1: "EATON", 2: "Ellipse ECO", 4: "000000000"}}
}

func (f *fakeConn) config() []byte {
	n := len(f.report)
	c := []byte{
		9, DescConfig, 0, 0, 1, 1, 0, 0xa0, 0x32, // wTotalLength set below
		9, DescInterface, 0, 0, 1, 3, 0, 0, 0,
		9, DescHID, 0x10, 0x10, 0x21, 1, DescReport, byte(n), byte(n >> 8),
		7, DescEndpoint, 0x81, 3, 8, 0, 10,
	}
	c[2] = byte(len(c))
	return c
}

func (f *fakeConn) Control(rType, request uint8, value, index uint16, data []byte) (int, error) {
	f.log = append(f.log, fmt.Sprintf("%02x %02x %04x %04x len=%d", rType, request, value, index, len(data)))
	if f.gone {
		return 0, ErrNoDevice
	}
	serve := func(b []byte) (int, error) { return copy(data, b), nil }
	switch {
	case rType == 0x80 && request == RequestGetDescriptor:
		switch value >> 8 {
		case DescDevice:
			return serve([]byte{18, 1, 0x10, 0x01, 0, 0, 0, 8, 0x63, 0x04, 0xff, 0xff, 0x00, 0x01, 1, 2, 4, 1})
		case DescConfig:
			return serve(f.config())
		case DescString:
			i := int(value & 0xff)
			if i == 0 {
				return serve([]byte{4, 3, 0x09, 0x04})
			}
			s, ok := f.strings[i]
			if !ok {
				return 0, ErrStall
			}
			b := []byte{byte(2 + 2*len(s)), 3}
			for _, r := range s {
				b = append(b, byte(r), 0)
			}
			return serve(b)
		}
	case rType == 0x81 && request == RequestGetDescriptor:
		switch value >> 8 {
		case DescHID:
			return serve(f.config()[18:27])
		case DescReport:
			return serve(f.report)
		}
	case rType == 0x21 && request == HIDSetIdle:
		if f.noIdle {
			return 0, ErrStall
		}
		return 0, nil
	case rType == 0xa1 && request == HIDGetReport:
		b := make([]byte, len(data))
		b[0] = byte(value)
		return serve(b)
	case rType == 0x21 && request == HIDSetReport:
		f.log[len(f.log)-1] += " " + hex.EncodeToString(data)
		return len(data), nil
	}
	return 0, ErrStall
}

func (f *fakeConn) ReadInterrupt(buf []byte, timeout time.Duration) (int, error) {
	if f.gone {
		return 0, ErrNoDevice
	}
	if len(f.inputs) == 0 {
		return 0, ErrTimeout
	}
	r := f.inputs[0]
	f.inputs = f.inputs[1:]
	return copy(buf, r), nil
}

func TestOpenTranscript(t *testing.T) {
	f := newFake(t)
	h, err := NewHID(f)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := h.Identity()
	want := hiddev.Info{VendorID: 0x0463, ProductID: 0xffff, Manufacturer: "EATON", Product: "Ellipse ECO", Serial: "000000000", BCDDevice: 0x0100}
	if id != want {
		t.Errorf("identity %+v, want %+v", id, want)
	}
	rd, _ := h.ReportDescriptor()
	if len(rd) != len(f.report) {
		t.Errorf("report descriptor %d bytes, want %d", len(rd), len(f.report))
	}
	// GET_REPORT lengths are NUT's: 0x01 4, 0x06 6 and 0x09 5 bytes with
	// the ID (the same as in the mge-shut session fixture).
	for _, id := range []byte{0x01, 0x06, 0x09} {
		if _, err := h.GetFeature(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.SetFeature([]byte{0x09, 0x14, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	s, err := h.String(2)
	if err != nil || s != "Ellipse ECO" {
		t.Errorf("String(2) = %q, %v", s, err)
	}
	if _, err := h.String(3); !errors.Is(err, hiddev.ErrNotSupported) {
		t.Errorf("String(3) error = %v, want ErrNotSupported", err)
	}
	f.inputs = [][]byte{{0x06, 0x5c, 0x62, 0x02, 0x00, 0x00}}
	r, err := h.ReadInput(time.Second)
	if err != nil || hex.EncodeToString(r) != "065c62020000" {
		t.Errorf("ReadInput = %x, %v", r, err)
	}
	if _, err := h.ReadInput(0); !errors.Is(err, hiddev.ErrTimeout) {
		t.Errorf("empty ReadInput error = %v, want ErrTimeout", err)
	}
	f.gone = true
	if _, err := h.GetFeature(0x06); !errors.Is(err, hiddev.ErrGone) {
		t.Errorf("unplugged GetFeature error = %v, want ErrGone", err)
	}
	if _, err := h.ReadInput(0); !errors.Is(err, hiddev.ErrGone) {
		t.Errorf("unplugged ReadInput error = %v, want ErrGone", err)
	}
	got := strings.Join(f.log, "\n") + "\n"
	path := filepath.Join("testdata", "open.golden")
	if *update {
		os.WriteFile(path, []byte(got), 0o644)
	}
	wantLog, _ := os.ReadFile(path)
	if got != string(wantLog) {
		t.Errorf("transcript:\n%s\nwant:\n%s", got, wantLog)
	}
}

func TestSetIdleStallIgnored(t *testing.T) {
	f := newFake(t)
	f.noIdle = true
	if _, err := NewHID(f); err != nil {
		t.Fatal(err)
	}
}

func TestParseConfig(t *testing.T) {
	f := newFake(t)
	iface, l := ParseConfig(f.config())
	if iface != 0 || l != len(f.report) {
		t.Errorf("ParseConfig = %d, %d", iface, l)
	}
	if ep := InterruptEndpoint(f.config()); ep != 0x81 {
		t.Errorf("InterruptEndpoint = %#x", ep)
	}
	for _, bad := range [][]byte{nil, {0}, {9, 2}, {2, 4, 9}, {9, 4, 0, 0, 1, 3}} {
		ParseConfig(bad) // must not panic
		InterruptEndpoint(bad)
	}
}

func TestMatch(t *testing.T) {
	eco := Candidate{VendorID: 0x0463, ProductID: 0xffff, Vendor: "EATON", Product: " Ellipse ECO ", Serial: "000000000", Bus: 1, Device: 4}
	tests := []struct {
		name string
		m    Match
		c    Candidate
		want bool
	}{
		{"default", Match{}, eco, true},
		{"unsupported vendor", Match{}, Candidate{VendorID: 0x051d, ProductID: 0x0002}, false},
		{"vendorid opens the table", Match{VendorID: "051d"}, Candidate{VendorID: 0x051d, ProductID: 0x0002}, true},
		{"vendorid case", Match{VendorID: "0463", ProductID: "FFFF"}, eco, true},
		{"vendorid whole", Match{VendorID: "04"}, eco, false},
		{"product regex", Match{Product: "ellipse.*"}, eco, true},
		{"serial", Match{Serial: "1+"}, eco, false},
		{"bus", Match{Bus: "001"}, eco, true},
		{"bus other", Match{Bus: "002"}, eco, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mt, err := tc.m.Compile()
			if err != nil {
				t.Fatal(err)
			}
			if got := mt.MatchAll(tc.c); got != tc.want {
				t.Errorf("MatchAll = %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := (Match{Vendor: "("}).Compile(); err == nil {
		t.Error("bad regex compiled")
	}
}

func TestReportLengthsTruncated(t *testing.T) {
	r := loadReport(t)
	for i := range r {
		ReportLengths(r[:i]) // must not panic
	}
	l, ids := ReportLengths(r)
	// NUT 2.8.0 asks for 6 and 5 bytes, ID included (the mge-shut session
	// fixture, wValue 0306 and 0309).
	if !ids || l[0x06] != 5 || l[0x09] != 4 {
		t.Errorf("lengths 0x06=%d 0x09=%d ids=%v", l[0x06], l[0x09], ids)
	}
}
