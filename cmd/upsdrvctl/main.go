package main

import (
	"os"

	"github.com/upslab/upslab/drivers/driver"
)

func main() { os.Exit(driver.CtlMain(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
