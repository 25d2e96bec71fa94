// Package upsc is NUT's upsc: it prints UPS variables, the UPSes of a
// server, or the clients logged in to a UPS, byte for byte as NUT 2.8.0.
package upsc

import (
	"fmt"
	"io"
	"strings"

	"github.com/upslab/upslab/stack/cli/nutcli"
	"github.com/upslab/upslab/stack/protocol"
)

func usage(w io.Writer, prog string) {
	fmt.Fprintf(w, `Network UPS Tools upsc %s

usage: %s -l | -L [<hostname>[:port]]
       %s <ups> [<variable>]
       %s -c <ups>

Demo program to display UPS variables.

First form (lists UPSes):
  -l         - lists each UPS on <hostname>, one per line.
  -L         - lists each UPS followed by its description (from ups.conf).
               Default hostname: localhost

Second form (lists variables and values):
  <ups>      - upsd server, <upsname>[@<hostname>[:<port>]] form
  <variable> - optional, display this variable only.
               Default: list all variables for <host>

Third form (lists clients connected to a device):
  -c         - lists each client connected on <ups>, one per line.
  <ups>      - upsd server, <upsname>[@<hostname>[:<port>]] form
`, protocol.NUTVersion, prog, prog, prog)
}

// Main runs upsc with args (without the program name).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	prog := "upsc"
	fatal := func(format string, a ...any) int {
		fmt.Fprintf(stderr, format+"\n", a...)
		return 1
	}
	varlist, verbose, clientlist := false, false, false
	// getopt "+hlLcV": options stop at the first non-option.
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		for _, o := range a[1:] {
			switch o {
			case 'L':
				verbose = true
				varlist = true
			case 'l':
				varlist = true
			case 'c':
				clientlist = true
			case 'V':
				// 2.8.0 prints "upscmd" here (sic), on stderr.
				fmt.Fprintf(stderr, "Network UPS Tools upscmd %s\n", protocol.NUTVersion)
				return 0
			default:
				usage(stdout, prog)
				return 0
			}
		}
	}
	rest := args[i:]
	first := ""
	if len(rest) > 0 {
		first = rest[0]
	}
	var ups, host string
	var port int
	var err error
	if varlist {
		if first == "" {
			first = "localhost"
		}
		host, port, err = nutcli.SplitAddr(first)
		if err != nil {
			return fatal(nutcli.Notice(err) + "Error: invalid hostname.\nRequired format: [hostname[:port]]")
		}
	} else {
		ups, host, port, err = nutcli.SplitName(first)
		if err != nil {
			return fatal(nutcli.Notice(err) + "Error: invalid UPS definition.\nRequired format: upsname[@hostname[:port]]")
		}
	}
	c, err := nutcli.Connect(host, port, true)
	if err != nil {
		return fatal("Error: %s", err)
	}
	defer nutcli.Logout(c)
	switch {
	case varlist:
		list, err := c.ListUPS()
		if err != nil {
			return fatal("Error: %s", nutcli.ErrText(err))
		}
		for _, u := range list {
			if verbose {
				fmt.Fprintf(stdout, "%s: %s\n", u.Name, u.Desc)
			} else {
				fmt.Fprintf(stdout, "%s\n", u.Name)
			}
		}
	case clientlist:
		list, err := c.ListClient(ups)
		if err != nil {
			return fatal("Error: %s", nutcli.ErrText(err))
		}
		for _, e := range list {
			fmt.Fprintf(stdout, "%s\n", e.Addr)
		}
	case len(rest) > 1:
		v := rest[1]
		if !strings.Contains(v, ".") {
			return fatal("Error: old-style variable names are not supported")
		}
		val, err := c.GetVar(ups, v)
		if err != nil {
			return fatal("Error: %s", nutcli.ErrText(err))
		}
		fmt.Fprintf(stdout, "%s\n", val)
	default:
		vars, err := c.ListVar(ups)
		if err != nil {
			return fatal("Error: %s", nutcli.ErrText(err))
		}
		for _, v := range vars {
			fmt.Fprintf(stdout, "%s: %s\n", v.Name, v.Value)
		}
	}
	return 0
}
