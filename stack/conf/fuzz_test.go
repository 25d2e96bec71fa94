package conf

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/upslab/upslab/internal/nutref"
)

// fuzzTargets names the fuzz target of each file.
var fuzzTargets = map[string]string{
	UPSConfName:      "FuzzParseUPSConf",
	UpsdConfName:     "FuzzParseUpsdConf",
	UsersConfName:    "FuzzParseUsersConf",
	UpsmonConfName:   "FuzzParseUpsmonConf",
	UpsschedConfName: "FuzzParseUpsschedConf",
	NutConfName:      "FuzzParseNutConf",
	HostsConfName:    "FuzzParseHostsConf",
	UpssetConfName:   "FuzzParseUpssetConf",
}

// seeds returns our own inputs for a file: the golden inputs and the
// error cases. These are what testdata/fuzz/<target>/ holds.
func seeds(tb testing.TB, name string) []string {
	var out []string
	files, _ := filepath.Glob("testdata/golden/*.txtar")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			tb.Fatal(err)
		}
		for _, f := range parseArchive(data).Files {
			if f.Name == name {
				out = append(out, string(f.Data))
			}
		}
	}
	for _, tc := range errorCases {
		if tc.file == name {
			out = append(out, tc.in)
		}
	}
	return out
}

// TestFuzzCorpus checks that every seed is committed under testdata/fuzz;
// go test -update writes them.
func TestFuzzCorpus(t *testing.T) {
	for name, target := range fuzzTargets {
		dir := filepath.Join("testdata", "fuzz", target)
		for _, s := range seeds(t, name) {
			sum := sha256.Sum256([]byte(s))
			path := filepath.Join(dir, fmt.Sprintf("seed-%x", sum[:8]))
			body := "go test fuzz v1\nstring(" + strconv.Quote(s) + ")\n"
			if *update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if got, err := os.ReadFile(path); err != nil || string(got) != body {
				t.Errorf("%s: seed missing or stale (run go test -update)", path)
			}
		}
	}
}

// fuzzParse is the property every parser must have: no panic, a value,
// errors that name the file and a line, and the same result twice.
func fuzzParse(f *testing.F, name string) {
	for _, s := range seeds(f, name) {
		f.Add(s)
	}
	// The Debian samples, when the kit is there (not committed: NUT's text).
	if dir := kitSamples(); dir != "" {
		if data, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			f.Add(string(data))
		}
	}
	parse := parsers[name]
	f.Fuzz(func(t *testing.T, in string) {
		v, warns, err := parse(strings.NewReader(in), name)
		if v == nil || reflectNil(v) {
			t.Fatal("nil value")
		}
		for _, w := range warns {
			if w.File != name || w.Line < 0 || w.Msg == "" {
				t.Fatalf("bad warning %+v", w)
			}
		}
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T %v is not an ErrorList", err, err)
			}
			for _, e := range list {
				if e == nil || e.File != name || e.Line < 1 || e.Col < 0 || e.Msg == "" {
					t.Fatalf("bad error %+v", e)
				}
			}
		}
		v2, warns2, err2 := parse(strings.NewReader(in), name)
		if render(v, warns, err) != render(v2, warns2, err2) {
			t.Fatal("two parses differ")
		}
	})
}

func reflectNil(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// kitSamples is the kit's etc/nut, or "" without the kit.
func kitSamples() string {
	k, err := nutref.Open()
	if err != nil {
		return ""
	}
	return filepath.Dir(k.SampleConf(UpsmonConfName))
}

func FuzzParseUPSConf(f *testing.F)      { fuzzParse(f, UPSConfName) }
func FuzzParseUpsdConf(f *testing.F)     { fuzzParse(f, UpsdConfName) }
func FuzzParseUsersConf(f *testing.F)    { fuzzParse(f, UsersConfName) }
func FuzzParseUpsmonConf(f *testing.F)   { fuzzParse(f, UpsmonConfName) }
func FuzzParseUpsschedConf(f *testing.F) { fuzzParse(f, UpsschedConfName) }
func FuzzParseNutConf(f *testing.F)      { fuzzParse(f, NutConfName) }
func FuzzParseHostsConf(f *testing.F)    { fuzzParse(f, HostsConfName) }
func FuzzParseUpssetConf(f *testing.F)   { fuzzParse(f, UpssetConfName) }

// FuzzFormatNotify: any NOTIFYMSG formats without panicking, a message
// without % comes out unchanged, and one without %s does not use its
// argument.
func FuzzFormatNotify(f *testing.F) {
	f.Add("UPS %s on battery", "eaton@localhost")
	f.Add("100%% %s %d %", "x")
	f.Add("%s%s%", "")
	f.Fuzz(func(t *testing.T, format, ups string) {
		out := FormatNotify(format, ups)
		if !strings.Contains(format, "%") && out != format {
			t.Fatalf("FormatNotify(%q) = %q", format, out)
		}
		if !strings.Contains(format, "%s") && out != FormatNotify(format) {
			t.Fatalf("FormatNotify(%q, %q) = %q uses the argument", format, ups, out)
		}
	})
}
