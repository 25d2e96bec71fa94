// Package mge is the Eaton/MGE subdriver: NUT's mge_hid2nut mapping (MGE
// HID 1.46, NUT 2.8.0) as data, and the engine that walks it the way
// usbhid-ups does — read the device's feature reports through a
// hiddev.Device, decode them with package hid, and fill a dstate.Table
// with NUT's variable names, flags, enumerations, ups.status and
// ups.alarm, instant commands and writable variables.
//
// The engine mirrors usbhid-ups.c 0.47 + mge-hid.c 1.46 (Debian's NUT
// 2.8.0) except where later NUT changed behaviour on purpose; each such
// place says so: CHRG/DISCHRG while ABM is unknown (NUT 2.8.3), the ABMEnable
// values other than 0/1 meaning unknown (2.8.3), refusing SET and INSTCMD
// values that do not convert (2.8.1+ CONVERSION_FAILED, reported as
// ErrInvalid), output.powerfactor read with atof for the computed
// ups.realpower (2.8.1+). Table says why newer table entries are not used.
//
// Use: New, Init (once), then Update(false) every pollinterval and
// Update(true) every pollfreq — NUT's first update after init is a quick
// one —, Input for each interrupt report, InstCmd / Set from the driver
// socket, KillPower for -k.
package mge

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/upslab/upslab/drivers/hid"
	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/dstate"
)

// Version is NUT 2.8.0's driver.version.data for this subdriver; we mirror
// MGE HID 1.46 (NUT 2.8.0), with the later fixes noted in the package doc.
const Version = "MGE HID 1.46"

// Errors of InstCmd and Set, matching NUT's tracking results.
var (
	// ErrUnknown: NUT's STAT_*_UNKNOWN (tracking code 1).
	ErrUnknown = errors.New("mge: unknown command or variable")
	// ErrInvalid: NUT's STAT_*_INVALID (tracking code 2).
	ErrInvalid = errors.New("mge: invalid command or argument")
	// ErrFailed: NUT's STAT_*_FAILED (tracking code 3).
	ErrFailed = errors.New("mge: command failed")
)

// StringReader is an optional device ability: reading USB string
// descriptor index (ASCII). Without it string variables (battery.type,
// ups.firmware, the model) are empty.
type StringReader interface {
	String(index int) (string, error)
}

// byteStringReader is the same ability with the signature of the
// simulator's HID view (simulator/hidview.View.String).
type byteStringReader interface {
	String(index uint8) (string, bool)
}

// Options configure a Subdriver.
type Options struct {
	// OffDelay and OnDelay override ups.delay.shutdown / ups.delay.start
	// (-x offdelay, -x ondelay); -1 keeps NUT's defaults 20 / 30.
	OffDelay, OnDelay int
	// LowBatt overrides battery.charge.low (-x lowbatt); -1 unset.
	LowBatt int
	// Clock times the 125 ms pause of shutdown.return and the report
	// cache; nil means the real clock.
	Clock clock.Clock
	// Logf receives NUT-like log lines; nil discards them.
	Logf func(format string, args ...any)
	// PollInterval is how long a report read stays fresh (NUT reuses a
	// report for pollinterval seconds); 0 means 2 s.
	PollInterval time.Duration
	// Pause waits between the two writes of shutdown.return and
	// shutdown.stayoff (125 ms). nil means Clock.Sleep, which on a
	// virtual clock blocks until another goroutine advances the clock: a
	// lab that runs commands from inside clock callbacks must set Pause
	// (for instance to a function that only records the pause).
	Pause func(time.Duration)
}

// Model types of mge-hid.c; all offline ones are below typeDefault.
const (
	typeDefaultOffline = 0
	typePegasus        = 0x100
	type3S             = 0x110
	typeDefault        = 0x200
	typeEvolution      = 0x300
	typeEvolution650   = 0x301
	typePulsarM        = 0x400
	typeEaton5P        = 0x500
)

type report struct {
	data  []byte
	ts    time.Time
	valid bool
}

