// Package upscmd is NUT's upscmd: it lists and runs instant commands,
// with NUT 2.8.0's flags, prompts and output.
package upscmd

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/cli/nutcli"
	"github.com/upslab/upslab/stack/client"
	"github.com/upslab/upslab/stack/protocol"
)

// Clock paces the -w polling; tests may replace it.
var Clock clock.Clock = clock.Real()

func usage(w io.Writer, prog string) {
	fmt.Fprintf(w, `Network UPS Tools upscmd %s

usage: %s [-h]
       %s [-l <ups>]
       %s [-u <username>] [-p <password>] [-w] [-t <timeout>] <ups> <command> [<value>]

Administration program to initiate instant commands on UPS hardware.

  -h		display this help text
  -l <ups>	show available commands on UPS <ups>
  -u <username>	set username for command authentication
  -p <password>	set password for command authentication
  -w            wait for the completion of command by the driver
                and return its actual result from the device
  -t <timeout>	set a timeout when using -w (in seconds, default: 10)

  <ups>		UPS identifier - <upsname>[@<hostname>[:<port>]]
  <command>	Valid instant command - test.panel.start, etc.
  [<value>]	Additional data for command - number of seconds, etc.
`, protocol.NUTVersion, prog, prog, prog)
}

// Main runs upscmd with args (without the program name).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	prog := "upscmd"
	fatal := func(format string, a ...any) int {
		fmt.Fprintf(stderr, format+"\n", a...)
		return 1
	}
	login := nutcli.Login{Timeout: 10}
	list, wait := false, false
	opts, rest, bad := nutcli.Getopt(args, "lhu:p:t:wV")
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
		case 'l':
			list = true
		case 'w':
			wait = true
		case 'V':
			fmt.Fprintf(stderr, "Network UPS Tools upscmd %s\n", protocol.NUTVersion)
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
	if list {
		cmds, err := c.ListCmd(ups)
		if err != nil {
			return fatal("Error: %s", nutcli.ErrText(err))
		}
		fmt.Fprintf(stdout, "Instant commands supported on UPS [%s]:\n\n", ups)
		for _, cmd := range cmds {
			d, err := c.GetCmdDesc(ups, cmd)
			if err != nil {
				fmt.Fprintf(stdout, "%s\n", cmd)
				continue
			}
			fmt.Fprintf(stdout, "%s - %s\n", cmd, d)
		}
		return 0
	}
	if len(rest) < 2 {
		usage(stdout, prog)
		return 0
	}
	if !strings.Contains(rest[1], ".") {
		return fatal("Error: old command names are not supported")
	}
	in := bufio.NewReader(stdin)
	if err := login.Prompt(in, stdout, stderr); err != nil {
		return fatal("%s", err)
	}
	// Sent raw, unquoted, as upscmd does; the replies are read, not checked.
	if err := login.Send(c); err != nil {
		return fatal("%s", err)
	}
	if wait {
		if err := nutcli.Track(c, "command status"); err != nil {
			return fatal("%s", err)
		}
	}
	line := "INSTCMD " + ups + " " + rest[1]
	if len(rest) > 2 {
		line += " " + rest[2] // raw, as upscmd sends it
	}
	r, err := c.Do(line)
	if err != nil {
		return fatal("Instant command failed: %s", nutcli.ErrText(err))
	}
	return finish(c, r, wait, login.Timeout, stderr)
}

// finish handles the reply to SET VAR / INSTCMD as upscmd and upsrw do:
// print it, or with -w poll GET TRACKING once a second until it is not
// PENDING and print that (exit 0 even for ERR results, as 2.8.0).
func finish(c *client.Client, r string, wait bool, timeout int, stderr io.Writer) int {
	return nutcli.Finish(c, r, wait, timeout, Clock, stderr)
}
