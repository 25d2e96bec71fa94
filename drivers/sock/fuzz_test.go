package sock

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/upslab/upslab/stack/dstate"
	"github.com/upslab/upslab/stack/parseconf"
)

func sprintf(f string, a ...any) string { return fmt.Sprintf(f, a...) }

// FuzzParse feeds arbitrary bytes through the tokenizer and both line
// parsers: nothing may panic, and every recognised line must format back
// to a line that parses to the same thing.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"DUMPALL\nPING\n",
		"INSTCMD load.off.delay 10 TRACKING 2DDC5036-F665-4D29-BE4C-0374D091D263\n",
		`SET input.transfer.low "103" TRACKING x` + "\n",
		`SETINFO ups.mfr "EATON \"x\" \\ \#"` + "\nADDRANGE a 1 2\nSETFLAGS a RW STRING\nTRACKING id 3\n",
		"SETINFO \"unterminated\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var tok parseconf.Tokenizer
		check := func(l parseconf.Line) {
			if r, err := ParseRequest(l.Words); err == nil {
				w, _ := parseconf.Split(r.Line())
				if back, err := ParseRequest(w); err != nil || back != r {
					t.Fatalf("request %+v formatted %q parsed back as %+v, %v", r, r.Line(), back, err)
				}
			}
			if e, ok := ParseEvent(l.Words); ok {
				w, _ := parseconf.Split(e.String())
				back, ok := ParseEvent(w)
				if !ok || !reflect.DeepEqual(back, e) {
					t.Fatalf("event %+v formatted %q parsed back as %+v", e, e.String(), back)
				}
				Apply(&dstate.Table{}, e)
			}
		}
		tok.Feed(data, check)
		tok.Flush(check)
	})
}

// FuzzRoundTrip checks that any printable name and value survive the
// driver's formatting and upsd's tokenizer unchanged.
func FuzzRoundTrip(f *testing.F) {
	f.Add("ups.mfr", `a "q" b\c # d`)
	f.Add("ups.status", "")
	f.Add("x=y", "=")
	f.Fuzz(func(t *testing.T, name, value string) {
		if name == "" || !printable(name) || !printable(value) || len(name) > 100 || len(value) > 400 {
			return
		}
		line := FormatChange(dstate.Change{Op: "SETINFO", Args: []string{name, value}})
		w, err := parseconf.Split(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if len(w) != 3 || w[1] != name || w[2] != value {
			t.Fatalf("%q read back as %q", line, w)
		}
	})
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