// Subdriver is the MGE subdriver bound to one device and one state table.
// It is not safe for concurrent use: the driver loop serialises Init,
// Update, Input, InstCmd, Set and KillPower.
type Subdriver struct {
	dev  hiddev.Device
	t    *dstate.Table
	opts Options
	clk  clock.Clock

	desc    *hid.Descriptor
	items   []*hid.Item // per Table entry: the Feature item, nil when unused
	reports map[uint8]*report

	info        hiddev.Info
	haveInfo    bool
	status      uint32
	alarms      []string
	alarmActive bool
	abm         int
	mgeType     int
	country     int
	nominal     int64
	dataChanged bool
}

// New returns a subdriver for dev that publishes into t.
func New(dev hiddev.Device, t *dstate.Table, opts Options) *Subdriver {
	clk := opts.Clock
	if clk == nil {
		clk = clock.Real()
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 2 * time.Second
	}
	return &Subdriver{
		dev: dev, t: t, opts: opts, clk: clk,
		reports: map[uint8]*report{},
		abm:     abmUnknown,
		mgeType: typeDefault,
		country: -1,
		nominal: -1,
	}
}

// Version returns driver.version.data ("MGE HID 1.46").
func (s *Subdriver) Version() string { return Version }

// Descriptor returns the parsed report descriptor (nil before Init).
func (s *Subdriver) Descriptor() *hid.Descriptor { return s.desc }

func (s *Subdriver) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

func (s *Subdriver) pegasus() bool {
	switch s.mgeType & 0xFF00 {
	case typePegasus:
		return true
	case type3S:
		return s.country != 0 // only non-European 3S models
	}
	return false
}

func (s *Subdriver) loc() *time.Location { return time.Local }

func (s *Subdriver) parseDateTime(v string) float64 {
	tm, err := time.ParseInLocation("2006/01/02 15:04:05", v, s.loc())
	if err != nil {
		return 0
	}
	return float64(tm.Unix())
}

// errGone says whether a device error means "reconnect" (NUT: no device,
// access, I/O errors); other errors just skip the item.
func errGone(err error) bool { return errors.Is(err, hiddev.ErrGone) }

// buffer returns the report buffer of id, allocated at NUT's length.
func (s *Subdriver) buffer(id uint8) *report {
	r := s.reports[id]
	if r == nil {
		r = &report{data: make([]byte, s.desc.ReportLen(id, hid.Feature))}
		r.data[0] = id
		s.reports[id] = r
	}
	return r
}

// refresh reads report id unless the buffered copy is younger than age
// (NUT compares whole seconds: ts + age > now).
func (s *Subdriver) refresh(id uint8, age time.Duration) (*report, error) {
	r := s.buffer(id)
	now := s.clk.Now()
	if r.valid && r.ts.Unix()+int64(age/time.Second) > now.Unix() {
		return r, nil
	}
	b, err := s.dev.GetFeature(id)
	if err != nil {
		return nil, fmt.Errorf("report 0x%02x: %w", id, err)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("report 0x%02x: empty answer: %w", id, hiddev.ErrNotSupported)
	}
	if len(b) != len(r.data) {
		s.logf("report 0x%02x: expected %d bytes, but got %d instead", id, len(r.data), len(b))
	}
	// Keep whatever the device sent; a short answer leaves the rest of the
	// buffer as it was, as NUT's buffer does.
	copy(r.data, b)
	r.ts, r.valid = now, true
	return r, nil
}

// value reads an item's physical value (NUT's HIDGetDataValue).
func (s *Subdriver) value(it *hid.Item, age time.Duration) (float64, error) {
	r, err := s.refresh(it.ReportID, age)
	if err != nil {
		return 0, err
	}
	return it.Decode(r.data)
}

// write sets an item in its last-read report buffer and sends the whole
// buffer (NUT's HIDSetDataValue); then every buffered report is stale.
func (s *Subdriver) write(it *hid.Item, v float64) error {
	r := s.buffer(it.ReportID)
	if err := it.Encode(r.data, v); err != nil {
		return err
	}
	if err := s.dev.SetFeature(append([]byte(nil), r.data...)); err != nil {
		return fmt.Errorf("set report 0x%02x: %w", it.ReportID, err)
	}
	for _, r := range s.reports {
		r.valid = false
	}
	return nil
}

