// Command upsc is NUT's upsc; see stack/cli/upsc.
package main

import (
	"os"

	"github.com/upslab/upslab/stack/cli/upsc"
)

func main() { os.Exit(upsc.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
