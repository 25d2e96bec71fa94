package dstate

import "testing"

func TestFreeze(t *testing.T) {
	var tb Table
	tb.Set("ups.mfr", "Override Inc")
	tb.Freeze("UPS.MFR")
	if tb.Set("ups.mfr", "EATON") || tb.Del("ups.mfr") {
		t.Fatal("a frozen variable changed")
	}
	if v, _ := tb.Get("ups.mfr"); v != "Override Inc" {
		t.Fatalf("ups.mfr = %q", v)
	}
	tb.Reset()
	if !tb.Set("ups.mfr", "EATON") {
		t.Fatal("Reset did not thaw")
	}
}
