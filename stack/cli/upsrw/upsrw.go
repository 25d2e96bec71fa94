// Package upsrw is NUT's upsrw: it lists a UPS's writable variables with
// their types and allowed values, or sets one, with NUT 2.8.0's flags,
// prompts and output.
package upsrw

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/internal/cnum"
	"github.com/upslab/upslab/stack/cli/nutcli"
	"github.com/upslab/upslab/stack/client"
	"github.com/upslab/upslab/stack/parseconf"
	"github.com/upslab/upslab/stack/protocol"
)

// Clock paces the -w polling; tests may replace it.
var Clock clock.Clock = clock.Real()

func usage(w io.Writer, prog string) {
	fmt.Fprintf(w, `Network UPS Tools upsrw %s

usage: %s [-h]
       %s [-s <variable>] [-u <username>] [-p <password>] [-w] [-t <timeout>] <ups>

Demo program to set variables within UPS hardware.

  -h            display this help text
  -s <variable>	specify variable to be changed
		use -s VAR=VALUE to avoid prompting for value
  -l            show all possible read/write variables.
  -u <username> set username for command authentication
  -p <password> set password for command authentication
  -w            wait for the completion of setting by the driver
                and return its actual result from the device
  -t <timeout>	set a timeout when using -w (in seconds, default: 10)

  <ups>         UPS identifier - <upsname>[@<hostname>[:<port>]]

Call without -s to show all possible read/write variables (same as -l).
`, protocol.NUTVersion, prog, prog)
}

// Main runs upsrw with args (without the program name).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	prog := "upsrw"
	fatal := func(format string, a ...any) int {
		fmt.Fprintf(stderr, format+"\n", a...)
		return 1
	}
	login := nutcli.Login{Timeout: 10}
	var setvar string
	haveSet, wait := false, false
	opts, rest, bad := nutcli.Getopt(args, "hls:p:t:u:wV")
	if bad {
		usage(stdout, prog)
		return 0
	}
	for _, o := range opts {
		if ok, err := login.Option(o); ok {
			if err != nil {
				return fatal("%s", err)
			}
			continue
		}
		switch o.Name {
		case 's':
			setvar, haveSet = o.Arg, true
		case 'l':
			if haveSet {
				fmt.Fprintf(stderr, "Listing mode requested, overriding setvar specified earlier!\n")
				haveSet = false
			}
		case 'w':
			wait = true
		case 'V':
			fmt.Fprintf(stdout, "Network UPS Tools %s %s\n", prog, protocol.NUTVersion)
			return 0
		default:
			usage(stdout, prog)
			return 0
		}
	}
	if len(rest) < 1 {
		usage(stdout, prog)
		return 0
	}
	ups, c, err := nutcli.Dial(rest[0])
	if err != nil {
		return fatal("%s", err)
	}
	defer nutcli.Logout(c)
	if !haveSet {
		return printRWList(c, ups, stdout, stderr)
	}
	in := bufio.NewReader(stdin)
	if err := login.Prompt(in, stdout, stderr); err != nil {
		return fatal("%s", err)
	}
	varname, newval, hasVal := strings.Cut(setvar, "=")
	if !hasVal {
		fmt.Fprintf(stdout, "Enter new value for %s: ", varname)
		line, _ := in.ReadString('\n')
		newval = strings.TrimSuffix(line, "\n")
	}
	if err := login.Send(c); err != nil {
		return fatal("%s", err)
	}
	if !strings.Contains(varname, ".") {
		return fatal("Error: old variable names are not supported")
	}
	if wait {
		if err := nutcli.Track(c, "set variable status"); err != nil {
			return fatal("%s", err)
		}
	}
	r, err := c.Do("SET VAR " + ups + " " + varname + " " + parseconf.Quote(newval))
	if err != nil {
		return fatal("Set variable failed: %s", nutcli.ErrText(err))
	}
	return nutcli.Finish(c, r, wait, login.Timeout, Clock, stderr)
}

