// Command mge-shut is usbhid-ups for Eaton/MGE units on a serial port
// (SHUT), as NUT builds it: the same driver under another name.
package main

import (
	"os"

	"github.com/upslab/upslab/drivers/driver"
)

func main() { os.Exit(driver.MainAs("mge-shut", os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
