package hidview

// The Ellipse ECO 650 report descriptor.
//
// No dump of a real ECO descriptor is public (NUT issue #589's read failed;
// the unit announces 909 bytes). The base below is the real 926-byte
// descriptor of a SANTAK TG-BOX 850 (an Eaton unit of the same firmware
// family, fixture santak-tg-box-850.report-descriptor.hex), written out
// item by item; TestSantakRebuild proves that ecoDescriptor(false) is that
// fixture byte for byte. The blocks under `if eco` are what a real ECO shows
// beyond it in upsc dumps (NUT issues #1468, #1942, nut-ddl ECO 1600):
//
//   - Outlet.[1].ConfigApparentPower, NUT outlet.power (RW enum 10/25/60 on
//     "Pegasus" models), new feature report 0x1b;
//   - a third outlet, Outlet.[3] (NUT outlet.2.*): FlowID and OutletID in
//     the identity report 0x0b, PresentStatus.Switchable in its own report
//     0x1a (as Outlet.[2]'s is alone in 0x19), PresentStatus.SwitchOn/Off in
//     report 0x02 next to the other two outlets (feature and input).
//
// Report IDs, offsets and sizes of everything the real ECO logs show
// (0x01, 0x06, 0x09, 0x0a) are untouched. Outlet.[3] has no ffff00e9 item
// in report 0x07 (the Santak outlets have one) so that PercentLoad keeps its
// offset there; that vendor usage is not read by NUT.
//
// Assumption, to be replaced by a real dump: the item order and report IDs
// chosen for the two additions.

// EllipseECO650Descriptor returns the report descriptor of the simulated
// Ellipse ECO 650 (golden copy: testdata/ellipse-eco-650.report-descriptor.hex).
func EllipseECO650Descriptor() []byte { return ecoDescriptor(true) }

// SantakTGBox850Descriptor returns the real Santak TG-BOX 850 descriptor the
// ECO's is built from (for comparison and for a Santak profile).
func SantakTGBox850Descriptor() []byte { return ecoDescriptor(false) }

