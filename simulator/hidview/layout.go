package hidview

import (
	"fmt"
	"sort"
	"strings"
)

// Kind is the main item type of a field.
type Kind byte

// Main item kinds, by their HID tag.
const (
	Input   Kind = itemInput
	Output  Kind = itemOutput
	Feature Kind = itemFeature
)

func (k Kind) String() string {
	switch k {
	case Input:
		return "Input"
	case Output:
		return "Output"
	case Feature:
		return "Feature"
	}
	return fmt.Sprintf("Kind(%#x)", byte(k))
}

// Field is one value of a report, as the device encodes it.
type Field struct {
	Kind     Kind
	ReportID byte
	Offset   int    // bit offset after the report ID byte
	Size     int    // bits
	Path     string // NUT-style dotted path, "UPS.PowerSummary.RemainingCapacity"
	Attr     byte   // main item attribute byte (0x82 writable, 0x83/0x03 read-only)
	LogMin   int64
	LogMax   int64
	Unit     uint32
	UnitExp  int
}

// Writable reports whether a host may change the field: the item is Data
// (bit 0 of the attribute clear), as Eaton's 0x82 items are.
func (f Field) Writable() bool { return f.Attr&1 == 0 }

// Layout is the parsed report structure of a descriptor.
type Layout struct {
	Fields []Field
	lens   map[layoutKey]int // bytes including the ID byte
}

type layoutKey struct {
	id   byte
	kind Kind
}

// ReportLen returns the length in bytes (ID byte included) of report id of
// the given kind, or 0 when there is no such report.
func (l *Layout) ReportLen(id byte, k Kind) int { return l.lens[layoutKey{id, k}] }

// IDs returns the report IDs that have fields of kind k, ascending.
func (l *Layout) IDs(k Kind) []byte {
	var ids []byte
	for key := range l.lens {
		if key.kind == k {
			ids = append(ids, key.id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// ParseLayout reads a report descriptor the way the device side needs it:
// paths follow NUT's rules (the first pending usage of a collection is its
// path node; an Eaton instance collection type 0x80|n adds "[n]"), every
// Report Count element is a field, and a field with no usage left takes the
// last usage, as the HID specification says (NUT makes it padding; for the
// device the bits are still there). Offsets are true bit offsets (NUT keeps
// them in 8 bits; that is a host limitation).
func ParseLayout(desc []byte) (*Layout, error) {
	type globals struct {
		page        uint16
		logMin      int64
		logMax      int64
		unit        uint32
		unitExp     int
		size, count int
		id          byte
		logMaxRaw   uint32
	}
	var (
		g       globals
		stack   []globals
		usages  []uint32
		path    []string
		depth   []int // path length before each open collection
		offsets = map[layoutKey]int{}
		l       = &Layout{lens: map[layoutKey]int{}}
	)
	for i := 0; i < len(desc); {
		prefix := desc[i]
		if prefix == 0xfe { // long item: skip
			if i+2 >= len(desc) {
				return nil, fmt.Errorf("descriptor byte %d: truncated long item", i)
			}
			i += 3 + int(desc[i+1])
			continue
		}
		n := []int{0, 1, 2, 4}[prefix&3]
		if i+1+n > len(desc) {
			return nil, fmt.Errorf("descriptor byte %d: item %#02x needs %d data bytes, %d left", i, prefix, n, len(desc)-i-1)
		}
		data := desc[i+1 : i+1+n]
		var u uint32
		for k := n - 1; k >= 0; k-- {
			u = u<<8 | uint32(data[k])
		}
		s := int64(u)
		switch n {
		case 1:
			s = int64(int8(u))
		case 2:
			s = int64(int16(u))
		case 4:
			s = int64(int32(u))
		}
		tag := prefix & 0xfc
		switch tag {
		case itemUsagePage:
			g.page = uint16(u)
		case itemUsage:
			if n == 4 {
				usages = append(usages, u)
			} else {
				usages = append(usages, uint32(g.page)<<16|u&0xffff)
			}
		case itemLogMin:
			g.logMin = s
		case itemLogMax:
			g.logMax, g.logMaxRaw = s, u
		case itemUnit:
			g.unit = u
		case itemUnitExp:
			e := int(u & 0xf)
			if e > 7 {
				e -= 16
			}
			g.unitExp = e
		case itemReportSize:
			g.size = int(u)
		case itemReportCnt:
			g.count = int(u)
		case itemReportID:
			g.id = byte(u)
		case 0xa4: // Push
			stack = append(stack, g)
		case 0xb4: // Pop
			if len(stack) == 0 {
				return nil, fmt.Errorf("descriptor byte %d: pop without push", i)
			}
			g, stack = stack[len(stack)-1], stack[:len(stack)-1]
		case itemCollection:
			depth = append(depth, len(path))
			if len(usages) > 0 {
				path = append(path, usageName(usages[0]))
			}
			if u >= 0x80 && u <= 0xff {
				path = append(path, usageName(0x00ff0000|u&0x7f))
			}
			usages = usages[:0]
		case itemEndColl:
			if len(depth) == 0 {
				return nil, fmt.Errorf("descriptor byte %d: end collection without collection", i)
			}
			path, depth = path[:depth[len(depth)-1]], depth[:len(depth)-1]
			usages = usages[:0]
		case itemInput, itemOutput, itemFeature:
			if g.size <= 0 || g.size > 32 {
				return nil, fmt.Errorf("descriptor byte %d: report %#02x: field size %d bits not supported", i, g.id, g.size)
			}
			key := layoutKey{g.id, Kind(tag)}
			lmax := g.logMax
			if lmax < g.logMin { // NUT: re-read LogMax unsigned
				lmax = int64(g.logMaxRaw)
			}
			for c := 0; c < g.count; c++ {
				var usage uint32
				switch {
				case c < len(usages):
					usage = usages[c]
				case len(usages) > 0:
					usage = usages[len(usages)-1]
				}
				if usage != 0 {
					l.Fields = append(l.Fields, Field{
						Kind: Kind(tag), ReportID: g.id, Offset: offsets[key], Size: g.size,
						Path: strings.Join(append(append([]string{}, path...), usageName(usage)), "."),
						Attr: byte(u), LogMin: g.logMin, LogMax: lmax, Unit: g.unit, UnitExp: g.unitExp,
					})
				}
				offsets[key] += g.size
			}
			if b := 1 + (offsets[key]+7)/8; b > l.lens[key] {
				l.lens[key] = b
			}
			usages = usages[:0]
		}
		i += 1 + n
	}
	if len(depth) != 0 {
		return nil, fmt.Errorf("descriptor: %d collection(s) not closed", len(depth))
	}
	return l, nil
}
