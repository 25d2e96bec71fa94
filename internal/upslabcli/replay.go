package upslabcli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/upslab/upslab/lab"
	"github.com/upslab/upslab/scenarios/replay"
)

func init() {
	Register(Command{
		Name:    "replay",
		Summary: "play a power-failure scenario through the whole stack on a virtual clock",
		Run:     runReplay,
	})
}

func runReplay(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("upslab replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "`DIR` with NUT's upsmon.conf, upssched.conf, upsd.users, ups.conf (default: the shipped scenarios/config)")
	jsonOut := fs.Bool("json", false, "print the timeline as JSON lines")
	plot := fs.String("plot", "", "draw charge, load, runtime, status and events into this SVG `file`")
	seed := fs.Int64("seed", 1, "seed for the simulated devices and the script's jitter")
	verbose := fs.Bool("v", false, "also print daemon log, syslog and wall lines")
	tail := fs.Duration("tail", 5*time.Minute, "how long to go on after the script's last event")
	until := fs.Duration("until", 0, "stop at this simulated time (overrides -tail)")
	model := fs.String("model", "", "simulator profile of the units (default ellipse-eco-650)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: upslab replay [flags] SCENARIO.ups")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	name := fs.Arg(0)
	src, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintf(stderr, "upslab replay: %v\n", err)
		return 1
	}
	res, err := replay.Run(name, src, replay.Options{ConfigDir: *config, Seed: *seed, Tail: *tail, Until: *until, Model: *model})
	if err != nil {
		fmt.Fprintf(stderr, "upslab replay: %v\n", err)
		return 1
	}
	defer res.Lab.Close()
	return report(res, *jsonOut, *verbose, *plot, name, stdout, stderr)
}

// report prints the timeline and the summary, writes the plot, and
// returns the exit status (1 when an expectation failed).
func report(res *replay.Result, jsonOut, verbose bool, plot, title string, stdout, stderr io.Writer) int {
	events := res.Lab.Events()
	if !verbose {
		events = quiet(events)
	}
	if jsonOut {
		if err := lab.WriteJSON(stdout, events); err != nil {
			fmt.Fprintf(stderr, "upslab: %v\n", err)
			return 1
		}
	} else {
		lab.WriteText(stdout, events)
	}
	if plot != "" {
		f, err := os.Create(plot)
		if err == nil {
			err = lab.PlotSVG(f, title, res.Lab.Series(), res.Lab.Events())
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "upslab: plot: %v\n", err)
			return 1
		}
	}
	for _, x := range res.Expectations {
		if !x.OK {
			fmt.Fprintf(stderr, "%s: at %s: expect %s: %s\n", x.Pos, lab.FormatAt(x.At), x.Line, x.Why)
		}
	}
	if jsonOut {
		fmt.Fprintf(stdout, "{\"summary\":%q}\n", res.Summary())
	} else {
		fmt.Fprintln(stdout, res.Summary())
	}
	if plot != "" && !jsonOut {
		fmt.Fprintf(stdout, "plot: %s\n", plot)
	}
	if res.Failed() {
		return 1
	}
	return 0
}

// quiet drops daemon log lines and the syslog/wall copies of
// notifications.
func quiet(events []lab.Event) []lab.Event {
	var out []lab.Event
	for _, e := range events {
		switch e.Kind {
		case lab.KindLog, lab.KindSyslog, lab.KindWall, lab.KindNotifyCmd, lab.KindSchedStart, lab.KindSchedExit, lab.KindDriverFresh:
			continue
		}
		out = append(out, e)
	}
	return out
}
