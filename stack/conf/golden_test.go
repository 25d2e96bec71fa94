package conf

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// parsers maps a file name to its parser, for goldens, samples and fuzzing.
var parsers = map[string]func(io.Reader, string) (any, []Warning, error){
	UPSConfName:      wrap(ParseUPSConf),
	UpsdConfName:     wrap(ParseUpsdConf),
	UsersConfName:    wrap(ParseUsersConf),
	UpsmonConfName:   wrap(ParseUpsmonConf),
	UpsschedConfName: wrap(ParseUpsschedConf),
	NutConfName:      wrap(ParseNutConf),
	HostsConfName:    wrap(ParseHostsConf),
	UpssetConfName:   wrap(ParseUpssetConf),
}

func wrap[T any](f func(io.Reader, string) (*T, []Warning, error)) func(io.Reader, string) (any, []Warning, error) {
	return func(r io.Reader, name string) (any, []Warning, error) {
		v, w, err := f(r, name)
		return v, w, err
	}
}

// render is the golden text for one parse: the value, then the warnings
// and errors, one per line.
func render(v any, warns []Warning, err error) string {
	var b strings.Builder
	b.WriteString(dump(v))
	b.WriteString("\n")
	for _, w := range warns {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(&b, "error: %s\n", line)
		}
	}
	return b.String()
}

// dump renders a parsed value field by field, leaving out zero fields;
// durations and notify flags are shown by their String method.
func dump(v any) string {
	var b strings.Builder
	dumpValue(&b, reflect.ValueOf(v), "")
	return b.String()
}

var stringer = reflect.TypeFor[fmt.Stringer]()

func dumpValue(b *strings.Builder, v reflect.Value, indent string) {
	if !v.IsValid() {
		b.WriteString("nil")
		return
	}
	if v.Type() == reflect.TypeFor[time.Duration]() || (v.Kind() != reflect.Struct && v.Kind() != reflect.Pointer && v.Type().Implements(stringer)) {
		b.WriteString(v.Interface().(fmt.Stringer).String())
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		b.WriteString("&")
		dumpValue(b, v.Elem(), indent)
	case reflect.Struct:
		b.WriteString(v.Type().Name() + "{\n")
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() || v.Field(i).IsZero() {
				continue
			}
			b.WriteString(indent + "\t" + f.Name + ": ")
			dumpValue(b, v.Field(i), indent+"\t")
			b.WriteString("\n")
		}
		b.WriteString(indent + "}")
	case reflect.Slice:
		if v.Len() == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i := 0; i < v.Len(); i++ {
			b.WriteString(indent + "\t")
			dumpValue(b, v.Index(i), indent+"\t")
			b.WriteString("\n")
		}
		b.WriteString(indent + "]")
	case reflect.Map:
		if v.Len() == 0 {
			b.WriteString("{}")
			return
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		b.WriteString("{\n")
		for _, k := range keys {
			b.WriteString(indent + "\t" + fmt.Sprint(k.Interface()) + ": ")
			dumpValue(b, v.MapIndex(k), indent+"\t")
			b.WriteString("\n")
		}
		b.WriteString(indent + "}")
	case reflect.String:
		b.WriteString(strconv.Quote(v.String()))
	default:
		fmt.Fprint(b, v.Interface())
	}
}

// TestGolden parses the first file of every testdata/golden/*.txtar (its
// name picks the parser) and compares the rendering with the "want" file.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.txtar")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	seen := map[string]bool{}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ar := parseArchive(data)
			if len(ar.Files) == 0 {
				t.Fatal("empty archive")
			}
			in := ar.Files[0]
			parse, ok := parsers[in.Name]
			if !ok {
				t.Fatalf("first file %q is not a NUT configuration file name", in.Name)
			}
			seen[in.Name] = true
			v, warns, err := parse(bytes.NewReader(in.Data), in.Name)
			got := render(v, warns, err)
			var want *archiveFile
			for i := range ar.Files {
				if ar.Files[i].Name == "want" {
					want = &ar.Files[i]
				}
			}
			if *update {
				if want == nil {
					ar.Files = append(ar.Files, archiveFile{Name: "want"})
					want = &ar.Files[len(ar.Files)-1]
				}
				want.Data = []byte(got)
				if err := os.WriteFile(file, ar.format(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want == nil {
				t.Fatal("no want file; run go test -update")
			}
			if got != string(want.Data) {
				t.Errorf("%s: parse of %s differs from the golden (run go test -update to accept)\n--- got\n%s--- want\n%s", file, in.Name, got, want.Data)
			}
		})
	}
	for name := range parsers {
		if !seen[name] {
			t.Errorf("no golden file covers %s", name)
		}
	}
}
