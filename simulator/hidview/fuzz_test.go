package hidview_test

import (
	"bytes"
	"testing"

	"github.com/upslab/upslab/simulator/hidview"
	"github.com/upslab/upslab/simulator/hidview/hidviewtest"
)

// FuzzSetFeature: a hostile host writes anything. The view must not panic,
// must keep serving every report, and a refused write must leave the model
// untouched.
func FuzzSetFeature(f *testing.F) {
	// Seeds from the real NUT 2.8.0 session (shutdown.return) and reports
	// real units returned; more in testdata/fuzz/FuzzSetFeature.
	for _, s := range [][]byte{
		{0x0a, 0x1e, 0, 0, 0}, {0x09, 0x14, 0, 0, 0}, {0x09, 0xff, 0xff, 0xff, 0xff},
		{0x01, 0x25, 0, 0}, {0x06, 0x64, 0xe0, 0x04, 0, 0}, {0x1f, 2}, {0x13, 0x08, 0x01},
		{0xff}, {},
	} {
		f.Add(s)
	}
	desc := hidview.EllipseECO650Descriptor()
	f.Fuzz(func(t *testing.T, report []byte) {
		m := hidviewtest.New(hidviewtest.Online())
		v := hidview.FromModel(m, nil)
		before := m.State()
		if err := v.SetFeature(report); err != nil && m.State() != before {
			t.Fatalf("refused % x but the state changed", report)
		}
		for _, id := range v.Layout().IDs(hidview.Feature) {
			r, err := v.GetFeature(id)
			if err != nil || len(r) != v.Layout().ReportLen(id, hidview.Feature) {
				t.Fatalf("after % x: GetFeature(%#02x) = % x, %v", report, id, r, err)
			}
		}
		if d, _ := v.ReportDescriptor(); !bytes.Equal(d, desc) {
			t.Fatal("descriptor changed")
		}
	})
}
