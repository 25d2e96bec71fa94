package dstate

import (
	"reflect"
	"testing"
)

func TestDumpOrderAndRules(t *testing.T) {
	var tb Table
	var changes []string
	tb.Listen(func(c Change) { changes = append(changes, c.Op) })
	tb.Set("ups.status", "OL")
	if tb.Set("ups.status", "ol") {
		t.Fatal("case-only change must be ignored, as in NUT 2.8.0")
	}
	tb.Set("input.transfer.low", "165")
	tb.SetFlags("input.transfer.low", RW)
	tb.AddEnum("input.transfer.low", "165")
	tb.AddEnum("input.transfer.low", "165")
	tb.AddRange("input.transfer.low", Range{160, 180})
	tb.AddRange("input.transfer.low", Range{160, 190}) // shares a bound: dropped
	tb.Set("ups.id", "x")
	tb.SetAux("ups.id", 8)
	tb.SetFlags("ups.id", RW|String)
	tb.AddCmd("load.off")
	tb.AddCmd("Beeper.Disable")
	tb.AddCmd("beeper.disable")
	got := tb.Dump()
	want := []Change{
		{"SETINFO", []string{"input.transfer.low", "165"}},
		{"ADDENUM", []string{"input.transfer.low", "165"}},
		{"ADDRANGE", []string{"input.transfer.low", "160", "180"}},
		{"SETFLAGS", []string{"input.transfer.low", "RW"}},
		{"SETINFO", []string{"ups.id", "x"}},
		{"SETAUX", []string{"ups.id", "8"}},
		{"SETFLAGS", []string{"ups.id", "RW", "STRING"}},
		{"SETINFO", []string{"ups.status", "OL"}},
		{"ADDCMD", []string{"Beeper.Disable"}},
		{"ADDCMD", []string{"load.off"}},
		{"DATAOK", nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Dump:\n got %v\nwant %v", got, want)
	}
	if len(changes) != 10 {
		t.Fatalf("listener saw %d changes: %v", len(changes), changes)
	}
	tb.SetStale(true)
	if d := tb.Dump(); d[0].Op != "DATASTALE" || d[len(d)-1].Op != "ADDCMD" {
		t.Fatalf("stale dump: %v", d)
	}
}
