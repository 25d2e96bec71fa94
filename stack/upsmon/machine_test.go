package upsmon

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

// world is what upsd would answer, for the transcript's "run" command.
type world struct {
	status    map[string]string   // ups.status, "" = ERR DATA-STALE style below
	pollErr   map[string]*Failure // poll failure instead of a status
	down      map[string]bool     // connect refused
	auth      map[string]Connected
	fsdErr    map[string]*Failure
	numLogins int
}

// env drives one Machine for a transcript.
type env struct {
	t       *testing.T
	clk     *clock.Virtual
	m       *Machine
	pending Action // the outstanding request
	wakeAt  time.Time
	debug   int
	w       world
}

func TestTranscripts(t *testing.T) {
	transcript.Run(t, "testdata/*.txt", *update, func(t *testing.T) func(b transcript.Block) []string {
		e := &env{t: t, clk: clock.NewVirtual(clock.Epoch), w: world{
			status: map[string]string{}, pollErr: map[string]*Failure{}, down: map[string]bool{},
			auth: map[string]Connected{}, fsdErr: map[string]*Failure{}, numLogins: 1,
		}}
		return e.handle
	})
}

func (e *env) stamp() string {
	d := e.clk.Now().Sub(clock.Epoch)
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

// emit formats actions and remembers the outstanding request.
func (e *env) emit(acts []Action) []string {
	var out []string
	for _, a := range acts {
		if l, ok := a.(Log); ok && l.Level == LevelDebug && l.Debug > e.debug {
			continue
		}
		switch act := a.(type) {
		case Connect, Poll, SetFSD, GetNumLogins:
			e.pending = a
		case Sleep:
			e.pending = a
			e.wakeAt = e.clk.Now().Add(act.D)
		case Exit:
			e.pending = nil
		}
		out = append(out, e.stamp()+" "+Format(a))
	}
	return out
}

func parseFailure(words []string) *Failure {
	if len(words) == 0 {
		return nil
	}
	switch words[0] {
	case "ERR":
		return Err(strings.Join(words[1:], " "))
	case "closed":
		return IOFailure(strings.Join(words[1:], " "))
	case "reply":
		return &Failure{Text: strings.Join(words[1:], " ")}
	}
	return nil
}

func (e *env) handle(b transcript.Block) []string {
	f := strings.Fields(b.Cmd)
	args := f[1:]
	switch f[0] {
	case "start":
		for _, a := range args {
			if v, ok := strings.CutPrefix(a, "debug="); ok {
				e.debug, _ = strconv.Atoi(v)
			}
		}
		cfg, warns, err := Parse("upsmon.conf", []byte(strings.Join(b.Body, "\n")+"\n"))
		var out []string
		for _, w := range warns {
			out = append(out, "warning "+w)
		}
		if err != nil {
			return append(out, "fatal "+err.Error())
		}
		if err := cfg.Check(); err != nil {
			return append(out, "fatal "+strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", " | "))
		}
		e.m = New(cfg, e.clk)
		return append(out, e.emit(e.m.Start())...)
	case "tick":
		d, err := time.ParseDuration(args[0])
		if err != nil {
			e.t.Fatal(err)
		}
		e.clk.Advance(d)
		return nil
	case "wake":
		if e.clk.Now().Before(e.wakeAt) {
			e.clk.Advance(e.wakeAt.Sub(e.clk.Now()))
		}
		return e.emit(e.m.Step(Wake{}))
	case "connect":
		c := Connected{UPS: args[0]}
		switch {
		case len(args) > 1 && args[1] == "refused":
			c.Err = IOFailure("Connection failure: Connection refused")
		case len(args) > 2:
			c.AuthStep = args[1]
			c.AuthErr = parseFailure(args[2:])
		}
		return e.emit(e.m.Step(c))
	case "poll":
		p := Polled{UPS: args[0]}
		if p.Err = parseFailure(args[1:]); p.Err == nil {
			p.Status = strings.Join(args[1:], " ")
		}
		return e.emit(e.m.Step(p))
	case "fsd":
		return e.emit(e.m.Step(FSDSet{UPS: args[0], Err: parseFailure(args[1:])}))
	case "numlogins":
		n, _ := strconv.Atoi(args[0])
		return e.emit(e.m.Step(NumLogins{Max: n}))
	case "cmd":
		c := Command{}
		switch args[0] {
		case "fsd":
			c.Kind = CmdFSD
		case "stop":
			c.Kind = CmdStop
		case "reload":
			c.Kind = CmdReload
			cfg, _, err := Parse("upsmon.conf", []byte(strings.Join(b.Body, "\n")+"\n"))
			if err != nil {
				return []string{"fatal " + err.Error()}
			}
			c.Config = cfg
		}
		return e.emit(e.m.Step(c))
	case "set":
		// set <ups> <status words> | ERR <code> | closed <text> | down | up
		// | auth <STEP> ERR <code> | auth ok | fsd ERR <code> | numlogins <n>
		ups := args[0]
		rest := args[1:]
		switch {
		case ups == "numlogins":
			e.w.numLogins, _ = strconv.Atoi(rest[0])
		case rest[0] == "down":
			e.w.down[ups] = true
		case rest[0] == "up":
			delete(e.w.down, ups)
		case rest[0] == "auth":
			if rest[1] == "ok" {
				delete(e.w.auth, ups)
			} else {
				e.w.auth[ups] = Connected{AuthStep: rest[1], AuthErr: parseFailure(rest[2:])}
			}
		case rest[0] == "fsd":
			e.w.fsdErr[ups] = parseFailure(rest[1:])
		default:
			if fl := parseFailure(rest); fl != nil {
				e.w.pollErr[ups] = fl
			} else {
				delete(e.w.pollErr, ups)
				e.w.status[ups] = strings.Join(rest, " ")
			}
		}
		return nil
	case "run":
		d, err := time.ParseDuration(args[0])
		if err != nil {
			e.t.Fatal(err)
		}
		out := e.run(e.clk.Now().Add(d))
		if len(args) > 1 && args[1] == "verbose" {
			return out
		}
		// Requests repeat every loop; keep the transcript to what matters.
		var keep []string
		for _, l := range out {
			_, a, _ := strings.Cut(l, " ")
			if strings.HasPrefix(a, "poll ") || strings.HasPrefix(a, "sleep ") || strings.HasPrefix(a, "get-numlogins ") {
				continue
			}
			keep = append(keep, l)
		}
		return keep
	case "status":
		var out []string
		for _, s := range e.m.Status() {
			out = append(out, fmt.Sprintf("%s connected=%v comm=%v OL=%v OB=%v LB=%v FSD=%v CAL=%v", s.System, s.Connected, s.CommOK, s.Online, s.OnBatt, s.LowBatt, s.FSD, s.Cal))
		}
		return out
	}
	e.t.Fatalf("line %d: unknown command %q", b.Line, b.Cmd)
	return nil
}

// run answers requests from the world until the clock reaches end.
func (e *env) run(end time.Time) []string {
	var out []string
	for i := 0; i < 100000 && e.pending != nil; i++ {
		var in Input
		switch p := e.pending.(type) {
		case Sleep:
			if e.wakeAt.After(end) {
				e.clk.Advance(end.Sub(e.clk.Now()))
				return out
			}
			e.clk.Advance(e.wakeAt.Sub(e.clk.Now()))
			in = Wake{}
		case Connect:
			sys := p.Monitor.System
			c := e.w.auth[sys]
			c.UPS = sys
			if e.w.down[sys] {
				c = Connected{UPS: sys, Err: IOFailure("Connection failure: Connection refused")}
			}
			in = c
		case Poll:
			sys := p.Monitor.System
			pl := Polled{UPS: sys, Status: e.w.status[sys], Err: e.w.pollErr[sys]}
			if e.w.down[sys] {
				pl = Polled{UPS: sys, Err: IOFailure("Server disconnected")}
			}
			in = pl
		case SetFSD:
			sys := p.Monitor.System
			fe := e.w.fsdErr[sys]
			if fe == nil && !strings.Contains(e.w.status[sys], "FSD") {
				e.w.status[sys] = strings.TrimSpace("FSD " + e.w.status[sys])
			}
			in = FSDSet{UPS: sys, Err: fe}
		case GetNumLogins:
			in = NumLogins{Max: e.w.numLogins}
		}
		e.pending = nil
		out = append(out, e.emit(e.m.Step(in))...)
	}
	return out
}
