package frame

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// Write is one write on the line in a transcript.
type Write struct {
	Host  bool   // written by the host (H), else by the device (D)
	Bytes []byte // the bytes, in order
	Line  int    // line number in the transcript
}

// ReadTranscript parses a SHUT session transcript, the format of
// shared/fixtures/ellipse-eco/nut-2.8.0-mge-shut-session.txt: one write per
// line, "H" (host) or "D" (device) then hex bytes separated by spaces;
// lines starting with "#" and blank lines are comments.
func ReadTranscript(r io.Reader) ([]Write, error) {
	var ws []Write
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if f[0] != "H" && f[0] != "D" {
			return nil, fmt.Errorf("transcript:%d: want H or D, got %q", n, f[0])
		}
		w := Write{Host: f[0] == "H", Line: n}
		for _, x := range f[1:] {
			if len(x) != 2 {
				return nil, fmt.Errorf("transcript:%d: byte %q is not two hex digits", n, x)
			}
			b, err := hex.DecodeString(x)
			if err != nil {
				return nil, fmt.Errorf("transcript:%d: %w", n, err)
			}
			w.Bytes = append(w.Bytes, b[0])
		}
		if len(w.Bytes) == 0 {
			return nil, fmt.Errorf("transcript:%d: empty write", n)
		}
		ws = append(ws, w)
	}
	return ws, sc.Err()
}

// Stream joins the bytes of one side (host or device) of a transcript.
func Stream(ws []Write, host bool) []byte {
	var b []byte
	for _, w := range ws {
		if w.Host == host {
			b = append(b, w.Bytes...)
		}
	}
	return b
}
