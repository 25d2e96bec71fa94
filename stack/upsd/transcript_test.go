package upsd

import (
	"errors"
	"flag"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/dstate"
	"github.com/upslab/upslab/stack/protocol"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testUsers is the upsd.users of the transcripts.
const testUsers = `
[admin]
	password = adminpass
	actions = SET FSD
	instcmds = ALL
[monprimary]
	password = primpass
	upsmon primary
[monsecondary]
	password = secpass
	upsmon secondary
[cmdonly]
	password = cmdpass
	instcmds = load.off
[nopass]
	actions = SET
`

type recHandler struct{ log []string }

func (h *recHandler) InstCmd(name, arg string) int {
	h.log = append(h.log, "INSTCMD "+name+" "+arg)
	if strings.EqualFold(name, "load.off") {
		return 0
	}
	return 3
}

func (h *recHandler) Set(name, value string) int {
	h.log = append(h.log, "SET "+name+" "+value)
	return 0
}

// eatonTable is a small state table with every kind of variable.
func eatonTable() *dstate.Table {
	t := &dstate.Table{}
	t.Set("ups.status", "OL CHRG")
	t.Set("battery.charge", "100")
	t.Set("Alpha.Zeta", "first")
	t.Set("device.model", `Fake "Q" \ model # 1`)
	t.Set("ups.id", "ups1")
	t.SetFlags("ups.id", dstate.RW|dstate.String)
	t.SetAux("ups.id", 8)
	t.Set("ups.contact", "nobody")
	t.SetFlags("ups.contact", dstate.RW|dstate.String)
	t.Set("input.transfer.low", "100")
	t.SetFlags("input.transfer.low", dstate.RW)
	t.AddEnum("input.transfer.low", "103")
	t.AddEnum("input.transfer.low", "100")
	t.AddEnum("input.transfer.low", "97")
	t.Set("input.transfer.high", "250")
	t.SetFlags("input.transfer.high", dstate.RW|dstate.Number)
	t.AddRange("input.transfer.high", dstate.Range{Min: 240, Max: 260})
	t.AddRange("input.transfer.high", dstate.Range{Min: 270, Max: 280})
	t.AddCmd("load.off")
	t.AddCmd("beeper.disable")
	t.AddCmd("Aaa.first")
	return t
}

type testEnv struct {
	srv   *Server
	clk   *clock.Virtual
	h     *recHandler
	eaton *dstate.Table
	logs  []string
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	e := &testEnv{clk: clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), h: &recHandler{}}
	s := New(e.clk)
	s.Logf = func(f string, a ...any) { e.logs = append(e.logs, f) }
	s.DialDriver = func(string) (net.Conn, error) { return nil, errors.New("connect: no such file or directory") }
	s.Descriptions = &protocol.Descriptions{
		Vars: map[string]string{"ups.status": "UPS status", "battery.charge": "Battery charge (percent of full)"},
		Cmds: map[string]string{"load.off": "Turn off the load immediately"},
	}
	us, warns, err := ParseUsers(strings.NewReader(testUsers), "upsd.users")
	if err != nil || len(warns) > 0 {
		t.Fatal(err, warns)
	}
	s.SetUsers(us)
	s.SetUPS([]UPSConf{{Name: "nodriver", Driver: "dummy-ups", Port: "x.dev", Desc: "Driver not started", HasDesc: true}})
	e.eaton = eatonTable()
	s.AttachTable("eaton", `Eaton "Ellipse" ECO`, e.eaton, e.h)
	st := &dstate.Table{}
	st.Set("ups.status", "OL")
	st.SetStale(true)
	s.AttachTable("stale", "", st, nil)
	s.Start()
	t.Cleanup(func() { s.Close() })
	e.srv = s
	return e
}

var uuidRE = regexp.MustCompile(`[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}`)

// runTranscript executes a transcript: "> request" lines are sent to the
// current session, "@session name [addr]" switches (creating) sessions,
// "@close name" closes one, "@advance 20s" moves the virtual clock,
// "@fsdlog" etc. are not needed. Reply lines are regenerated; "#" lines
// and blank lines are kept. $ID in a request is the last tracking ID.
func runTranscript(t *testing.T, e *testEnv, in string) string {
	var out strings.Builder
	sessions := map[string]*Session{}
	cur := e.srv.NewSession("127.0.0.1")
	sessions["main"] = cur
	lastID := ""
	for _, line := range strings.Split(strings.TrimRight(in, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "> "):
			out.WriteString(line + "\n")
			req := strings.ReplaceAll(line[2:], "$ID", lastID)
			req = strings.ReplaceAll(req, `\n`, "\n")
			for _, r := range cur.Handle(req) {
				if id := uuidRE.FindString(r); id != "" {
					lastID = id
					r = strings.ReplaceAll(r, id, "$ID")
				}
				out.WriteString(r + "\n")
			}
		case strings.HasPrefix(line, "@"):
			out.WriteString(line + "\n")
			f := strings.Fields(line[1:])
			switch f[0] {
			case "session":
				addr := "127.0.0.1"
				if len(f) > 2 {
					addr = f[2]
				}
				if sessions[f[1]] == nil {
					sessions[f[1]] = e.srv.NewSession(addr)
				}
				cur = sessions[f[1]]
			case "close":
				sessions[f[1]].Close()
			case "advance":
				d, err := time.ParseDuration(f[1])
				if err != nil {
					t.Fatal(err)
				}
				e.clk.Advance(d)
			case "driver":
				// @driver ups.status OB LB : change the eaton table.
				e.eaton.Set(f[1], strings.Join(f[2:], " "))
			case "stale":
				e.eaton.SetStale(f[1] == "on")
			default:
				t.Fatalf("unknown directive %q", line)
			}
		case strings.HasPrefix(line, "#"), strings.TrimSpace(line) == "":
			out.WriteString(line + "\n")
		}
	}
	for _, s := range sessions {
		s.Close()
	}
	return out.String()
}

func TestTranscripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/transcripts/*.txt")
	if len(files) == 0 {
		t.Fatal("no transcripts")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := runTranscript(t, newTestEnv(t), string(in))
			if *update {
				os.WriteFile(f, []byte(got), 0o644)
				return
			}
			if got != string(in) {
				t.Errorf("transcript differs (run with -update to accept):\n%s", diffLines(string(in), got))
			}
		})
	}
}

func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl + "\n")
		}
	}
	return b.String()
}
