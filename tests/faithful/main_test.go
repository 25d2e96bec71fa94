package faithful

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/upslab/upslab/drivers/driver"
	"github.com/upslab/upslab/stack/upsd"
	"github.com/upslab/upslab/stack/upsmon"
	"github.com/upslab/upslab/stack/upssched"
)

// programs are our binaries, as this test binary runs them when started
// under their name (a symlink in ourBin). This is testscript's
// registered-binary trick without testscript: no `go build` per run, and
// upssched's timer daemon, which re-runs os.Executable() with argv[0]
// "upssched", lands here too.
var programs = map[string]func(args []string) int{
	"usbhid-ups": func(a []string) int { return driver.Main(a, os.Stdin, os.Stdout, os.Stderr) },
	"upsd":       func(a []string) int { return upsd.Main(a, os.Stdin, os.Stdout, os.Stderr) },
	"upsmon":     func(a []string) int { return upsmon.Main(a, os.Stdin, os.Stdout, os.Stderr) },
	"upssched":   func(a []string) int { return upssched.Main(a, os.Stdin, os.Stdout, os.Stderr) },
}

// ourBin is a directory with one symlink per program to this test binary.
var ourBin string

func TestMain(m *testing.M) {
	if run, ok := programs[filepath.Base(os.Args[0])]; ok {
		os.Exit(run(os.Args[1:]))
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "faithful-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for name := range programs {
		if err := os.Symlink(exe, filepath.Join(dir, name)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	ourBin = dir
	// The tests wait on real processes in real time and use little CPU:
	// run more of them at once than GOMAXPROCS (go test's default
	// -parallel), unless -test.parallel was given.
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		_ = flag.Set("test.parallel", "12")
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
