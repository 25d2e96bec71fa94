// Package hid parses HID report descriptors and encodes and decodes the
// fields of HID reports, the way NUT's hidparser.c and libhid.c do (NUT
// 2.8.0), because a drop-in replacement for usbhid-ups must see the same
// items, paths, offsets and values as NUT does on the same device — quirks
// included.
//
// Parse turns a descriptor into a Descriptor: a flat list of Items (one per
// report field that has a usage), each with its usage Path (collections
// from the outside in, then the field's own usage), report ID, type, bit
// offset and size, logical and physical ranges, unit and exponent. A Path
// is printed with a Names table (the usage names live with the subdriver,
// see package drivers/mge): UPS.PowerSummary.RemainingCapacity, with
// "[n]" for Eaton's indexed collections and 8 hex digits for usages the
// table does not know.
//
// Item.Decode and Item.Encode read and write one field of a report buffer
// (report ID first), with NUT's value rules: masking to the logical range,
// sign extension when LogMin < 0, clamping, physical scaling and the unit
// exponent table.
package hid

import (
	"errors"
	"fmt"
)

// Limits of NUT's parser (hidtypes.h). NUT writes past its arrays when a
// descriptor exceeds them; we stop with an error instead.
const (
	// MaxPathDepth is the deepest usage path NUT can store.
	MaxPathDepth = 10
	// MaxPendingUsages is the size of NUT's local usage stack.
	MaxPendingUsages = 50
	// MaxItems is the number of items NUT keeps; further items are
	// dropped (NUT logs "Too many HID objects").
	MaxItems = 500
	// MaxDescriptorSize is NUT's largest report descriptor (it only logs
	// when a descriptor is bigger; so do we, via Warnings).
	MaxDescriptorSize = 6144
)

// ReportType is the kind of main item, with NUT's tag values.
type ReportType uint8

// Report types (the main item tags with the size bits cleared).
const (
	Input   ReportType = 0x80
	Output  ReportType = 0x90
	Feature ReportType = 0xB0
)

// String returns NUT's name for the type ("Input", "Output", "Feature").
func (t ReportType) String() string {
	switch t {
	case Input:
		return "Input"
	case Output:
		return "Output"
	case Feature:
		return "Feature"
	}
	return "Unknown"
}

// AttrConstant is the attribute byte NUT treats as "not settable": it
// refuses to write an item whose attribute byte is exactly 0x01 and writes
// any other (including read-only-looking 0x83 items).
const AttrConstant = 0x01

// Item is one report field with a usage.
type Item struct {
	Path      Path
	ReportID  uint8
	Type      ReportType
	Offset    int // bit offset within the report, after the ID byte (NUT keeps it in 8 bits)
	Size      int // bits
	Attribute uint8
	Unit      uint32
	UnitExp   int8
	LogMin    int64
	LogMax    int64
	PhyMin    int64
	PhyMax    int64
	// HavePhyMin and HavePhyMax say whether a Physical Minimum / Maximum
	// item was ever seen; as in NUT they stay set for the rest of the
	// descriptor.
	HavePhyMin, HavePhyMax bool
	// Pos is the byte offset of the main item in the descriptor.
	Pos int
}

// Descriptor is a parsed report descriptor.
type Descriptor struct {
	// Items in descriptor order (NUT's order: lookups return the first
	// match in this order).
	Items []*Item
	// Names prints and resolves usage names; nil prints every usage in hex.
	Names Names
	// Warnings lists what NUT would only log (LogMax re-read unsigned,
	// unclosed collections, too many items, oversized descriptor).
	Warnings []string

	replen [256]int
}

// SyntaxError is a descriptor NUT cannot parse sanely: truncated item
// data, unbalanced collections, paths too deep.
type SyntaxError struct {
	Offset int // byte offset of the offending item
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("hid: report descriptor byte %d: %s", e.Offset, e.Msg)
}

// ErrNoItems is returned for a descriptor without a single usable field
// (NUT: "Failed to parse report descriptor").
var ErrNoItems = errors.New("hid: report descriptor has no items")