func printRWList(c *client.Client, ups string, stdout, stderr io.Writer) int {
	vars, err := c.ListRW(ups)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %s\n", nutcli.ErrText(err))
		return 1
	}
	for _, v := range vars {
		fmt.Fprintf(stdout, "[%s]\n", v.Name)
		if d, err := c.GetDesc(ups, v.Name); err == nil {
			fmt.Fprintf(stdout, "%s\n", d)
		} else {
			fmt.Fprintf(stdout, "Description unavailable\n")
		}
		if code := printType(c, ups, v.Name, stdout, stderr); code != 0 {
			return code
		}
		fmt.Fprintf(stdout, "\n")
	}
	return 0
}

// printType follows upsrw 2.8.0's do_type: the type words decide how the
// variable is shown.
func printType(c *client.Client, ups, name string, stdout, stderr io.Writer) int {
	words, err := c.GetType(ups, name)
	if err != nil {
		fmt.Fprintf(stdout, "Unknown type\n")
		return 0
	}
	isEnum := false
	for _, w := range words {
		switch {
		case strings.EqualFold(w, "ENUM"):
			isEnum = true
		case strings.EqualFold(w, "RANGE"):
			return doRange(c, ups, name, stdout, stderr)
		case len(w) >= 7 && strings.EqualFold(w[:7], "STRING:"):
			n := cnum.Atol(w[7:])
			if isEnum {
				return doEnum(c, ups, name, "STRING", n, stdout, stderr)
			}
			val, err := c.GetVar(ups, name)
			if err != nil {
				fmt.Fprintf(stderr, "do_string: can't get current value of %s\n", name)
				return 1
			}
			fmt.Fprintf(stdout, "Type: STRING\nMaximum length: %d\nValue: %s\n", n, val)
			return 0
		case strings.EqualFold(w, "NUMBER"):
			if isEnum {
				return doEnum(c, ups, name, "NUMBER", 0, stdout, stderr)
			}
			val, err := c.GetVar(ups, name)
			if err != nil {
				fmt.Fprintf(stderr, "do_number: can't get current value of %s\n", name)
				return 1
			}
			fmt.Fprintf(stdout, "Type: NUMBER\nValue: %s\n", val)
			return 0
		case strings.EqualFold(w, "RW"):
		default:
			fmt.Fprintf(stdout, "Type: %s (unrecognized)\n", w)
		}
	}
	if isEnum {
		return doEnum(c, ups, name, "", 0, stdout, stderr)
	}
	return 0
}

func doEnum(c *client.Client, ups, name, kind string, n int64, stdout, stderr io.Writer) int {
	val, err := c.GetVar(ups, name)
	if err != nil {
		fmt.Fprintf(stderr, "do_enum: can't get current value of %s\n", name)
		return 1
	}
	opts, err := c.ListEnum(ups, name)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %s\n", nutcli.ErrText(err))
		return 1
	}
	if kind != "" {
		fmt.Fprintf(stdout, "Type: ENUM %s\n", kind)
	} else {
		fmt.Fprintf(stdout, "Type: ENUM\n")
	}
	if kind == "STRING" {
		fmt.Fprintf(stdout, "Maximum length: %d\n", n)
	}
	for _, o := range opts {
		sel := ""
		if o == val {
			sel = " SELECTED"
		}
		fmt.Fprintf(stdout, "Option: \"%s\"%s\n", o, sel)
	}
	return 0
}

func doRange(c *client.Client, ups, name string, stdout, stderr io.Writer) int {
	val, err := c.GetVar(ups, name)
	if err != nil {
		fmt.Fprintf(stderr, "do_range: can't get current value of %s\n", name)
		return 1
	}
	iv := int(cnum.Atol(val))
	rs, err := c.ListRange(ups, name)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %s\n", nutcli.ErrText(err))
		return 1
	}
	fmt.Fprintf(stdout, "Type: RANGE NUMBER\n")
	for _, r := range rs {
		lo, hi := int(cnum.Atol(r.Min)), int(cnum.Atol(r.Max))
		sel := ""
		if iv >= lo && iv <= hi {
			sel = " SELECTED"
		}
		fmt.Fprintf(stdout, "Option: \"%d-%d\"%s\n", lo, hi, sel)
	}
	return 0
}
