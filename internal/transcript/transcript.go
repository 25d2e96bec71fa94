// Package transcript runs test transcripts: text files of commands, each
// a command line, an optional body, a "----" line and the expected output
// up to a blank line (the layout of etcd raft's datadriven testdata).
// Lines starting with # and blank lines between blocks are comments, kept
// when the file is rewritten.
//
//	# A comment.
//	conf
//	CMDSCRIPT upssched-cmd
//	----
//	warning upssched.conf line 2: invalid directive BOGUS
//
// A package's test runs its testdata/*.txt with Run and a handler that
// turns one block into output lines; with -update (the package's own flag)
// Run writes the output back as the new expectation.
package transcript

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Block is one command of a transcript.
type Block struct {
	// Comments are the comment and blank lines before the command.
	Comments []string
	// Cmd is the command line; Body the lines between it and "----".
	Cmd  string
	Body []string
	// Want is the expected output.
	Want []string
	// Line is the 1-based line of Cmd in the file.
	Line int
}

// Parse reads a transcript.
func Parse(path string) ([]Block, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var out []Block
	var b Block
	state := 0 // 0 between blocks, 1 body, 2 expected
	for i, l := range lines {
		switch state {
		case 0:
			if strings.HasPrefix(l, "#") || l == "" {
				b.Comments = append(b.Comments, l)
				continue
			}
			b.Cmd, b.Line, state = l, i+1, 1
		case 1:
			if l == "----" {
				state = 2
				continue
			}
			b.Body = append(b.Body, l)
		case 2:
			if l == "" {
				out = append(out, b)
				b, state = Block{}, 0
				continue
			}
			b.Want = append(b.Want, l)
		}
	}
	switch state {
	case 1:
		return nil, fmt.Errorf("%s:%d: command without ----", path, b.Line)
	case 2:
		out = append(out, b)
	}
	return out, nil
}

// Format renders blocks as a transcript file. Blank lines among the first
// block's comments are dropped, so the file starts with text.
func Format(bs []Block) []byte {
	var sb strings.Builder
	for i, b := range bs {
		for _, c := range b.Comments {
			if c == "" && i == 0 {
				continue
			}
			sb.WriteString(c + "\n")
		}
		sb.WriteString(b.Cmd + "\n")
		for _, l := range b.Body {
			sb.WriteString(l + "\n")
		}
		sb.WriteString("----\n")
		for _, l := range b.Want {
			sb.WriteString(l + "\n")
		}
		sb.WriteString("\n")
	}
	return []byte(sb.String())
}

// Run runs every file matching glob as a subtest named after the file.
// newEnv makes a fresh handler for each file; the handler returns the
// output lines of one block, compared with Want. With update the output
// is written back instead. A glob that matches nothing fails the test.
func Run(t *testing.T, glob string, update bool, newEnv func(t *testing.T) func(b Block) []string) {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts match %s", glob)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)), func(t *testing.T) {
			bs, err := Parse(f)
			if err != nil {
				t.Fatal(err)
			}
			handle := newEnv(t)
			for i := range bs {
				got := handle(bs[i])
				if update {
					bs[i].Want = got
					continue
				}
				if strings.Join(got, "\n") != strings.Join(bs[i].Want, "\n") {
					t.Errorf("%s:%d: %s\ngot:\n%s\nwant:\n%s", f, bs[i].Line, bs[i].Cmd,
						strings.Join(got, "\n"), strings.Join(bs[i].Want, "\n"))
				}
			}
			if update {
				if err := os.WriteFile(f, Format(bs), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
