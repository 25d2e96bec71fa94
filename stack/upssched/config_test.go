package upssched

import (
	"reflect"
	"testing"
)

// TestParseMatch: upssched acts on the lines package conf rejects, with
// their words as written, and logs what NUT logs while reading.
func TestParseMatch(t *testing.T) {
	cfg, warns := Parse("upssched.conf", []byte(`CMDSCRIPT /c
PIPEFN /p
LOCKFN /l
AT ONBATT * START-TIMER a 30s
AT ONBATT * START-TIMER b
AT ONBATT * CANCEL-TIMER c ""
AT ONBATT * CANCEL-TIMER d
AT ONBATT * EXECUTE ""
AT onbatt ups@h START-TIMER-SHARED e -5
AT ONBATT * EXECUTE "a # b"
debug_min 3
NOPE
`))
	wantWarns := []string{
		"Parse error: upssched.conf:10: Unbalanced word due to unescaped # in quotes",
		"upssched.conf: invalid directive NOPE",
	}
	if !reflect.DeepEqual(warns, wantWarns) {
		t.Errorf("warnings %q, want %q", warns, wantWarns)
	}
	if cfg.DebugMin != 3 {
		t.Errorf("DebugMin %d", cfg.DebugMin)
	}
	steps, logs, err := cfg.Match("ups@h", "ONBATT")
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		Kind, Name, Arg string
		HasArg          bool
	}
	var got []step
	for _, s := range steps {
		got = append(got, step{s.Kind, s.Name, s.Arg, s.HasArg})
	}
	want := []step{
		{"START", "a", "30s", true},
		{"START", "b", "", false},
		{"CANCEL", "c", "", true},
		{"CANCEL", "d", "", false},
		{"START-SHARED", "e", "-5", true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("steps %+v, want %+v", got, want)
	}
	if !reflect.DeepEqual(logs, []string{"Empty EXECUTE command argument"}) {
		t.Errorf("logs %q", logs)
	}
}
