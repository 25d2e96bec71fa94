// Command upsd is NUT's UPS information server; see stack/upsd.
package main

import (
	"os"

	"github.com/upslab/upslab/stack/upsd"
)

func main() { os.Exit(upsd.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
