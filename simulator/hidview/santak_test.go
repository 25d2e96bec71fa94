package hidview

import (
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

func TestSantakRebuild(t *testing.T) {
	raw, err := os.ReadFile("testdata/santak-tg-box-850.report-descriptor.hex")
	if err != nil {
		t.Fatal(err)
	}
	want, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	got := SantakTGBox850Descriptor()
	if !bytes.Equal(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("differs at byte %d: got % x, want % x (lens %d, %d)", i, got[i:min(i+16, len(got))], want[i:min(i+16, len(want))], len(got), len(want))
			}
		}
		t.Fatalf("lens %d, %d", len(got), len(want))
	}
}
