// Package hidview is the HID face of the simulated UPS: the report
// descriptor of the real Eaton Ellipse ECO 650, feature reports encoded from
// the model's State on every GET_REPORT, SET_REPORT of writable items turned
// into the model's setters, and input reports queued whenever the model
// changes what a status-bearing report (0x01, 0x02, 0x03, 0x06) shows, as
// the real unit sends them on its interrupt IN endpoint.
//
// A View is a hiddev.Device, so a driver can use it directly (in memory);
// simulator/usbdev puts USB descriptors and endpoint 0 around it, and the
// SHUT server serves it on a serial line. While the model says the cable is
// pulled (State.CommLost), every call fails with hiddev.ErrGone.
//
// The descriptor is written out readably in ecodesc.go; its layout is parsed
// back (ParseLayout) and each field is bound by its NUT path to the State
// (bind.go) or takes a profile constant, so a profile with other descriptor
// bytes (a recorded device) works the same way.
package hidview

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator"
)

// MaxQueue is how many input reports wait for the host before the oldest is
// dropped (the host stopped reading).
const MaxQueue = 64

// View serves one model as a HID device.
type View struct {
	m       Model
	p       *Profile
	layout  *Layout
	feature map[byte][]Field
	input   map[byte][]Field
	inIDs   []byte

	mu     sync.Mutex
	regs   map[regKey]int64 // writable items without a binding, as the host wrote them
	queue  [][]byte
	lastIn map[byte][]byte
	notify []func()
	lost   bool
	plugs  uint64
	clk    clock.Clock
	wake   chan struct{}
}

type regKey struct {
	id     byte
	offset int
}

var (
	_ hiddev.Device        = (*View)(nil)
	_ hiddev.Identifier    = (*View)(nil)
	_ hiddev.InputNotifier = (*View)(nil)
)

// New returns the HID view of d with the built-in Ellipse ECO profile. The
// ECO 650/800/1200/1600 share the descriptor; rating and model string come
// from d's State, and the profile takes d's profile name.
func New(d *simulator.Device) *View {
	p := EllipseECO650()
	if dp := d.Profile(); dp != nil && dp.Name != "" {
		p.Name = dp.Name
	}
	return FromModel(d, p)
}

// NewWithProfile returns the HID view of d as unit p describes it (nil
// means the Ellipse ECO 650).
func NewWithProfile(d *simulator.Device, p *Profile) *View { return FromModel(d, p) }

// FromModel returns the view of any Model (a fake in tests). It panics if
// the profile's descriptor does not parse: profiles are checked when they
// are loaded (see CheckProfile).
func FromModel(m Model, p *Profile) *View {
	if p == nil {
		p = EllipseECO650()
	}
	v, err := newView(m, p)
	if err != nil {
		panic(err)
	}
	return v
}

// CheckProfile reports whether p's descriptor can be served.
func CheckProfile(p *Profile) error {
	_, err := ParseLayout(p.Descriptor)
	return err
}

func newView(m Model, p *Profile) (*View, error) {
	l, err := ParseLayout(p.Descriptor)
	if err != nil {
		return nil, fmt.Errorf("hidview: profile %s: %w", p.Name, err)
	}
	v := &View{
		m: m, p: p, layout: l,
		feature: map[byte][]Field{},
		input:   map[byte][]Field{},
		regs:    map[regKey]int64{},
		lastIn:  map[byte][]byte{},
		wake:    make(chan struct{}, 1),
	}
	for _, f := range l.Fields {
		switch f.Kind {
		case Feature:
			v.feature[f.ReportID] = append(v.feature[f.ReportID], f)
		case Input:
			v.input[f.ReportID] = append(v.input[f.ReportID], f)
		}
	}
	v.inIDs = l.IDs(Input)
	// The clock only matters for ReadInput waits; a model that tells its
	// clock lets a real-time host block there.
	if c, ok := m.(interface{ Clock() clock.Clock }); ok {
		v.clk = c.Clock()
	}
	s := m.State()
	v.lost = s.CommLost
	for _, id := range v.inIDs {
		v.lastIn[id] = v.encode(id, Input, &s)
	}
	m.OnChange(v.onChange)
	return v, nil
}

// SetClock sets the clock ReadInput waits on. With no clock, or a virtual
// one, ReadInput never blocks: on a virtual clock nothing could arrive
// while it waited.
func (v *View) SetClock(c clock.Clock) {
	v.mu.Lock()
	v.clk = c
	v.mu.Unlock()
}

// Profile returns the unit description the view serves.
func (v *View) Profile() *Profile { return v.p }

// Layout returns the parsed report layout of the descriptor.
func (v *View) Layout() *Layout { return v.layout }

// Plugs counts how often the cable came back after being pulled; the USB
// device resets its configuration when it changes, as a re-enumeration does.
func (v *View) Plugs() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.plugs
}

// Gone reports whether the cable is pulled now.
func (v *View) Gone() bool { return v.m.State().CommLost }

