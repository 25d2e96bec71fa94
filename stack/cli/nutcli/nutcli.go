// Package nutcli holds what NUT's command-line clients (upsc, upsrw,
// upscmd) share: libupsclient's "ups@host:port" syntax, connecting with
// its error texts, and the closing LOGOUT.
package nutcli

//lint:file-ignore ST1005 the error texts are NUT's own messages, printed as NUT prints them

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/upslab/upslab/internal/cnum"
	"github.com/upslab/upslab/stack/client"
	"github.com/upslab/upslab/stack/protocol"
)

// SplitName reads upsname[@hostname[:port]] (libupsclient's
// upscli_splitname). The host defaults to localhost, the port to 3493.
func SplitName(s string) (ups, host string, port int, err error) {
	if s == "" {
		return "", "", 0, errors.New("empty")
	}
	ups, rest, hasHost := strings.Cut(s, "@")
	if ups == "" {
		return "", "", 0, errors.New("no ups")
	}
	if !hasHost {
		return ups, "localhost", protocol.DefaultPort, nil
	}
	host, port, err = SplitAddr(rest)
	return ups, host, port, err
}

// SplitError is libupsclient's upscli_splitaddr complaint about a
// hostname[:port], which it prints on stderr before the caller's own
// "invalid UPS definition" (checked against Debian's 2.8.0 upsc).
type SplitError struct{ Msg string }

func (e *SplitError) Error() string { return e.Msg }

// Notice returns the upscli_splitaddr line (with its newline) that NUT's
// clients print before their own error for err, or "".
func Notice(err error) string {
	var se *SplitError
	if errors.As(err, &se) {
		return se.Msg + "\n"
	}
	return ""
}

// SplitAddr reads hostname[:port] ([v6addr]:port too). As libupsclient, a
// port after ':' must read as a number of at least 1 (strtol: "9abc" is 9).
func SplitAddr(s string) (host string, port int, err error) {
	port = protocol.DefaultPort
	if s == "" {
		return "", 0, errors.New("empty host")
	}
	rest := ""
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 {
			return "", 0, &SplitError{"upscli_splitaddr: missing closing bracket in [domain literal]"}
		}
		host, rest = s[1:end], s[end+1:]
	} else {
		var hasPort bool
		host, rest, hasPort = strings.Cut(s, ":")
		if hasPort {
			rest = ":" + rest
		}
	}
	if p, ok := strings.CutPrefix(rest, ":"); ok {
		// libupsclient reads the port with strtol into an int.
		if port = cnum.Atoi(p); port < 1 {
			return "", 0, &SplitError{"upscli_splitaddr: no port specified after ':' separator"}
		}
	}
	return host, port, nil
}

// Connect dials upsd. With tryTLS it sends STARTTLS first, as upsc does,
// and goes on in clear text unless upsd answers OK STARTTLS. The error is
// libupsclient's text ("Connection failure: Connection refused").
func Connect(host string, port int, tryTLS bool) (*client.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			return nil, errors.New("No such host")
		}
		return nil, errors.New("Connection failure: " + ErrnoText(err))
	}
	if tryTLS {
		// libupsclient does not verify the server unless configured to.
		if err := c.StartTLS(&tls.Config{InsecureSkipVerify: true}); err != nil {
			var pe *protocol.Error
			if !errors.As(err, &pe) {
				c.Close()
				return nil, errors.New("SSL error: " + err.Error())
			}
		}
	}
	return c, nil
}

// ErrnoText is strerror's text for a network error.
func ErrnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}

// ErrText is libupsclient's upscli_strerror for an error from the client
// library.
func ErrText(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return protocol.ClientText(pe.Code)
	}
	var perr protocol.ProtocolError
	if errors.As(err, &perr) {
		return "Protocol error"
	}
	if errors.Is(err, io.EOF) {
		return "Server disconnected"
	}
	return "Read error: " + ErrnoText(err)
}

// Logout sends LOGOUT and closes, as libupsclient's upscli_disconnect.
func Logout(c *client.Client) {
	c.Conn().Write([]byte("LOGOUT\n"))
	c.Close()
}

// PromptUser asks for a user name as upsrw and upscmd do, defaulting to
// the login name.
func PromptUser(in *bufio.Reader, out io.Writer) (string, error) {
	u, uerr := user.Current()
	if uerr == nil {
		fmt.Fprintf(out, "Username (%s): ", u.Username)
	} else {
		fmt.Fprint(out, "Username: ")
	}
	line, err := in.ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("Error reading from stdin!")
	}
	line = strings.TrimSuffix(line, "\n")
	if line == "" {
		if uerr != nil {
			return "", errors.New("No username available - even tried getpwuid")
		}
		return u.Username, nil
	}
	return line, nil
}

// PromptPassword asks for a password. NUT reads it from the terminal
// without echo (getpass); we read a line from stdin, with the prompt on
// stderr.
func PromptPassword(in *bufio.Reader, errOut io.Writer) string {
	fmt.Fprint(errOut, "Password: ")
	line, _ := in.ReadString('\n')
	return strings.TrimSuffix(line, "\n")
}

// Opt is one parsed option.
type Opt struct {
	Name rune
	Arg  string
}