// item tags (prefix byte with the size bits cleared), as NUT masks them.
const (
	tagInput         = 0x80
	tagOutput        = 0x90
	tagFeature       = 0xB0
	tagCollection    = 0xA0
	tagEndCollection = 0xC0
	tagUsagePage     = 0x04
	tagLogMin        = 0x14
	tagLogMax        = 0x24
	tagPhyMin        = 0x34
	tagPhyMax        = 0x44
	tagUnitExp       = 0x54
	tagUnit          = 0x64
	tagReportSize    = 0x74
	tagReportID      = 0x84
	tagReportCount   = 0x94
	tagUsage         = 0x08
	tagLong          = 0xFC
)

var itemSize = [4]int{0, 1, 2, 4}

// offsetSlot is one entry of NUT's per-report bit counters: the table is
// searched in order and the first slot whose ID is 0 is (re)claimed, which
// is why reports with ID 0 always restart at offset 0 in NUT.
type offsetSlot struct {
	id, typ uint8
	off     uint8
}

type parser struct {
	desc  []byte
	slots []offsetSlot

	usagePage uint16
	usages    []uint32 // pending local usages; usages[0] names the next field/collection
	path      Path

	reportID    uint8
	reportSize  uint8
	reportCount uint8
	unit        uint32
	unitExp     int8
	logMin      int64
	logMax      int64
	phyMin      int64
	phyMax      int64
	havePhyMin  bool
	havePhyMax  bool
}

// signed sign-extends v read from n data bytes, as NUT's FormatValue.
func signed(v uint32, n int) int64 {
	switch n {
	case 1:
		return int64(int8(v))
	case 2:
		return int64(int16(v))
	case 4:
		return int64(int32(v))
	}
	return int64(v)
}

// offset returns NUT's bit counter for (id, type).
func (p *parser) offset(id, typ uint8, pos int) (*uint8, error) {
	for i := range p.slots {
		s := &p.slots[i]
		if s.id == 0 {
			s.id, s.typ, s.off = id, typ, 0
		}
		if s.id == id && s.typ == typ {
			return &s.off, nil
		}
	}
	if len(p.slots) >= MaxItems {
		return nil, &SyntaxError{pos, "too many (report ID, type) pairs"}
	}
	p.slots = append(p.slots, offsetSlot{id: id, typ: typ})
	return &p.slots[len(p.slots)-1].off, nil
}

// popUsage takes the next pending usage (0 when none is left), as NUT's
// usage stack does.
func (p *parser) popUsage() uint32 {
	if len(p.usages) == 0 {
		return 0
	}
	u := p.usages[0]
	p.usages = p.usages[1:]
	return u
}