// indexString reads USB string index i ("" when unavailable).
func (s *Subdriver) indexString(i int) string {
	if i <= 0 || i > 255 {
		return ""
	}
	var str string
	switch sr := s.dev.(type) {
	case StringReader:
		v, err := sr.String(i)
		if err != nil {
			return ""
		}
		str = v
	case byteStringReader:
		v, ok := sr.String(uint8(i))
		if !ok {
			return ""
		}
		str = v
	default:
		return ""
	}
	return strings.TrimRight(str, "\n")
}

// itemString reads a string-index item and its string (HIDGetItemString).
func (s *Subdriver) itemString(path string) string {
	it := s.desc.First(path, hid.Feature)
	if it == nil {
		return ""
	}
	v, err := s.value(it, 3*time.Second)
	if err != nil {
		return ""
	}
	return s.indexString(int(v))
}

// Init reads the descriptor and the identity, then walks the table once
// (NUT's callback + hid_ups_walk(HU_WALKMODE_INIT) + the end of
// upsdrv_initups): only entries whose path exists in the descriptor are
// used, variables whose value could be read are published with their
// flags, string lengths and enumerations, commands whose item answered
// are added. It fails when the descriptor does not parse, when no entry
// matches (not an MGE/Eaton HID device), or when the device is gone.
func (s *Subdriver) Init() error {
	raw, err := s.dev.ReportDescriptor()
	if err != nil {
		return fmt.Errorf("mge: report descriptor: %w", err)
	}
	d, err := hid.Parse(raw)
	if err != nil {
		return fmt.Errorf("mge: %w", err)
	}
	d.Names = Usages
	for _, w := range d.Warnings {
		s.logf("%s", w)
	}
	s.desc = d
	s.items = make([]*hid.Item, len(Table))
	s.logf("Using subdriver: %s", Version)

	s.identity()

	matched := 0
	if err := s.walk(walkInit, &matched); err != nil {
		return err
	}
	if matched == 0 {
		return fmt.Errorf("mge: no MGE HID path in the report descriptor (%d items)", len(d.Items))
	}

	if _, ok := s.t.Get("battery.charge.low"); ok && s.opts.LowBatt >= 0 {
		s.t.Set("battery.charge.low", fmt.Sprint(s.opts.LowBatt))
	}
	if _, ok := s.t.Get("ups.delay.start"); ok && s.opts.OnDelay >= 0 {
		s.t.Set("ups.delay.start", fmt.Sprint(s.opts.OnDelay))
	}
	if _, ok := s.t.Get("ups.delay.shutdown"); ok && s.opts.OffDelay >= 0 {
		s.t.Set("ups.delay.shutdown", fmt.Sprint(s.opts.OffDelay))
	}
	off, on := s.findNUT("load.off.delay") >= 0, s.findNUT("load.on.delay") >= 0
	if off {
		s.t.AddCmd("load.off")
	}
	if on {
		s.t.AddCmd("load.on")
	}
	if off && on {
		s.t.AddCmd("shutdown.return")
		s.t.AddCmd("shutdown.stayoff")
	}
	return nil
}