// Getopt parses args like POSIX getopt with a "+" optstring: options stop
// at the first non-option. bad reports an unknown option or a missing
// argument (NUT then prints the usage).
func Getopt(args []string, spec string) (opts []Opt, rest []string, bad bool) {
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
		for j := 1; j < len(a); j++ {
			o := rune(a[j])
			k := strings.IndexRune(spec, o)
			if k < 0 || o == ':' {
				return opts, nil, true
			}
			if k+1 < len(spec) && spec[k+1] == ':' {
				arg := a[j+1:]
				if arg == "" {
					if i+1 >= len(args) {
						return opts, nil, true
					}
					i++
					arg = args[i]
				}
				opts = append(opts, Opt{o, arg})
				break
			}
			opts = append(opts, Opt{o, ""})
		}
	}
	return opts, args[i:], false
}

// Finish handles the reply to SET VAR or INSTCMD as upsrw and upscmd do:
// anything not starting with OK is fatal ("Unexpected response from
// upsd: ..."); else the reply is printed on stderr, or with -w (and a
// well-formed "OK TRACKING <id>") GET TRACKING is polled once a second
// until the answer is not PENDING, which is printed; 2.8.0 exits 0 even
// for ERR results.
func Finish(c *client.Client, r string, wait bool, timeout int, clk Clock, stderr io.Writer) int {
	if !strings.HasPrefix(r, "OK") {
		fmt.Fprintf(stderr, "Unexpected response from upsd: %s\n", r)
		return 1
	}
	if !wait || len(r) != len("OK TRACKING ")+36 {
		fmt.Fprintf(stderr, "%s\n", r)
		return 0
	}
	id := r[len("OK TRACKING "):]
	start := clk.Now()
	for {
		if clk.Since(start) >= time.Duration(timeout)*time.Second {
			fmt.Fprintf(stderr, "Can't receive status tracking information: timeout\n")
			return 1
		}
		ans, err := c.Do("GET TRACKING " + id)
		if err != nil {
			fmt.Fprintf(stderr, "Can't receive status tracking information: %s\n", ErrText(err))
			return 1
		}
		if !strings.HasPrefix(ans, "PENDING") {
			fmt.Fprintf(stderr, "%s\n", ans)
			return 0
		}
		clk.Sleep(time.Second)
	}
}

// Clock is the part of internal/clock the -w polling needs.
type Clock interface {
	Now() time.Time
	Since(time.Time) time.Duration
	Sleep(time.Duration)
}

// Login is what upsrw and upscmd share before their write: -u and -p (or
// prompts for what they did not give), and -t's timeout.
type Login struct {
	User, Pass         string
	HaveUser, HavePass bool
	// Timeout is -t, in seconds (10 by default).
	Timeout int
}

// Option takes -u, -p or -t and reports whether o was one of them; a bad
// -t value is an error with NUT's message.
func (l *Login) Option(o Opt) (bool, error) {
	switch o.Name {
	case 'u':
		l.User, l.HaveUser = o.Arg, true
	case 'p':
		l.Pass, l.HavePass = o.Arg, true
	case 't':
		n, err := strconv.ParseUint(o.Arg, 10, 31)
		if err != nil {
			return true, errors.New("Could not convert the provided value for timeout ('-t' option) to unsigned int")
		}
		l.Timeout = int(n)
	default:
		return false, nil
	}
	return true, nil
}

// Prompt asks for the user (on out) and the password (on errOut) that -u
// and -p did not give.
func (l *Login) Prompt(in *bufio.Reader, out, errOut io.Writer) error {
	if !l.HaveUser {
		u, err := PromptUser(in, out)
		if err != nil {
			return err
		}
		l.User = u
	}
	if !l.HavePass {
		l.Pass = PromptPassword(in, errOut)
	}
	return nil
}

// Send sends USERNAME and PASSWORD raw, unquoted, as upsrw and upscmd do;
// the error carries their wording ("Set username failed: ...").
func (l *Login) Send(c *client.Client) error {
	if _, err := c.Do("USERNAME " + l.User); err != nil {
		return fmt.Errorf("Set username failed: %s", ErrText(err))
	}
	if _, err := c.Do("PASSWORD " + l.Pass); err != nil {
		return fmt.Errorf("Set password failed: %s", ErrText(err))
	}
	return nil
}

// Track sends SET TRACKING ON for -w; what names the tracking in the
// error ("command status", "set variable status").
func Track(c *client.Client, what string) error {
	r, err := c.Do("SET TRACKING ON")
	if err != nil {
		return fmt.Errorf("Enabling %s tracking failed: %s", what, ErrText(err))
	}
	if !strings.HasPrefix(r, "OK") {
		return fmt.Errorf("Enabling %s tracking failed. upsd answered: %s", what, r)
	}
	return nil
}

// Dial reads upsname[@hostname[:port]] and connects in clear text, as
// upsrw and upscmd do; the error is the text they print (libupsclient's
// upscli_splitaddr line first, when there is one).
func Dial(name string) (ups string, c *client.Client, err error) {
	ups, host, port, err := SplitName(name)
	if err != nil {
		return "", nil, errors.New(Notice(err) + "Error: invalid UPS definition.  Required format: upsname[@hostname[:port]]")
	}
	c, err = Connect(host, port, false)
	if err != nil {
		return "", nil, fmt.Errorf("Error: %s", err)
	}
	return ups, c, nil
}
