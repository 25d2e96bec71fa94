package upssched

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected output of testdata/*.txt")

// block is one command of a transcript: a command line, an optional body,
// "----", and the expected output up to a blank line (the layout of etcd
// raft's testdata, datadriven style).
type block struct {
	comments []string
	cmd      string
	body     []string
	want     []string
	line     int
}

func parseTranscript(t *testing.T, path string) []block {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var out []block
	var b block
	state := 0 // 0 between blocks, 1 body, 2 expected
	for i, l := range lines {
		switch state {
		case 0:
			if strings.HasPrefix(l, "#") || l == "" {
				b.comments = append(b.comments, l)
				continue
			}
			b.cmd, b.line, state = l, i+1, 1
		case 1:
			if l == "----" {
				state = 2
				continue
			}
			b.body = append(b.body, l)
		case 2:
			if l == "" {
				out = append(out, b)
				b, state = block{}, 0
				continue
			}
			b.want = append(b.want, l)
		}
	}
	if state == 1 {
		t.Fatalf("%s:%d: command without ----", path, b.line)
	}
	if state == 2 {
		out = append(out, b)
	}
	return out
}

func writeTranscript(path string, bs []block) error {
	var sb strings.Builder
	for i, b := range bs {
		for _, c := range b.comments {
			if c == "" && i == 0 {
				continue
			}
			sb.WriteString(c + "\n")
		}
		sb.WriteString(b.cmd + "\n")
		for _, l := range b.body {
			sb.WriteString(l + "\n")
		}
		sb.WriteString("----\n")
		for _, l := range b.want {
			sb.WriteString(l + "\n")
		}
		sb.WriteString("\n")
	}
	return os.WriteFile(path, []byte(sb.String()), 0o644)
}

// runTranscripts runs every testdata/*.txt through handle, which returns
// the output lines of one command.
func runTranscripts(t *testing.T, newEnv func(t *testing.T) func(b block) []string) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no transcripts")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			bs := parseTranscript(t, f)
			handle := newEnv(t)
			for i := range bs {
				got := handle(bs[i])
				if *update {
					bs[i].want = got
					continue
				}
				if strings.Join(got, "\n") != strings.Join(bs[i].want, "\n") {
					t.Errorf("%s:%d: %s\ngot:\n%s\nwant:\n%s", f, bs[i].line, bs[i].cmd,
						strings.Join(got, "\n"), strings.Join(bs[i].want, "\n"))
				}
			}
			if *update {
				if err := writeTranscript(f, bs); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
