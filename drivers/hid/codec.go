package hid

import (
	"errors"
	"fmt"
)

// ErrConstant is returned by Encode for an item whose attribute byte is
// exactly 0x01 (Constant), the only case where NUT refuses a write.
var ErrConstant = errors.New("hid: item is constant")

// ShortReportError says a report buffer is too short for an item.
type ShortReportError struct {
	ReportID uint8
	Need     int // bytes, ID included
	Got      int
}

func (e *ShortReportError) Error() string {
	return fmt.Sprintf("hid: report 0x%02x: short report (%d of %d bytes)", e.ReportID, e.Got, e.Need)
}

// need returns the buffer length (ID byte included) the item's bits reach.
func (it *Item) need() int { return (it.Offset + 8 + it.Size + 7) >> 3 }

func (it *Item) check(report []byte) error {
	if n := it.need(); len(report) < n {
		return &ShortReportError{ReportID: it.ReportID, Need: n, Got: len(report)}
	}
	return nil
}

// hibit returns 1 + the position of the highest set bit, 0 for 0.
func hibit(x uint64) uint {
	var n uint
	for x != 0 {
		x >>= 1
		n++
	}
	return n
}

// Logical extracts the item's logical value from report (report ID in
// byte 0, so the field starts at bit Offset+8), with NUT's GetValue rules:
// keep only the bits needed for the logical range (plus a sign bit when
// LogMin < 0), sign-extend when LogMin < 0, then clamp to
// [LogMin, LogMax]. Garbage in the upper bits is thrown away, as some
// firmware (APC) sends it.
func (it *Item) Logical(report []byte) (int64, error) {
	if err := it.check(report); err != nil {
		return 0, err
	}
	var raw uint64
	bit := it.Offset + 8
	for w := 0; w < it.Size && w < 64; w, bit = w+1, bit+1 {
		if report[bit>>3]&(1<<(bit&7)) != 0 {
			raw |= 1 << w
		}
	}
	mag := func(v int64) uint64 {
		if v >= 0 {
			return uint64(v)
		}
		return uint64(-(v + 1))
	}
	m := max(mag(it.LogMax), mag(it.LogMin))
	signbit := uint64(1) << hibit(m)
	mask := signbit - 1
	if it.LogMin < 0 {
		mask |= signbit
	}
	raw &= mask
	v := int64(raw)
	if it.LogMin < 0 && raw&signbit != 0 {
		v = int64(raw | ^mask)
	}
	if v < it.LogMin {
		v = it.LogMin
	} else if v > it.LogMax {
		v = it.LogMax
	}
	return v, nil
}

// SetLogical writes the low Size bits of v into the item's field of
// report, leaving the other bits alone (NUT's SetValue).
func (it *Item) SetLogical(report []byte, v int64) error {
	if err := it.check(report); err != nil {
		return err
	}
	bit := it.Offset + 8
	for w := 0; w < it.Size; w, bit = w+1, bit+1 {
		on := w < 64 && v&(1<<w) != 0
		if on {
			report[bit>>3] |= 1 << (bit & 7)
		} else {
			report[bit>>3] &^= 1 << (bit & 7)
		}
	}
	return nil
}

// hasPhysical says whether NUT scales between logical and physical: both
// physical bounds defined and not both 0, and sane ranges.
func (it *Item) hasPhysical() bool {
	if !it.HavePhyMin || !it.HavePhyMax || (it.PhyMin == 0 && it.PhyMax == 0) {
		return false
	}
	return it.PhyMax > it.PhyMin && it.LogMax > it.LogMin
}

// ToPhysical converts a logical value to physical (linear scaling between
// the logical and physical ranges, clamped), as NUT's logical_to_physical.
func (it *Item) ToPhysical(logical int64) float64 {
	if !it.hasPhysical() {
		return float64(logical)
	}
	f := float64(it.PhyMax-it.PhyMin) / float64(it.LogMax-it.LogMin)
	p := float64(logical-it.LogMin)*f + float64(it.PhyMin)
	if p > float64(it.PhyMax) {
		return float64(it.PhyMax)
	}
	if p < float64(it.PhyMin) {
		return float64(it.PhyMin)
	}
	return p
}

// ToLogical converts a physical value to logical, truncating toward zero
// and clamping, as NUT's physical_to_logical.
func (it *Item) ToLogical(physical float64) int64 {
	if !it.hasPhysical() {
		return int64(physical)
	}
	f := float64(it.LogMax-it.LogMin) / float64(it.PhyMax-it.PhyMin)
	l := int64((physical-float64(it.PhyMin))*f) + it.LogMin
	if l > it.LogMax {
		return it.LogMax
	}
	if l < it.LogMin {
		return it.LogMin
	}
	return l
}

// unitExponents is NUT's HIDUnits table: the exponent a unit carries by
// definition, subtracted from the item's Unit Exponent. Eaton reports
// volts as unit 0x00F0D121 with exponent 7, which therefore means x1.
var unitExponents = []struct {
	unit uint32
	exp  int8
}{
	{0x00000000, 0}, // none
	{0x00F0D121, 7}, // volt
	{0x00100001, 0}, // ampere
	{0x0000D121, 7}, // VA, watt
	{0x00001001, 0}, // second
	{0x00010001, 0}, // kelvin
	{0x0000F001, 0}, // hertz
	{0x00101001, 0}, // ampere-second
}

// Exponent returns the decimal exponent NUT applies to the item's
// physical value: UnitExp minus the unit's own exponent, in int8
// arithmetic as NUT does it.
func (it *Item) Exponent() int8 {
	e := it.UnitExp
	for _, u := range unitExponents {
		if u.unit == it.Unit {
			e -= u.exp
			break
		}
	}
	return e
}

// pow10 computes 10^b the way NUT's recursive exponent() does, factor by
// factor, so that results round exactly like NUT's (10^-2 is
// 0.1*0.1 = 0.010000000000000002, not 0.01).
func pow10(b int8) float64 {
	r := 1.0
	for ; b > 0; b-- {
		r = 10 * r
	}
	for ; b < 0; b++ {
		r = (1 / 10.0) * r
	}
	return r
}

// Decode returns the item's value in report as NUT's HIDGetDataValue
// does: logical value, physical scaling, then the unit exponent.
func (it *Item) Decode(report []byte) (float64, error) {
	l, err := it.Logical(report)
	if err != nil {
		return 0, err
	}
	return it.ToPhysical(l) * pow10(it.Exponent()), nil
}

// Encode writes v into the item's field of report (the last-read report
// buffer, whose other fields are sent back unchanged), as NUT's
// HIDSetDataValue: divide by the unit exponent, convert to logical
// (truncating), then set the bits. An item whose attribute byte is
// exactly 0x01 is refused with ErrConstant.
func (it *Item) Encode(report []byte, v float64) error {
	if it.Attribute == AttrConstant {
		return fmt.Errorf("report 0x%02x offset %d: %w", it.ReportID, it.Offset, ErrConstant)
	}
	v /= pow10(it.Exponent())
	return it.SetLogical(report, it.ToLogical(v))
}
