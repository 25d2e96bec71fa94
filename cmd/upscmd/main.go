// Command upscmd is NUT's upscmd; see stack/cli/upscmd.
package main

import (
	"os"

	"github.com/upslab/upslab/stack/cli/upscmd"
)

func main() { os.Exit(upscmd.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