func ecoDescriptor(eco bool) []byte {
	d := &builder{}
	d.Page(pagePowerDevice).Usage("UPS").Collection(collApplication, func() {
		d.Usage("BatterySystem").Collection(collPhysical, func() {
			d.Usage("Battery").Collection(collPhysical, func() {
				d.Usage("AudibleAlarmControl").ID(0x20).Size(8).Count(1).LogMin(0).LogMax(255).Unit(0).Exp(0).Feature(attrRW)
			})
			d.Usage("Charger").Collection(collPhysical, func() {
				d.Usage("PresentStatus").Collection(collLogical, func() {
					d.Page(pageMGE)
					d.Usage("VoltageTooHigh").ID(0x03).Feature(attrStatus)
					d.Usage("VoltageTooHigh").Input(attrStatus)
					d.Usage("VoltageTooLow").Feature(attrStatus)
					d.Usage("VoltageTooLow").Input(attrStatus)
				})
				d.Usage("ffff00e9").ID(0x07).Feature(attrStatus)
			})
		})
		// Vendor blocks, skipped by NUT for Eaton (IDs 254/255).
		d.Usage("ffff00e0").ID(0xfe).Count(10).LogMax(0x7fffffff).Feature(attrRW)
		d.Usage("ffff00e0").ID(0xff).Count(63).Feature(attrRW)

		d.Page(pagePowerDevice).Usage("Flow").Collection(0x84, func() { // Flow.[4]: the output
			d.Usage("ConfigApparentPower").ID(0x0d).Size(16).Count(1).LogMax(0xffff).Unit(0xd121).Exp(7).Feature(attrStatus)
			d.Usage("ConfigFrequency").Size(8).LogMax(255).Unit(0xf001).Exp(0).Feature(attrStatus)
			d.Usage("ConfigVoltage").ID(0x12).Unit(0x00f0d121).Exp(7).Feature(attrRW)
			d.Usage("FlowID").ID(0x0b).Unit(0).Exp(0).Feature(attrConstant)
		})

		d.Page(pageMGE).Usage("HistorySystem").Collection(collPhysical, func() {
			for n := byte(1); n <= 5; n++ {
				d.Usage("Event").Collection(0x80|n, func() {
					d.Usage("Code").ID(0x18).Size(16).LogMax(0xffff).Feature(attrStatus)
					d.Usage("EventID").ID(0x17).Size(8).LogMax(255).Feature(attrConstant)
				})
			}
		})

		d.Page(pagePowerDevice).Usage("OutletSystem").Collection(collPhysical, func() {
			d.Usage("Outlet").Collection(0x81, func() { // main outlet
				d.Usage("FlowID").ID(0x0b).Feature(attrConstant)
				d.Usage("OutletID").Feature(attrConstant)
				d.Usage("PresentStatus").Collection(collLogical, func() {
					d.Usage("Switchable").ID(0x0c).Feature(attrConstant)
					d.Usage("SwitchOn/Off").ID(0x02).Feature(attrStatus)
					d.Usage("SwitchOn/Off").Input(attrStatus)
				})
				d.Page(pageMGE).Usage("ffff00e9").ID(0x07).Feature(attrStatus)
				if eco {
					// ECO: outlet.power (NUT pegasus_threshold_info: 10/25/60),
					// a raw byte without unit.
					d.Page(pagePowerDevice).Usage("ConfigApparentPower").ID(0x1b).Feature(attrRW)
				}
			})
			d.Page(pagePowerDevice).Usage("Outlet").Collection(0x82, func() { // PowerShare 1
				d.Usage("FlowID").ID(0x0b).Feature(attrConstant)
				d.Usage("OutletID").Feature(attrConstant)
				d.Usage("PresentStatus").Collection(collLogical, func() {
					d.Usage("Switchable").ID(0x19).Feature(attrConstant)
					d.Usage("SwitchOn/Off").ID(0x02).Feature(attrStatus)
					d.Usage("SwitchOn/Off").Input(attrStatus)
				})
				d.Page(pageMGE).Usage("ffff00e9").ID(0x07).Feature(attrStatus)
			})
			if eco {
				// ECO: PowerShare outlet 2 (NUT outlet.2.*).
				d.Page(pagePowerDevice).Usage("Outlet").Collection(0x83, func() {
					d.Usage("FlowID").ID(0x0b).Feature(attrConstant)
					d.Usage("OutletID").Feature(attrConstant)
					d.Usage("PresentStatus").Collection(collLogical, func() {
						d.Usage("Switchable").ID(0x1a).Feature(attrConstant)
						d.Usage("SwitchOn/Off").ID(0x02).Feature(attrStatus)
						d.Usage("SwitchOn/Off").Input(attrStatus)
					})
				})
			}
			d.Page(pagePowerDevice).Usage("OutletSystemID").ID(0x0b).Feature(attrConstant)
		})

		d.Usage("PowerConverter").Collection(collPhysical, func() {
			d.Page(pageMGE).Usage("ConverterType").ID(0x0c).Feature(attrConstant)
			d.Usage("Inverter").Collection(collPhysical, func() {
				d.Page(pagePowerDevice).Usage("PresentStatus").Collection(collLogical, func() {
					d.Usage("InternalFailure").ID(0x03).Feature(attrStatus)
					d.Usage("InternalFailure").Input(attrStatus)
				})
			})
			d.Usage("Output").Collection(collPhysical, func() {
				d.Usage("HighVoltageTransfer").ID(0x13).Size(16).LogMax(0xffff).Unit(0x00f0d121).Exp(7).Feature(attrRW)
				d.Usage("LowVoltageTransfer").ID(0x14).Size(8).LogMax(255).Feature(attrRW)
				d.Usage("OutputID").ID(0x0b).Unit(0).Exp(0).Feature(attrConstant)
				d.Usage("PresentStatus").Collection(collLogical, func() {
					d.Page(pageMGE)
					d.Usage("ShortCircuit").ID(0x03).Feature(attrStatus)
					d.Usage("ShortCircuit").Input(attrStatus)
				})
				d.Page(pagePowerDevice).Usage("Voltage").ID(0x0e).Size(16).LogMax(0xffff).Unit(0x00f0d121).Exp(7).Feature(attrStatus)
			})
			d.Usage("PowerConverterID").ID(0x0b).Size(8).LogMax(255).Unit(0).Exp(0).Feature(attrConstant)
		})

		d.Usage("PowerSummary").Collection(collPhysical, func() {
			d.Page(pageMGE).Usage("OverallAlarm").Collection(collPhysical, func() {
				d.Usage("Code").ID(0x07).Feature(attrStatus)
			})
			d.Page(pagePowerDevice).Usage("AudibleAlarmControl").ID(0x1f).Feature(attrRW)
			d.Page(pageBatterySystem).Usage("CapacityGranularity1").ID(0x0c).Feature(attrConstant)
			d.Usage("CapacityMode").Feature(attrConstant)
			d.Page(pageMGE).Usage("Country").ID(0x15).Feature(attrConstant)
			d.Page(pagePowerDevice).Usage("DelayBeforeShutdown").ID(0x09).Size(32).LogMin(-1).LogMax(0x7fffffff).Unit(0x1001).Feature(attrRW)
			d.Usage("DelayBeforeStartup").ID(0x0a).Feature(attrRW)
			d.Page(pageBatterySystem).Usage("DesignCapacity").ID(0x0c).Size(8).LogMin(0).LogMax(255).Unit(0).Feature(attrConstant)
			d.Page(pagePowerDevice).Usage("FlowID").ID(0x0b).Feature(attrConstant)
			d.Page(pageBatterySystem).Usage("FullChargeCapacity").ID(0x0c).Feature(attrConstant)
			d.Usage("iDeviceChemistry").ID(0x10).Feature(attrConstant)
			d.Page(pagePowerDevice).Usage("iManufacturer").Feature(attrConstant)
			d.Page(pageMGE).Usage("iModel").Feature(attrConstant)
			d.Page(pagePowerDevice).Usage("iProduct").Feature(attrConstant)
			d.Page(pageMGE).Usage("iReferenceNumber").Feature(attrConstant)
			d.Page(pagePowerDevice).Usage("iSerialNumber").Feature(attrConstant)
			d.Page(pageMGE).Usage("iVersion").Feature(attrConstant)
			d.Usage("Mode").ID(0x07).Feature(attrStatus)
			d.Page(pagePowerDevice).Usage("PercentLoad").Feature(attrStatus)
			d.Usage("PowerSummaryID").ID(0x0b).Feature(attrConstant)
			d.Usage("PresentStatus").Collection(collLogical, func() {
				d.Page(pageBatterySystem).Usage("ACPresent").ID(0x01).Size(1).LogMax(1).Feature(attrStatus)
				d.Usage("ACPresent").Input(attrStatus)
				d.Usage("BelowRemainingCapacityLimit").Feature(attrStatus)
				d.Usage("BelowRemainingCapacityLimit").Input(attrStatus)
				d.Usage("Charging").Feature(attrStatus)
				d.Usage("Charging").Input(attrStatus)
				d.Page(pagePowerDevice).Usage("CommunicationLost").Feature(attrStatus)
				d.Usage("CommunicationLost").Input(attrStatus)
				d.Page(pageBatterySystem).Usage("Discharging").Feature(attrStatus)
				d.Usage("Discharging").Input(attrStatus)
				d.Page(pagePowerDevice).Usage("Good").Feature(attrStatus)
				d.Usage("Good").Input(attrStatus)
				d.Usage("InternalFailure").Feature(attrStatus)
				d.Usage("InternalFailure").Input(attrStatus)
				d.Page(pageBatterySystem).Usage("NeedReplacement").Feature(attrStatus)
				d.Usage("NeedReplacement").Input(attrStatus)
				d.Page(pagePowerDevice).Usage("Overload").Size(8).LogMax(255).Feature(attrStatus)
				d.Usage("Overload").Input(attrStatus)
				d.Usage("ShutdownImminent").Feature(attrStatus)
				d.Usage("ShutdownImminent").Input(attrStatus)
			})
			d.Page(pageBatterySystem).Usage("RemainingCapacity").ID(0x06).Feature(attrStatus)
			d.Usage("RemainingCapacity").Input(attrStatus)
			d.Usage("RemainingCapacityLimit").ID(0x08).Feature(attrStatus)
			d.Page(pageMGE).Usage("RemainingCapacityLimitSetting").ID(0x22).Feature(attrRW)
			d.Page(pageBatterySystem).Usage("RunTimeToEmpty").ID(0x06).Size(32).LogMax(0x7fffffff).Unit(0x1001).Feature(attrStatus)
			d.Usage("RunTimeToEmpty").Input(attrStatus)
			d.Page(pageMGE).Usage("ffff00e9").ID(0x07).Size(8).LogMax(255).Unit(0).Feature(attrStatus)
			d.Usage("ffff00e2").ID(0x0c).Feature(attrConstant)
		})

		d.Usage("ffff00e5").Collection(collPhysical, func() {
			d.Usage("ffff0005").Collection(collPhysical, func() {
				d.Usage("iVersion").ID(0x10).Feature(attrConstant)
				d.Usage("Mode").ID(0xfd).Feature(attrRW)
			})
		})
	})
	return d.Bytes()
}