// value returns the field's value now; v.mu must be held.
func (v *View) value(f *Field, s *simulator.State) int64 {
	if b, ok := bindings[f.Path]; ok {
		return b.get(s)
	}
	if r, ok := v.regs[regKey{f.ReportID, f.Offset}]; ok {
		return r
	}
	return v.p.Constants[f.Path]
}

// encode builds report id of kind k from s; v.mu must be held.
func (v *View) encode(id byte, k Kind, s *simulator.State) []byte {
	n := v.layout.ReportLen(id, k)
	if n == 0 {
		return nil
	}
	fields := v.feature[id]
	if k == Input {
		fields = v.input[id]
	}
	buf := make([]byte, n)
	buf[0] = id
	for i := range fields {
		f := &fields[i]
		x := v.value(f, s)
		if x < f.LogMin {
			x = f.LogMin
		}
		if x > f.LogMax {
			x = f.LogMax
		}
		putBits(buf[1:], f.Offset, f.Size, uint64(x))
	}
	return buf
}

func putBits(b []byte, off, size int, x uint64) {
	for i := 0; i < size; i++ {
		bit := off + i
		if x>>uint(i)&1 != 0 {
			b[bit/8] |= 1 << uint(bit%8)
		} else {
			b[bit/8] &^= 1 << uint(bit%8)
		}
	}
}

func getBits(b []byte, off, size int) uint64 {
	var x uint64
	for i := 0; i < size; i++ {
		bit := off + i
		if b[bit/8]>>uint(bit%8)&1 != 0 {
			x |= 1 << uint(i)
		}
	}
	return x
}

// decode reads a field's logical value from a report body (ID byte
// stripped): sign-extended when the logical minimum is negative.
func decode(body []byte, f *Field) int64 {
	x := getBits(body, f.Offset, f.Size)
	if f.LogMin < 0 && f.Size < 64 && x&(1<<uint(f.Size-1)) != 0 {
		return int64(x) - 1<<uint(f.Size)
	}
	return int64(x)
}

// ReportDescriptor returns the report descriptor bytes.
func (v *View) ReportDescriptor() ([]byte, error) {
	if v.Gone() {
		return nil, hiddev.ErrGone
	}
	return append([]byte(nil), v.p.Descriptor...), nil
}

