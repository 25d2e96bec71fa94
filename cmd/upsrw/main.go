// Command upsrw is NUT's upsrw; see stack/cli/upsrw.
package main

import (
	"os"

	"github.com/upslab/upslab/stack/cli/upsrw"
)

func main() { os.Exit(upsrw.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
