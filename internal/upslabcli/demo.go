package upslabcli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/upslab/upslab/scenarios"
	"github.com/upslab/upslab/scenarios/replay"
)

func init() {
	Register(Command{
		Name:    "demo",
		Summary: "replay the bundled scenario (flapping mains, then an outage to shutdown) and draw it",
		Run:     runDemo,
	})
}

func runDemo(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("upslab demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	plot := fs.String("plot", filepath.Join(os.TempDir(), "upslab-demo.svg"), "where to draw the plot (SVG)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	src, err := scenarios.FS.ReadFile("demo.ups")
	if err != nil {
		fmt.Fprintf(stderr, "upslab demo: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "upslab demo: an Ellipse ECO 650 at 40% load, one host running upsmon with upssched")
	fmt.Fprintln(stdout, "(NUT's \"suppressing notify storms\" setup, scenarios/config), replayed on a virtual clock:")
	fmt.Fprintln(stdout, "mains flaps four times, then fails for good; see scenarios/demo.ups.")
	fmt.Fprintln(stdout)
	res, err := replay.Run("scenarios/demo.ups", src, replay.Options{Seed: 1})
	if err != nil {
		fmt.Fprintf(stderr, "upslab demo: %v\n", err)
		return 1
	}
	defer res.Lab.Close()
	return report(res, false, false, *plot, "upslab demo: flapping mains, then an outage to shutdown", stdout, stderr)
}