// GetFeature returns feature report id encoded from the model's state now.
func (v *View) GetFeature(id byte) ([]byte, error) {
	s := v.m.State()
	if s.CommLost {
		return nil, hiddev.ErrGone
	}
	if _, ok := v.feature[id]; !ok {
		return nil, fmt.Errorf("hidview: feature report %#02x: no such report: %w", id, hiddev.ErrNotSupported)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.encode(id, Feature, &s), nil
}

// InputReport returns input report id as it reads now (HID GET_REPORT of
// type Input on endpoint 0).
func (v *View) InputReport(id byte) ([]byte, error) {
	s := v.m.State()
	if s.CommLost {
		return nil, hiddev.ErrGone
	}
	if _, ok := v.input[id]; !ok {
		return nil, fmt.Errorf("hidview: input report %#02x: no such report: %w", id, hiddev.ErrNotSupported)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.encode(id, Input, &s), nil
}

// SetFeature writes a feature report, report[0] being its ID. As NUT does,
// a host sends the whole report as it last read it with one field changed;
// the view calls the model's setter for every writable bound field, stores
// writable vendor fields, and refuses (hiddev.ErrNotSupported, a STALL on
// USB) a report that is unknown, of the wrong length, out of range, or that
// changes a read-only field. Nothing is applied when the report is refused.
func (v *View) SetFeature(report []byte) error {
	s := v.m.State()
	if s.CommLost {
		return hiddev.ErrGone
	}
	if len(report) == 0 {
		return fmt.Errorf("hidview: empty feature report: %w", hiddev.ErrNotSupported)
	}
	id := report[0]
	fields, ok := v.feature[id]
	if !ok {
		return fmt.Errorf("hidview: feature report %#02x: no such report: %w", id, hiddev.ErrNotSupported)
	}
	if want := v.layout.ReportLen(id, Feature); len(report) != want {
		return fmt.Errorf("hidview: feature report %#02x: %d bytes, want %d: %w", id, len(report), want, hiddev.ErrNotSupported)
	}
	type write struct {
		f *Field
		x int64
	}
	var writes []write
	v.mu.Lock()
	for i := range fields {
		f := &fields[i]
		x := decode(report[1:], f)
		if x < f.LogMin || x > f.LogMax {
			v.mu.Unlock()
			return fmt.Errorf("hidview: feature report %#02x: %s = %d outside %d..%d: %w", id, f.Path, x, f.LogMin, f.LogMax, hiddev.ErrNotSupported)
		}
		if !f.Writable() {
			if cur := v.value(f, &s); x != clamp(cur, f) {
				v.mu.Unlock()
				return fmt.Errorf("hidview: feature report %#02x: %s is read-only (%d, host wrote %d): %w", id, f.Path, clamp(cur, f), x, hiddev.ErrNotSupported)
			}
			continue
		}
		writes = append(writes, write{f, x})
	}
	v.mu.Unlock()
	// Setters run without v.mu: they may call OnChange synchronously.
	var errs []error
	for _, w := range writes {
		if b, ok := bindings[w.f.Path]; ok && b.set != nil {
			if err := b.set(v.m, w.x); err != nil {
				errs = append(errs, fmt.Errorf("%s = %d: %w", w.f.Path, w.x, err))
			}
			continue
		}
		v.mu.Lock()
		v.regs[regKey{w.f.ReportID, w.f.Offset}] = w.x
		v.mu.Unlock()
	}
	if len(errs) > 0 {
		return fmt.Errorf("hidview: feature report %#02x: %w: %w", id, errors.Join(errs...), hiddev.ErrNotSupported)
	}
	return nil
}

func clamp(x int64, f *Field) int64 {
	if x < f.LogMin {
		return f.LogMin
	}
	if x > f.LogMax {
		return f.LogMax
	}
	return x
}

// onChange queues the input reports whose bytes changed.
func (v *View) onChange(s simulator.State) {
	v.mu.Lock()
	if s.CommLost {
		// Unplugged: whatever was waiting in the device is lost.
		v.lost = true
		v.queue = nil
		v.mu.Unlock()
		v.signal()
		return
	}
	if v.lost {
		// Plugged back: the host enumerates again and starts from what it
		// reads; nothing old is pending.
		v.lost = false
		v.plugs++
		for _, id := range v.inIDs {
			v.lastIn[id] = v.encode(id, Input, &s)
		}
		v.mu.Unlock()
		v.signal()
		return
	}
	queued := false
	for _, id := range v.inIDs {
		r := v.encode(id, Input, &s)
		if string(r) == string(v.lastIn[id]) {
			continue
		}
		v.lastIn[id] = r
		if len(v.queue) >= MaxQueue {
			v.queue = v.queue[1:]
		}
		v.queue = append(v.queue, r)
		queued = true
	}
	notify := append([]func(){}, v.notify...)
	v.mu.Unlock()
	if queued {
		v.signal()
		for _, f := range notify {
			f()
		}
	}
}

func (v *View) signal() {
	select {
	case v.wake <- struct{}{}:
	default:
	}
}

// NotifyInput registers f, called each time input reports are queued. f
// runs inside the model's change callback (simulator.Device holds its
// operation lock there), so it must not block and must not call the
// model's setters or SetFeature; scheduling a read is the intended use.
func (v *View) NotifyInput(f func()) {
	v.mu.Lock()
	v.notify = append(v.notify, f)
	v.mu.Unlock()
}

// Pending returns how many input reports wait to be read.
func (v *View) Pending() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.queue)
}

// ReadInput returns the oldest queued input report. With nothing queued it
// returns hiddev.ErrTimeout at once, unless a real clock is set and timeout
// is positive, in which case it waits up to timeout for one.
func (v *View) ReadInput(timeout time.Duration) ([]byte, error) {
	var timer clock.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		if v.Gone() {
			return nil, hiddev.ErrGone
		}
		v.mu.Lock()
		if len(v.queue) > 0 {
			r := v.queue[0]
			v.queue = v.queue[1:]
			v.mu.Unlock()
			return r, nil
		}
		clk := v.clk
		v.mu.Unlock()
		if timeout <= 0 || clk == nil {
			return nil, hiddev.ErrTimeout
		}
		if _, virtual := clk.(*clock.Virtual); virtual {
			return nil, hiddev.ErrTimeout
		}
		if timer == nil {
			timer = clk.NewTimer(timeout)
		}
		select {
		case <-v.wake:
		case <-timer.C():
			return nil, hiddev.ErrTimeout
		}
	}
}

// Identity returns the USB identity the profile and the state give.
func (v *View) Identity() (hiddev.Info, error) {
	s := v.m.State()
	if s.CommLost {
		return hiddev.Info{}, hiddev.ErrGone
	}
	str := func(i uint8) string {
		t, ok := v.p.Strings[i]
		if !ok || i == 0 {
			return ""
		}
		return stringValue(t, &s)
	}
	return hiddev.Info{
		VendorID:     v.p.VendorID,
		ProductID:    v.p.ProductID,
		Manufacturer: str(v.p.IManufacturer),
		Product:      str(v.p.IProduct),
		Serial:       str(v.p.ISerial),
		BCDDevice:    v.p.BCDDevice,
		Bus:          "sim",
	}, nil
}

// String returns USB string index i (not 0, the language table), and
// whether the device has it.
func (v *View) String(i uint8) (string, bool) {
	if i == 0 {
		return "", false
	}
	t, ok := v.p.Strings[i]
	if !ok {
		return "", false
	}
	s := v.m.State()
	return stringValue(t, &s), true
}
