package upslabcli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/upslab/upslab/internal/clock"
)

func init() {
	Register(Command{
		Name:    "ctl",
		Summary: "send a command to a running upslab sim (mains off, load 40%, ...)",
		Run:     runCtl,
	})
}

const ctlUsage = `usage: upslab ctl [flags] SOCKET [COMMAND...]

Sends COMMAND (the words are joined with spaces) to the control socket of
a running "upslab sim --control SOCKET" and prints the answer. Without a
COMMAND, sends each line of the standard input. Commands are the script
language's (docs/scripts.md), plus "status" and "help". Exits 1 if the
simulator answered ERR to any of them.

flags:
`

func runCtl(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("upslab ctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	timeout := fs.Duration("timeout", 10*time.Second, "give up on the simulator after this long")
	fs.Usage = func() {
		fmt.Fprint(stderr, ctlUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return 2
	}
	path := fs.Arg(0)
	var lines []string
	if fs.NArg() > 1 {
		lines = []string{strings.Join(fs.Args()[1:], " ")}
	} else {
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		if err := sc.Err(); err != nil {
			fmt.Fprintf(stderr, "upslab ctl: %v\n", err)
			return 1
		}
	}
	for _, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			fmt.Fprintln(stderr, "upslab ctl: a command cannot contain a line break")
			return 2
		}
	}
	c, err := net.DialTimeout("unix", path, *timeout)
	if err != nil {
		fmt.Fprintf(stderr, "upslab ctl: %v\n", err)
		return 1
	}
	defer c.Close()
	// The deadline is real time: ctl talks to a process, not to a model.
	c.SetDeadline(clock.Real().Now().Add(*timeout))
	br := bufio.NewReader(c)
	status := 0
	for _, l := range lines {
		if _, err := io.WriteString(c, l+"\n"); err != nil {
			fmt.Fprintf(stderr, "upslab ctl: %v\n", err)
			return 1
		}
		for {
			ans, err := br.ReadString('\n')
			if err != nil {
				fmt.Fprintf(stderr, "upslab ctl: reading the answer to %q: %v\n", l, err)
				return 1
			}
			ans = strings.TrimRight(ans, "\r\n")
			if ans == "OK" {
				break
			}
			if msg, ok := strings.CutPrefix(ans, "ERR "); ok {
				fmt.Fprintf(stderr, "upslab ctl: %s: %s\n", l, msg)
				status = 1
				break
			}
			fmt.Fprintln(stdout, ans)
		}
	}
	return status
}
