package hidview

import (
	"fmt"
	"strconv"
)

// builder writes a HID report descriptor one short item at a time. Every
// call emits exactly one item, in the smallest encoding that keeps the value
// (signed for logical/physical extents and the unit exponent, unsigned for
// pages, usages, units, sizes and IDs) and never drops a "redundant" global:
// that is how real firmware writes them, and it lets the Santak base be
// rebuilt byte for byte (TestSantakRebuild).
//
// Usages are given by name and resolved in the current usage page through
// usageByName, so the description reads like NUT's paths.
type builder struct {
	b    []byte
	page uint16
}

// HID short item prefixes (tag|type, size bits added on emission).
const (
	itemInput      = 0x80
	itemOutput     = 0x90
	itemCollection = 0xa0
	itemFeature    = 0xb0
	itemEndColl    = 0xc0
	itemUsagePage  = 0x04
	itemLogMin     = 0x14
	itemLogMax     = 0x24
	itemPhysMin    = 0x34
	itemPhysMax    = 0x44
	itemUnitExp    = 0x54
	itemUnit       = 0x64
	itemReportSize = 0x74
	itemReportID   = 0x84
	itemReportCnt  = 0x94
	itemUsage      = 0x08
)

// Collection types; Eaton's instance collections are 0x80|n (NUT prints
// them as [n]), e.g. Flow [4] = 0x84.
const (
	collPhysical    = 0x00
	collApplication = 0x01
	collLogical     = 0x02
)

// Main item attribute bytes used by Eaton: 0x82 Data|Var|Volatile
// (writable), 0x83 Const|Var|Volatile (status, measures), 0x03 Const|Var
// (identity).
const (
	attrRW       = 0x82
	attrStatus   = 0x83
	attrConstant = 0x03
)

// Usage pages.
const (
	pagePowerDevice   = 0x84
	pageBatterySystem = 0x85
	pageMGE           = 0xffff
)

func (b *builder) emitUnsigned(prefix byte, v uint32) *builder {
	switch {
	case v <= 0xff:
		b.b = append(b.b, prefix|1, byte(v))
	case v <= 0xffff:
		b.b = append(b.b, prefix|2, byte(v), byte(v>>8))
	default:
		b.b = append(b.b, prefix|3, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	}
	return b
}

func (b *builder) emitSigned(prefix byte, v int64) *builder {
	switch {
	case v >= -0x80 && v <= 0x7f:
		b.b = append(b.b, prefix|1, byte(v))
	case v >= -0x8000 && v <= 0x7fff:
		b.b = append(b.b, prefix|2, byte(v), byte(v>>8))
	default:
		b.b = append(b.b, prefix|3, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	}
	return b
}

// Page sets the usage page.
func (b *builder) Page(p uint16) *builder {
	b.page = p
	return b.emitUnsigned(itemUsagePage, uint32(p))
}

// Usage adds a usage of the current page, by its NUT name or as 8 hex
// digits ("ffff00e9") for usages NUT has no name for.
func (b *builder) Usage(name string) *builder {
	full, ok := usageByName(b.page, name)
	if !ok {
		if v, err := strconv.ParseUint(name, 16, 32); err == nil && len(name) == 8 && uint16(v>>16) == b.page {
			full = uint32(v)
		} else {
			panic(fmt.Sprintf("hidview: no usage %q in page %#04x", name, b.page))
		}
	}
	return b.emitUnsigned(itemUsage, full&0xffff)
}

// Collection opens a collection, runs body and closes it.
func (b *builder) Collection(kind byte, body func()) *builder {
	b.emitUnsigned(itemCollection, uint32(kind))
	body()
	b.b = append(b.b, itemEndColl)
	return b
}

// ID sets the report ID.
func (b *builder) ID(id byte) *builder { return b.emitUnsigned(itemReportID, uint32(id)) }

// Size sets the report size in bits.
func (b *builder) Size(bits int) *builder { return b.emitUnsigned(itemReportSize, uint32(bits)) }

// Count sets the report count.
func (b *builder) Count(n int) *builder { return b.emitUnsigned(itemReportCnt, uint32(n)) }

// LogMin sets the logical minimum.
func (b *builder) LogMin(v int64) *builder { return b.emitSigned(itemLogMin, v) }

// LogMax sets the logical maximum.
func (b *builder) LogMax(v int64) *builder { return b.emitSigned(itemLogMax, v) }

// Unit sets the unit (0x00f0d121 volt, 0xd121 VA, 0xf001 Hz, 0x1001 s).
func (b *builder) Unit(u uint32) *builder { return b.emitUnsigned(itemUnit, u) }

// Exp sets the unit exponent (Eaton writes volts and VA with exponent 7).
func (b *builder) Exp(e int64) *builder { return b.emitSigned(itemUnitExp, e) }

// Feature emits a Feature main item.
func (b *builder) Feature(attr byte) *builder { return b.emitUnsigned(itemFeature, uint32(attr)) }

// Input emits an Input main item.
func (b *builder) Input(attr byte) *builder { return b.emitUnsigned(itemInput, uint32(attr)) }

// Bytes returns the descriptor.
func (b *builder) Bytes() []byte { return append([]byte(nil), b.b...) }
