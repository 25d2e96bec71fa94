package upsmon

import (
	"strings"
	"testing"
)

// FuzzFormatMessage: any NOTIFYMSG formats without panicking, and a
// message without % comes out unchanged.
func FuzzFormatMessage(f *testing.F) {
	f.Add("UPS %s on battery", "eaton@localhost")
	f.Add("100%% %s %d %", "x")
	f.Add("%s%s%", "")
	f.Fuzz(func(t *testing.T, format, ups string) {
		out := FormatMessage(format, ups)
		if !strings.Contains(format, "%") && out != format {
			t.Fatalf("FormatMessage(%q) = %q", format, out)
		}
	})
}
