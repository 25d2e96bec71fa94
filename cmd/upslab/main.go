// Command upslab runs the simulator, replays power-failure scenarios and
// certifies real UPS units. See the README.
package main

import (
	"os"

	"github.com/upslab/upslab/internal/upslabcli"
)

func main() { os.Exit(upslabcli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
