package upssched

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/internal/transcript"
)

var update = flag.Bool("update", false, "rewrite the expected output of testdata/*.txt")

func TestTranscripts(t *testing.T) {
	transcript.Run(t, "testdata/*.txt", *update, func(t *testing.T) func(b transcript.Block) []string {
		clk := clock.NewVirtual(clock.Epoch)
		l := &Local{Clock: clk}
		var out []string
		stamp := func() string {
			return strconv.FormatFloat(clk.Now().Sub(clock.Epoch).Seconds(), 'f', -1, 64) + "s"
		}
		l.OnEvent = func(e Event) { out = append(out, stamp()+" "+e.String()) }
		l.Run = func(cmdscript, arg string, env []string) {
			out = append(out, fmt.Sprintf("%s run %s %s", stamp(), cmdscript, arg))
		}
		return func(b transcript.Block) []string {
			out = nil
			f := strings.Fields(b.Cmd)
			switch f[0] {
			case "conf":
				cfg, warns := Parse("upssched.conf", []byte(strings.Join(b.Body, "\n")+"\n"))
				l.Config = cfg
				for _, w := range warns {
					out = append(out, "warning "+w)
				}
			case "event":
				// event <UPSNAME> <NOTIFYTYPE> [message...]
				env := Env{UPSName: f[1], NotifyType: f[2], NotifyMsg: strings.Join(f[3:], " ")}
				logs, err := l.Notify(env)
				for _, s := range logs {
					out = append(out, stamp()+" log "+s)
				}
				if err != nil {
					out = append(out, stamp()+" fatal "+err.Error())
				}
			case "tick":
				d, err := time.ParseDuration(f[1])
				if err != nil {
					t.Fatal(err)
				}
				clk.Advance(d)
			case "timers":
				for _, tm := range l.Timers() {
					out = append(out, fmt.Sprintf("%s %s expires %s types=%s upses=%s", stamp(), tm.Name,
						tm.Expire.Sub(clock.Epoch), strings.Join(tm.NotifyTypes, ","), strings.Join(tm.UPSNames, ",")))
				}
				if !l.Running() {
					out = append(out, "daemon not running")
				}
			default:
				t.Fatalf("line %d: unknown command %q", b.Line, b.Cmd)
			}
			return out
		}
	})
}
