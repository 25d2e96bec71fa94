package hidview

import (
	"strings"

	"github.com/upslab/upslab/simulator"
)

// Profile is what a unit looks like at the HID and USB identity level: its
// report descriptor, its USB identity and string table, and the values of
// the items the device model does not drive. The built-in one is
// EllipseECO650; a recorded device (upslab record) can bring its own
// descriptor bytes, strings and constants, and every item whose path the
// view knows (see bindings) then follows the model.
type Profile struct {
	Name string
	// Descriptor is the HID report descriptor.
	Descriptor []byte
	// USB identity of the device descriptor.
	VendorID, ProductID, BCDDevice uint16
	// String indexes the device descriptor names (0 = none).
	IManufacturer, IProduct, ISerial uint8
	// Strings maps USB string indexes to their text. "$manufacturer",
	// "$product", "$model", "$serial", "$chemistry", "$firmware" and
	// "$reference" (Eaton's part number, "EL" + model + "USBFR") are taken
	// from the model's State at each request, so a script can change them.
	Strings map[uint8]string
	// Constants gives the value of fields no binding drives, by path
	// (string indexes, flow and outlet IDs, vendor items). Missing ones read
	// 0.
	Constants map[string]int64
}

// EllipseECO650 returns the built-in profile of the Eaton Ellipse ECO 650
// USB: identity from NUT issue #589 (0463:ffff, bcdDevice 0x0100, strings
// 1/2/4), string indexes as the Santak family reports them in report 0x10.
func EllipseECO650() *Profile {
	return &Profile{
		Name:          "ellipse-eco-650",
		Descriptor:    EllipseECO650Descriptor(),
		VendorID:      0x0463,
		ProductID:     0xffff,
		BCDDevice:     0x0100,
		IManufacturer: 1,
		IProduct:      2,
		ISerial:       4,
		Strings: map[uint8]string{
			1: "$manufacturer",
			2: "$product",
			4: "$serial",
			5: "$chemistry",
			6: "$firmware",
			7: "$model",
			// Assumptions: Eaton's part number (EL650USBFR for the 650 USB
			// FR) and the second (communication board) version string.
			8: "$reference",
			9: "$firmware",
		},
		Constants: map[string]int64{
			// String indexes (report 0x10), NUT stringid_conversion reads them.
			"UPS.PowerSummary.iDeviceChemistry": 5,
			"UPS.PowerSummary.iManufacturer":    1,
			"UPS.PowerSummary.iModel":           7,
			"UPS.PowerSummary.iProduct":         2,
			"UPS.PowerSummary.iReferenceNumber": 8,
			"UPS.PowerSummary.iSerialNumber":    4,
			"UPS.PowerSummary.iVersion":         6,
			"UPS.ffff00e5.ffff0005.iVersion":    9,
			// Identity report 0x0b: everything flows to Flow [4], the output.
			"UPS.Flow.[4].FlowID":                 4,
			"UPS.OutletSystem.Outlet.[1].FlowID":  4,
			"UPS.OutletSystem.Outlet.[2].FlowID":  4,
			"UPS.OutletSystem.Outlet.[3].FlowID":  4,
			"UPS.OutletSystem.OutletSystemID":     1,
			"UPS.PowerConverter.Output.OutputID":  1,
			"UPS.PowerConverter.PowerConverterID": 1,
			"UPS.PowerSummary.FlowID":             4,
			"UPS.PowerSummary.PowerSummaryID":     1,
			// Battery capacity is given in percent (CapacityMode 2).
			"UPS.PowerSummary.CapacityGranularity1": 1,
			"UPS.PowerSummary.CapacityMode":         2,
			"UPS.PowerSummary.DesignCapacity":       100,
			"UPS.PowerSummary.FullChargeCapacity":   100,
			// ConverterType stays 0: no ECO dump shows ups.type, which NUT
			// publishes for 1..5 (mge_upstype_conversion).
			"UPS.PowerConverter.ConverterType": 0,
			// Unmapped vendor items; values as the Santak family reads them.
			"UPS.BatterySystem.Charger.ffff00e9":   2,
			"UPS.OutletSystem.Outlet.[1].ffff00e9": 2,
			"UPS.OutletSystem.Outlet.[2].ffff00e9": 1,
			"UPS.PowerSummary.Mode":                3,
			"UPS.PowerSummary.ffff00e9":            2,
			"UPS.ffff00e5.ffff0005.Mode":           41,
		},
	}
}

// stringValue resolves one profile string against the state.
func stringValue(tmpl string, s *simulator.State) string {
	if !strings.HasPrefix(tmpl, "$") {
		return tmpl
	}
	pick := func(v, dflt string) string {
		if v == "" {
			return dflt
		}
		return v
	}
	// Defaults are the real ECO 650's, for a model that leaves a field empty.
	switch tmpl {
	case "$manufacturer":
		return pick(s.Manufacturer, "EATON")
	case "$product":
		return pick(s.Product, "Ellipse ECO")
	case "$model":
		return pick(s.Model, "650")
	case "$serial":
		return pick(s.Serial, "000000000")
	case "$chemistry":
		return pick(s.Chemistry, "PbAc")
	case "$reference":
		return "EL" + pick(s.Model, "650") + "USBFR"
	case "$firmware":
		// nut-ddl's ECO 1600 shows ups.firmware "00".
		return pick(s.Firmware, "00")
	}
	return tmpl
}