// identity publishes ups.mfr, ups.model, ups.serial, ups.vendorid and
// ups.productid as NUT's callback does (and device.* as NUT's main.c
// remaps them), and sets the model type that enables the Pegasus-only
// entries (Ellipse ECO, Protection Station).
func (s *Subdriver) identity() {
	if id, ok := s.dev.(hiddev.Identifier); ok {
		if info, err := id.Identity(); err == nil {
			s.info, s.haveInfo = info, true
		}
	}
	// Without transport identity, read the strings whose indexes the
	// PowerSummary reports.
	if s.info.Manufacturer == "" {
		s.info.Manufacturer = s.itemString("UPS.PowerSummary.iManufacturer")
	}
	if s.info.Product == "" {
		s.info.Product = s.itemString("UPS.PowerSummary.iProduct")
	}
	if s.info.Serial == "" {
		s.info.Serial = s.itemString("UPS.PowerSummary.iSerialNumber")
	}

	mfr := s.info.Manufacturer
	if mfr == "" {
		mfr = "Eaton"
	}
	model := s.formatModel()
	s.t.Set("ups.mfr", mfr)
	if model != "" {
		s.t.Set("ups.model", model)
	}
	if s.info.Serial != "" {
		s.t.Set("ups.serial", s.info.Serial)
	}
	if s.haveInfo {
		s.t.Set("ups.vendorid", fmt.Sprintf("%04x", s.info.VendorID))
		s.t.Set("ups.productid", fmt.Sprintf("%04x", s.info.ProductID))
	}
	s.t.Set("device.mfr", mfr)
	if model != "" {
		s.t.Set("device.model", model)
	}
	if s.info.Serial != "" {
		s.t.Set("device.serial", s.info.Serial)
	}
}

// formatModel is mge_format_model: iProduct + " " + string(iModel), with
// ConfigApparentPower as the fallback model, and the model-name table's
// overrides and types.
func (s *Subdriver) formatModel() string {
	if s.info.VendorID == 0x047c { // Dell: iProduct is already the full name
		return s.info.Product
	}
	product := s.info.Product
	if product == "" {
		product = "unknown"
	}
	model := s.itemString("UPS.PowerSummary.iModel")
	if model == "" {
		if it := s.desc.First("UPS.Flow.[4].ConfigApparentPower", hid.Feature); it != nil {
			if v, err := s.value(it, 3*time.Second); err == nil {
				model = fmt.Sprint(int(v))
			}
		}
	}
	if model == "" {
		return s.info.Product
	}
	for _, m := range modelNames {
		if m.product == product && m.model == model {
			s.mgeType = m.typ
			if m.name != "" {
				return m.name
			}
			break
		}
	}
	return product + " " + model
}

type walkMode int

const (
	walkInit walkMode = iota
	walkQuick
	walkFull
)

// findNUT returns the index of the first entry named name that is in use
// (NUT's find_nut_info), or -1.
func (s *Subdriver) findNUT(name string) int {
	for i, e := range Table {
		if strings.EqualFold(e.Name, name) && s.items[i] != nil {
			return i
		}
	}
	return -1
}

// walk is hid_ups_walk.
func (s *Subdriver) walk(mode walkMode, matched *int) error {
	for i := range Table {
		e := &Table[i]
		switch mode {
		case walkInit:
			if s.items[i] != nil {
				break // reconnect: mapping already done
			}
			it := s.desc.First(e.Path, hid.Feature)
			if it == nil {
				continue
			}
			s.items[i] = it
			*matched++
			if e.Flags&Absent != 0 {
				if _, ok := s.t.Get(e.Name); ok {
					continue
				}
				s.t.Set(e.Name, e.Format)
				s.setFlags(e)
				continue
			}
			if !strings.HasPrefix(e.Name, "ups.alarm") {
				if _, ok := s.t.Get(e.Name); ok {
					// an earlier entry already provides it
					s.items[i] = nil
					continue
				}
			}
		case walkQuick:
			if e.Flags&Quick == 0 {
				continue
			}
		case walkFull:
			if e.Flags&(Absent|Cmd|Static) != 0 {
				continue
			}
			if e.Flags&Semi != 0 && !s.dataChanged {
				continue
			}
		}
		it := s.items[i]
		if it == nil {
			continue
		}
		v, err := s.value(it, s.opts.PollInterval)
		if err != nil {
			if errGone(err) {
				return fmt.Errorf("mge: %s: %w", e.Path, err)
			}
			continue // NUT: "try again later"
		}
		if e.Flags&Cmd != 0 {
			s.t.AddCmd(e.Name)
			continue
		}
		if s.apply(e, v) != 1 || mode != walkInit {
			continue
		}
		s.setFlags(e)
		if e.Flags&EnumFlag == 0 || e.Flags&RW == 0 || e.Lookup == nil {
			continue
		}
		for _, p := range e.Lookup.Values {
			if _, ok := e.Lookup.toNUT(s, float64(p.HID)); ok {
				s.t.AddEnum(e.Name, p.NUT)
			}
		}
	}
	return nil
}

