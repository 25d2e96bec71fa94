package hidview_test

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/upslab/upslab/simulator/hidview"
	"github.com/upslab/upslab/simulator/hidview/hidviewtest"
)

// reportTable renders the independent parser's view of a descriptor: one
// block per report, fields in offset order. Vendor arrays (0xfe, 0xff) show
// their first element only, as NUT sees them.
func reportTable(t *testing.T, desc []byte) string {
	fields, lens, err := tParse(desc)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string][]tfield{}
	for _, f := range fields {
		k := fmt.Sprintf("%02x %s", f.id, f.kind)
		byKey[k] = append(byKey[k], f)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "# %d bytes, %d fields (NUT items)\n", len(desc), len(fields))
	for _, k := range keys {
		fs := byKey[k]
		sort.SliceStable(fs, func(i, j int) bool { return fs[i].off < fs[j].off })
		fmt.Fprintf(&b, "report 0x%s: %d bytes\n", k, lens[k[3:]+k[:2]])
		for _, f := range fs {
			fmt.Fprintf(&b, "  %3d/%-2d %s attr=%02x log=%d..%d", f.off, f.size, f.path, f.attr, f.logMin, f.logMax)
			if f.unit != 0 {
				fmt.Fprintf(&b, " unit=%#x exp=%d", f.unit, f.exp)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func TestReportTableGolden(t *testing.T) {
	golden(t, "ellipse-eco-650.reports.txt", []byte(reportTable(t, hidview.EllipseECO650Descriptor())))
}

// TestLayoutAgreesWithIndependentParser checks the view's own parser, the
// one that decides where values go, against the test parser.
func TestLayoutAgreesWithIndependentParser(t *testing.T) {
	desc := hidview.EllipseECO650Descriptor()
	want, lens, err := tParse(desc)
	if err != nil {
		t.Fatal(err)
	}
	l, err := hidview.ParseLayout(desc)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]hidview.Field{}
	for _, f := range l.Fields {
		got[fmt.Sprintf("%s %02x %d", f.Kind, f.ReportID, f.Offset)] = f
	}
	kinds := map[string]hidview.Kind{"F": hidview.Feature, "I": hidview.Input, "O": hidview.Output}
	for _, w := range want {
		k := kinds[w.kind]
		f, ok := got[fmt.Sprintf("%s %02x %d", k, w.id, w.off)]
		if !ok || f.Path != w.path || f.Size != w.size || f.Attr != w.attr || f.LogMin != w.logMin || f.LogMax != w.logMax || f.Unit != w.unit {
			t.Errorf("field %+v: layout has %+v", w, f)
		}
		if n := l.ReportLen(w.id, k); n != lens[w.kind+fmt.Sprintf("%02x", w.id)] {
			t.Errorf("report %02x %s: length %d, test parser %d", w.id, k, n, lens[w.kind+fmt.Sprintf("%02x", w.id)])
		}
	}
}

// TestLayoutsOfTheRealUnit pins what real ECO 650 logs show (NUT issue
// #1942) and the Santak layout the ECO keeps.
func TestLayoutsOfTheRealUnit(t *testing.T) {
	fields, lens, err := tParse(hidview.EllipseECO650Descriptor())
	if err != nil {
		t.Fatal(err)
	}
	find := func(kind string, path string) tfield {
		for _, f := range fields {
			if f.kind == kind && f.path == path {
				return f
			}
		}
		t.Fatalf("no %s item %s", kind, path)
		return tfield{}
	}
	for _, tc := range []struct {
		kind, path     string
		id             byte
		off, size      int
		logMin, logMax int64
		unit           uint32
		attr           byte
	}{
		{"I", "UPS.PowerSummary.RemainingCapacity", 0x06, 0, 8, 0, 255, 0, 0x83},
		{"I", "UPS.PowerSummary.RunTimeToEmpty", 0x06, 8, 32, 0, 0x7fffffff, 0x1001, 0x83},
		{"F", "UPS.PowerSummary.DelayBeforeShutdown", 0x09, 0, 32, -1, 0x7fffffff, 0x1001, 0x82},
		{"F", "UPS.PowerSummary.DelayBeforeStartup", 0x0a, 0, 32, -1, 0x7fffffff, 0x1001, 0x82},
		{"F", "UPS.PowerSummary.PresentStatus.ACPresent", 0x01, 0, 1, 0, 1, 0, 0x83},
		{"I", "UPS.PowerSummary.PresentStatus.NeedReplacement", 0x01, 7, 1, 0, 1, 0, 0x83},
		{"F", "UPS.PowerSummary.PresentStatus.ShutdownImminent", 0x01, 16, 8, 0, 255, 0, 0x83},
		{"F", "UPS.PowerSummary.PercentLoad", 0x07, 40, 8, 0, 255, 0, 0x83},
		{"F", "UPS.PowerConverter.Output.Voltage", 0x0e, 0, 16, 0, 0xffff, 0x00f0d121, 0x83},
		{"F", "UPS.OutletSystem.Outlet.[3].PresentStatus.SwitchOn/Off", 0x02, 16, 8, 0, 255, 0, 0x83},
		{"I", "UPS.OutletSystem.Outlet.[3].PresentStatus.SwitchOn/Off", 0x02, 16, 8, 0, 255, 0, 0x83},
		{"F", "UPS.OutletSystem.Outlet.[3].OutletID", 0x0b, 48, 8, 0, 255, 0, 0x03},
		{"F", "UPS.OutletSystem.Outlet.[1].ConfigApparentPower", 0x1b, 0, 8, 0, 255, 0, 0x82},
	} {
		f := find(tc.kind, tc.path)
		if f.id != tc.id || f.off != tc.off || f.size != tc.size || f.logMin != tc.logMin || f.logMax != tc.logMax || f.unit != tc.unit || f.attr != tc.attr {
			t.Errorf("%s %s: got %+v", tc.kind, tc.path, f)
		}
	}
	for key, n := range map[string]int{"F01": 4, "I01": 4, "I06": 6, "F09": 5, "F0a": 5, "F07": 8, "F02": 4, "F0b": 13} {
		if lens[key] != n {
			t.Errorf("report %s: %d bytes, want %d", key, lens[key], n)
		}
	}
	// Every writable report fits one SHUT data frame for NUT 2.8.0 (≤ 7
	// bytes with the ID; spec §2.8 item 2), the vendor blocks aside.
	for _, f := range fields {
		if f.attr&1 == 0 && f.id < 0xfe && lens["F"+fmt.Sprintf("%02x", f.id)] > 7 {
			t.Errorf("writable report %02x is %d bytes", f.id, lens["F"+fmt.Sprintf("%02x", f.id)])
		}
	}
}

// TestWhatTheECOAdds lists, by path, every item the ECO descriptor has
// beyond the Santak base.
func TestWhatTheECOAdds(t *testing.T) {
	paths := func(desc []byte) map[string]bool {
		fs, _, err := tParse(desc)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]bool{}
		for _, f := range fs {
			m[fmt.Sprintf("%s %02x %s", f.kind, f.id, f.path)] = true
		}
		return m
	}
	eco, santak := paths(hidview.EllipseECO650Descriptor()), paths(hidview.SantakTGBox850Descriptor())
	var added []string
	for p := range eco {
		if !santak[p] {
			added = append(added, p)
		}
	}
	for p := range santak {
		if !eco[p] {
			t.Errorf("ECO lost %s", p)
		}
	}
	sort.Strings(added)
	want := []string{
		"F 02 UPS.OutletSystem.Outlet.[3].PresentStatus.SwitchOn/Off",
		"F 0b UPS.OutletSystem.Outlet.[3].FlowID",
		"F 0b UPS.OutletSystem.Outlet.[3].OutletID",
		"F 1a UPS.OutletSystem.Outlet.[3].PresentStatus.Switchable",
		"F 1b UPS.OutletSystem.Outlet.[1].ConfigApparentPower",
		"I 02 UPS.OutletSystem.Outlet.[3].PresentStatus.SwitchOn/Off",
	}
	if strings.Join(added, "\n") != strings.Join(want, "\n") {
		t.Errorf("added:\n%s\nwant:\n%s", strings.Join(added, "\n"), strings.Join(want, "\n"))
	}
}

// TestNUTVariableSet applies NUT 2.8.0's MGE mapping (spec Appendix A, with
// NUT's prefix path match on Feature items and first-entry-wins for
// duplicate names) to the descriptor and compares the variables NUT would
// publish with what real Ellipse ECO units show.
func TestNUTVariableSet(t *testing.T) {
	fields, _, err := tParse(hidview.EllipseECO650Descriptor())
	if err != nil {
		t.Fatal(err)
	}
	m := hidviewtest.New(hidviewtest.Online())
	v := hidview.FromModel(m, nil)
	value := func(f tfield) int64 {
		r, err := v.GetFeature(f.id)
		if err != nil {
			t.Fatal(err)
		}
		return tGet(r, f)
	}
	find := func(path string) (tfield, bool) {
		q := strings.Split(path, ".")
		for _, f := range fields {
			if f.kind != "F" {
				continue
			}
			p := strings.Split(f.path, ".")
			if len(p) >= len(q) && strings.Join(p[:len(q)], ".") == path {
				return f, true
			}
		}
		return tfield{}, false
	}
	file, err := os.Open("testdata/mge-hid2nut-2.8.0.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	published := map[string]bool{}
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		col := strings.Split(line, " | ")
		name, path, flags, lookup := col[0], col[1], col[2], col[3]
		if name == "BOOL" || name == "ups.alarm" || strings.Contains(flags, "CMD") || published[name] {
			continue
		}
		f, ok := find(path)
		if !ok {
			continue
		}
		x := value(f)
		switch lookup {
		case "eaton_check_country_info": // stored by the driver, not published
			continue
		case "mge_upstype_conversion": // only 1..5 have a text
			if x < 1 || x > 5 {
				continue
			}
		case "beeper_info":
			if x < 1 || x > 3 {
				continue
			}
		case "pegasus_threshold_info":
			if x != 10 && x != 25 && x != 60 {
				continue
			}
		}
		published[name] = true
	}
	var got []string
	for n := range published {
		got = append(got, n)
	}
	sort.Strings(got)
	// NUT issue #1468 (ECO 650, NUT 2.8.0; its listing stops at
	// outlet.switchable), completed from nut-ddl's ECO 1600 dump (the
	// output.* and ups.* lines) and ups.realpower, which 2.8.0 computes
	// from load and ups.power.nominal (spec §6).
	want := []string{
		"battery.charge", "battery.charge.low", "battery.runtime", "battery.type",
		"input.transfer.high", "input.transfer.low",
		"outlet.1.desc", "outlet.1.id", "outlet.1.status", "outlet.1.switchable",
		"outlet.2.desc", "outlet.2.id", "outlet.2.status", "outlet.2.switchable",
		"outlet.desc", "outlet.id", "outlet.power", "outlet.switchable",
		"output.frequency.nominal", "output.voltage", "output.voltage.nominal",
		"ups.beeper.status", "ups.delay.shutdown", "ups.delay.start", "ups.firmware",
		"ups.load", "ups.power.nominal", "ups.realpower", "ups.timer.shutdown", "ups.timer.start",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("NUT would publish:\n%s\n\nreal ECO:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