// Parse parses a report descriptor with NUT 2.8.0's rules (see the package
// doc and the spec, eaton-hid-shut.md §3.1): Usage Minimum/Maximum,
// Push/Pop, Delimiter, strings and designators are ignored; a collection
// whose type byte is 0x80 or more adds an index node [type&0x7f]; a field
// without a usage is padding and yields no item; bit offsets are counted
// per (report ID, type) in 8 bits. It never panics: a truncated item,
// collections nested too deep, or an End Collection without a collection
// before further fields give a *SyntaxError with the byte offset (where
// NUT would read past its buffer or write past its arrays); what NUT only
// logs (unclosed collections, a stray trailing End Collection, LogMax
// re-read unsigned, too many items) goes to Descriptor.Warnings.
func Parse(desc []byte) (*Descriptor, error) {
	d := &Descriptor{}
	if len(desc) >= MaxDescriptorSize {
		d.Warnings = append(d.Warnings, fmt.Sprintf("report descriptor too big (%d bytes, NUT's limit is %d)", len(desc), MaxDescriptorSize))
	}
	p := &parser{desc: desc}
	pos := 0
	for pos < len(desc) {
		start := pos
		prefix := desc[pos]
		pos++
		n := itemSize[prefix&3]
		if pos+n > len(desc) {
			return nil, &SyntaxError{start, fmt.Sprintf("item 0x%02x needs %d data bytes, descriptor ends after %d", prefix, n, len(desc)-pos)}
		}
		var v uint32
		for i := 0; i < n; i++ {
			v |= uint32(desc[pos+i]) << (8 * i)
		}
		pos += n

		switch tag := prefix & 0xFC; tag {
		case tagUsagePage:
			p.usagePage = uint16(v)
		case tagUsage:
			if len(p.usages) >= MaxPendingUsages {
				return nil, &SyntaxError{start, fmt.Sprintf("more than %d usages before a main item", MaxPendingUsages)}
			}
			if n > 2 {
				p.usages = append(p.usages, v)
			} else {
				p.usages = append(p.usages, uint32(p.usagePage)<<16|v&0xFFFF)
			}
		case tagCollection:
			need := 1
			if v >= 0x80 {
				need = 2
			}
			if len(p.path)+need > MaxPathDepth {
				return nil, &SyntaxError{start, fmt.Sprintf("collections nested deeper than %d", MaxPathDepth)}
			}
			p.path = append(p.path, p.popUsage())
			if v >= 0x80 {
				p.path = append(p.path, indexBase|v&0x7F)
			}
			p.usages = p.usages[:0]
		case tagEndCollection:
			if len(p.path) == 0 {
				// NUT's 8-bit path length wraps here. Harmless when no
				// field follows (a stray trailing End Collection);
				// otherwise NUT would give the following fields empty
				// paths, so refuse.
				if mainItemAfter(desc, pos) {
					return nil, &SyntaxError{start, "end collection without an open collection"}
				}
				d.Warnings = append(d.Warnings, fmt.Sprintf("byte %d: end collection without an open collection (ignored)", start))
				continue
			}
			// NUT pops the top node and, when that node was an index
			// node, the collection usage below it as well.
			// (A usage of page 0x00FF looks like an index node too, so
			// NUT also drops the parent of such a collection.)
			top := p.path[len(p.path)-1]
			p.path = p.path[:len(p.path)-1]
			if top&0xFFFF0000 == indexBase {
				if len(p.path) == 0 {
					// NUT's 8-bit path length wraps here, as above.
					if mainItemAfter(desc, pos) {
						return nil, &SyntaxError{start, fmt.Sprintf("end collection of usage 0x%08x pops below the top level (NUT takes page 0x00FF usages for index nodes)", top)}
					}
					d.Warnings = append(d.Warnings, fmt.Sprintf("byte %d: end collection of usage 0x%08x pops below the top level (ignored)", start, top))
					continue
				}
				p.path = p.path[:len(p.path)-1]
			}
			p.usages = p.usages[:0]
		case tagInput, tagOutput, tagFeature:
			if len(p.path)+1 > MaxPathDepth {
				return nil, &SyntaxError{start, fmt.Sprintf("field path deeper than %d", MaxPathDepth)}
			}
			count := int(p.reportCount)
			if count == 0 {
				// NUT's 8-bit field counter wraps: a Report Count of 0
				// still emits a field and then 255 more.
				count = 256
			}
			for c := 0; c < count; c++ {
				if c > 0 && pos >= len(desc) {
					// NUT handles the fields after the first one on its
					// next parser call, which only runs while bytes are
					// left: a main item that ends the descriptor (an
					// unterminated, truncated one) yields one field.
					break
				}
				u := p.popUsage()
				off, err := p.offset(p.reportID, uint8(tag), start)
				if err != nil {
					return nil, err
				}
				it := &Item{
					Path:       append(p.path.clone(), u),
					ReportID:   p.reportID,
					Type:       ReportType(tag),
					Offset:     int(*off),
					Size:       int(p.reportSize),
					Attribute:  uint8(v),
					Unit:       p.unit,
					UnitExp:    p.unitExp,
					LogMin:     p.logMin,
					LogMax:     p.logMax,
					PhyMin:     p.phyMin,
					PhyMax:     p.phyMax,
					HavePhyMin: p.havePhyMin,
					HavePhyMax: p.havePhyMax,
					Pos:        start,
				}
				*off += p.reportSize
				// NUT counts padding fields in the report length too.
				if l := (it.Offset + it.Size + 7) >> 3; l > d.replen[it.ReportID] {
					d.replen[it.ReportID] = l
				}
				if u == 0 {
					continue // padding: no item
				}
				if len(d.Items) >= MaxItems {
					d.Warnings = append(d.Warnings, fmt.Sprintf("too many HID objects at byte %d; NUT keeps the first %d", start, MaxItems))
					return d.finish()
				}
				d.Items = append(d.Items, it)
			}
			p.usages = p.usages[:0]
		case tagReportID:
			p.reportID = uint8(v)
		case tagReportSize:
			p.reportSize = uint8(v)
		case tagReportCount:
			p.reportCount = uint8(v)
		case tagUnitExp:
			// NUT: int8 of the value, and values above 7 get the high
			// nibble set (0x0E = -2, 0x07 = 7).
			e := int8(v)
			if e > 7 {
				e |= -16
			}
			p.unitExp = e
		case tagUnit:
			p.unit = v
		case tagLogMin:
			p.logMin = signed(v, n)
		case tagLogMax:
			p.logMax = signed(v, n)
			if p.logMax < p.logMin {
				// NUT's hack for firmware that overflowed into the sign
				// bit: re-read the maximum unsigned, and log it.
				d.Warnings = append(d.Warnings, fmt.Sprintf("byte %d: LogMax %d is less than LogMin %d; interpreting it as %d (report 0x%02x)", start, p.logMax, p.logMin, v, p.reportID))
				p.logMax = int64(v)
			}
		case tagPhyMin:
			p.phyMin = signed(v, n)
			p.havePhyMin = true
		case tagPhyMax:
			p.phyMax = signed(v, n)
			p.havePhyMax = true
		case tagLong:
			// Long item: the data size is the first data byte; skip it.
			skip := int(v & 0xFF)
			if pos+skip > len(desc) {
				return nil, &SyntaxError{start, fmt.Sprintf("long item needs %d data bytes, descriptor ends after %d", skip, len(desc)-pos)}
			}
			pos += skip
		}
	}
	if len(p.path) > 0 {
		d.Warnings = append(d.Warnings, fmt.Sprintf("%d collection(s) not closed at the end of the descriptor", len(p.path)))
	}
	return d.finish()
}

