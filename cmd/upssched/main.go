// Command upssched is NUT's upssched: timers and commands for upsmon's
// notifications. See package stack/upssched.
package main

import (
	"os"

	"github.com/upslab/upslab/stack/upssched"
)

func main() { os.Exit(upssched.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
