// Command upsmon is NUT's upsmon: it watches UPSes through upsd, notifies,
// and shuts the host down. See package stack/upsmon.
package main

import (
	"os"

	"github.com/upslab/upslab/stack/upsmon"
)

func main() { os.Exit(upsmon.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