func (s *Subdriver) setFlags(e *Entry) {
	var f dstate.Flag
	if e.Flags&RW != 0 {
		f |= dstate.RW
	}
	if e.StrLen > 0 {
		f |= dstate.String
	}
	s.t.SetFlags(e.Name, f)
	if e.StrLen > 0 {
		s.t.SetAux(e.Name, e.StrLen)
	}
}

// apply is ups_infoval_set: -1 when the lookup has no answer, 0 for a
// status bit or an alarm, 1 for a published variable.
func (s *Subdriver) apply(e *Entry, v float64) int {
	if e.Lookup != nil {
		nut, ok := e.Lookup.toNUT(s, v)
		if !ok {
			return -1
		}
		if strings.HasPrefix(e.Name, "BOOL") {
			s.boolean(nut)
			return 0
		}
		if strings.HasPrefix(e.Name, "ups.alarm") {
			s.alarms = append(s.alarms, nut)
			return 0
		}
		s.t.Set(e.Name, nut)
		return 1
	}
	s.t.Set(e.Name, cformat(e.Format, v))
	return 1
}

// cformat applies one of the table's printf formats to a double.
func cformat(f string, v float64) string {
	if strings.Contains(f, "%") {
		return fmt.Sprintf(f, v)
	}
	return f
}

// Update refreshes the table: a quick update reads only the quick-poll
// entries (status, timers), a full one everything that is not static
// (semi-static entries only after a SET or an instant command, which also
// forces the next update to be full, as NUT's data_has_changed). Then
// ups.status (and, on full updates, ups.alarm) is recomposed. An error
// wrapping hiddev.ErrGone means the device stopped answering.
func (s *Subdriver) Update(full bool) error {
	if s.desc == nil {
		return errors.New("mge: Update before Init")
	}
	if s.dataChanged {
		full = true
	}
	if full {
		s.alarms = s.alarms[:0]
		s.alarmActive = false
		if err := s.walk(walkFull, nil); err != nil {
			return err
		}
		s.dataChanged = false
		s.commitAlarms()
	} else if err := s.walk(walkQuick, nil); err != nil {
		return err
	}
	s.commitStatus()
	return nil
}

// Input applies an interrupt report at once: each Input item of the
// report is decoded, routed to the Feature item with the same path, and
// applied through the first table entry that uses that item (NUT's
// upsdrv_updateinfo event loop); then ups.status is recomposed. The
// report is also filed in the report buffer, so the next walk reuses it.
func (s *Subdriver) Input(rep []byte) error {
	if s.desc == nil {
		return errors.New("mge: Input before Init")
	}
	if len(rep) == 0 {
		return errors.New("mge: empty input report")
	}
	id := rep[0]
	r := s.buffer(id)
	if len(rep) != len(r.data) {
		s.logf("input report 0x%02x: expected %d bytes, but got %d instead", id, len(r.data), len(rep))
	}
	copy(r.data, rep)
	r.ts, r.valid = s.clk.Now(), true
	found := false
	for _, in := range s.desc.Items {
		if in.ReportID != id || in.Type != hid.Input {
			continue
		}
		found = true
		v, err := in.Decode(r.data)
		if err != nil {
			continue
		}
		feat := s.desc.FindPath(in.Path, hid.Feature)
		var target *hid.Item
		if len(feat) > 0 {
			target = feat[0]
		} else if in2 := s.desc.FindPath(in.Path, hid.Input); len(in2) > 0 {
			target = in2[0]
		}
		if target == nil {
			continue
		}
		for i := range Table {
			if s.items[i] == target && Table[i].Flags&Absent == 0 {
				s.apply(&Table[i], v)
				break
			}
		}
	}
	if !found {
		s.logf("unexpected input report 0x%02x (ignored)", id)
		return nil
	}
	s.commitStatus()
	return nil
}
