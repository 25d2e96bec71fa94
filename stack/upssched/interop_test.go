package upssched

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/nutref"
)

// TestInterop runs real upssched 2.8.0 and ours side by side on the same
// events and compares the CMDSCRIPT calls. Known differences, by name:
//   - "timer-env-3097": 2.8.0 gives every timer script the environment of
//     the event that started the daemon; ours (2.8.5) that of the event
//     that started the timer. Only the arguments are compared.
//   - "cancel-duplicates-3097": two START of one name then one CANCEL:
//     2.8.0 still fires once, ours (2.8.5) not at all. Checked apart.
func TestInterop(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes and real timers (~12 s)")
	}
	k := nutref.Require(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(bin, "upssched")); err != nil {
		t.Fatal(err)
	}
	type side struct {
		name, path string
		inst       *nutref.Instance
	}
	sides := []*side{{name: "real", path: k.Bin("upssched")}, {name: "ours", path: filepath.Join(bin, "upssched")}}
	for _, s := range sides {
		s.inst = k.NewInstance(t)
		calls := filepath.Join(s.inst.Dir, "calls.log")
		s.inst.WriteFile("cmd.sh", fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %s\n", calls))
		os.Chmod(s.inst.Path("cmd.sh"), 0o755)
		s.inst.WriteFile("upssched.conf", fmt.Sprintf(`CMDSCRIPT %s
PIPEFN %s/upssched.pipe
LOCKFN %s/upssched.lock
AT ONBATT * START-TIMER onbatt 4
AT ONLINE * CANCEL-TIMER onbatt
AT ONLINE eaton@localhost EXECUTE back "two words"
AT COMMBAD * START-TIMER commbad 1
AT COMMOK * CANCEL-TIMER commbad nocommbad
AT REPLBATT * START-TIMER dup 5
AT NOCOMM * CANCEL-TIMER dup
AT LOWBATT * START-TIMER marker 7
`, s.inst.Path("cmd.sh"), s.inst.StatePath, s.inst.StatePath))
	}
	event := func(ups, typ string) {
		var wg sync.WaitGroup
		for _, s := range sides {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				c := exec.CommandContext(ctx, s.path, "UPS message")
				c.Env = append(append(os.Environ(), s.inst.Env()...), "UPSNAME="+ups, "NOTIFYTYPE="+typ)
				c.Dir = s.inst.Dir
				if out, err := c.CombinedOutput(); err != nil {
					t.Errorf("%s upssched %s %s: %v\n%s", s.name, ups, typ, err, out)
				}
			}()
		}
		wg.Wait()
	}
	read := func(s *side) string {
		b, _ := os.ReadFile(filepath.Join(s.inst.Dir, "calls.log"))
		return string(b)
	}
	wait := func(text string) {
		nutref.WaitFor(t, 10*time.Second, func() bool {
			return strings.Contains("\n"+read(sides[0]), "\n"+text+"\n") && strings.Contains("\n"+read(sides[1]), "\n"+text+"\n")
		})
	}
	event("eaton@localhost", "ONBATT")
	event("eaton@localhost", "ONLINE") // cancels; EXECUTE with two words
	event("eaton@localhost", "ONBATT")
	wait("onbatt")
	event("other@host", "COMMOK") // no commbad timer: the cancel command runs
	wait("nocommbad")
	event("other@host", "COMMBAD")
	wait("commbad")
	if r, o := read(sides[0]), read(sides[1]); r != o {
		t.Errorf("CMDSCRIPT calls differ\nreal:\n%s\nours:\n%s", r, o)
	}
	t.Logf("calls:\n%s", read(sides[0]))

	// cancel-duplicates-3097.
	event("eaton@localhost", "REPLBATT")
	event("eaton@localhost", "REPLBATT")
	event("eaton@localhost", "NOCOMM")
	event("eaton@localhost", "LOWBATT") // a 7 s marker, after the 5 s timers
	wait("marker")
	if n := strings.Count(read(sides[0]), "dup\n"); n != 1 {
		t.Errorf("real 2.8.0: duplicate timer fired %d times after one cancel, want 1 (2.8.0 bug)", n)
	}
	if n := strings.Count(read(sides[1]), "dup\n"); n != 0 {
		t.Errorf("ours: duplicate timer fired %d times after a cancel, want 0 (2.8.5)", n)
	}
}