// mainItemAfter reports whether a main item (Input, Output, Feature or
// Collection) follows position pos.
func mainItemAfter(desc []byte, pos int) bool {
	for pos < len(desc) {
		prefix := desc[pos]
		switch prefix & 0xFC {
		case tagInput, tagOutput, tagFeature, tagCollection:
			return true
		}
		data := pos + 1
		pos = data + itemSize[prefix&3]
		if prefix&0xFC == tagLong && itemSize[prefix&3] > 0 && data < len(desc) {
			pos += int(desc[data]) // long item: first data byte is its size
		}
	}
	return false
}

func (d *Descriptor) finish() (*Descriptor, error) {
	if len(d.Items) == 0 {
		return nil, ErrNoItems
	}
	return d, nil
}

// ReportLen returns the length in bytes of report id, ID byte included,
// as NUT sizes its buffers and GET_REPORT requests: the longest of the
// report's Input, Output and Feature layouts, plus one. The type is
// accepted for clarity; NUT keeps one length per ID.
func (d *Descriptor) ReportLen(id uint8, _ ReportType) int {
	return d.replen[id] + 1
}

// ReportIDs returns the report IDs that have items, in the order their
// first item appears (the order of NUT's dump-tree walk).
func (d *Descriptor) ReportIDs(t ReportType) []uint8 {
	var seen [256]bool
	var ids []uint8
	for _, it := range d.Items {
		if it.Type != t || seen[it.ReportID] {
			continue
		}
		seen[it.ReportID] = true
		ids = append(ids, it.ReportID)
	}
	return ids
}

// Find returns the items of type t whose path starts with path (NUT
// compares only as many nodes as the query has: a prefix match), in
// descriptor order. A path that does not resolve returns nil.
func (d *Descriptor) Find(path string, t ReportType) []*Item {
	q, err := ParsePath(path, d.Names)
	if err != nil {
		return nil
	}
	return d.FindPath(q, t)
}

// FindPath is Find with a numeric path.
func (d *Descriptor) FindPath(q Path, t ReportType) []*Item {
	var out []*Item
	for _, it := range d.Items {
		if it.Type == t && it.Path.HasPrefix(q) {
			out = append(out, it)
		}
	}
	return out
}

// First returns the first item that Find would return, or nil: the item
// NUT's FindObject_with_Path picks.
func (d *Descriptor) First(path string, t ReportType) *Item {
	q, err := ParsePath(path, d.Names)
	if err != nil {
		return nil
	}
	for _, it := range d.Items {
		if it.Type == t && it.Path.HasPrefix(q) {
			return it
		}
	}
	return nil
}

// PathString prints an item's path with the descriptor's Names.
func (d *Descriptor) PathString(it *Item) string { return it.Path.Format(d.Names) }
