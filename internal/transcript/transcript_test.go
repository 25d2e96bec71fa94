package transcript

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseFormat(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Block
		out  string // Format's output; "" means in
	}{
		{"one block", "cmd a\nbody\n----\nout 1\nout 2\n", []Block{{Cmd: "cmd a", Body: []string{"body"}, Want: []string{"out 1", "out 2"}, Line: 1}}, ""},
		{"comments and empty output", "# c\n\nx\n----\n\ny\n----\nz\n", []Block{
			{Comments: []string{"# c", ""}, Cmd: "x", Line: 3},
			{Cmd: "y", Want: []string{"z"}, Line: 6},
		}, "# c\nx\n----\n\ny\n----\nz\n\n"},
		{"leading blank dropped", "\nx\n----\n", []Block{{Comments: []string{""}, Cmd: "x", Line: 2}}, "x\n----\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "t.txt")
			if err := os.WriteFile(p, []byte(tt.in), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := Parse(p)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse = %#v, want %#v", got, tt.want)
			}
			want := tt.out
			if want == "" {
				want = tt.in + "\n"
			}
			if out := string(Format(got)); out != want {
				t.Errorf("Format = %q, want %q", out, want)
			}
		})
	}
}

func TestParseUnterminated(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.txt")
	if err := os.WriteFile(p, []byte("cmd\nbody\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(p); err == nil {
		t.Fatal("no error for a command without ----")
	}
}
