package client

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/stack/protocol"
)

// faker is a net.Conn that reads a canned server script and records what
// the client wrote, as net/smtp's TestBasic does.
type faker struct {
	r   io.Reader
	out bytes.Buffer
}

func (f *faker) Read(p []byte) (int, error) { return f.r.Read(p) }

func (f *faker) Write(p []byte) (int, error)      { return f.out.Write(p) }
func (f *faker) Close() error                     { return nil }
func (f *faker) LocalAddr() net.Addr              { return nil }
func (f *faker) RemoteAddr() net.Addr             { return nil }
func (f *faker) SetDeadline(time.Time) error      { return nil }
func (f *faker) SetReadDeadline(time.Time) error  { return nil }
func (f *faker) SetWriteDeadline(time.Time) error { return nil }
func newFaker(server string) *faker               { return &faker{r: strings.NewReader(server)} }
func lines(s ...string) string                    { return strings.Join(s, "\n") + "\n" }

func TestBasic(t *testing.T) {
	server := lines(
		"Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/",
		"1.3",
		"ERR FEATURE-NOT-CONFIGURED",
		"VAR eaton ups.status \"OL CHRG\"",
		"ERR DATA-STALE",
		"NUMLOGINS Eaton 2",
		"UPSDESC eaton \"Desk \\\"UPS\\\" \\\\ 1\"",
		"DESC eaton ups.status \"UPS status\"",
		"TYPE eaton ups.id RW STRING:16",
		"CMDDESC eaton load.off \"Turn off the load immediately\"",
		"BEGIN LIST UPS",
		"UPS eaton \"Eaton Ellipse\"",
		"UPS dummy \"Description unavailable\"",
		"END LIST UPS",
		"BEGIN LIST VAR eaton",
		"VAR eaton battery.charge \"100\"",
		"VAR eaton ups.status \"OL\"",
		"END LIST VAR eaton",
		"BEGIN LIST RW eaton",
		"RW eaton ups.id \"x\"",
		"END LIST RW eaton",
		"BEGIN LIST CMD eaton",
		"CMD eaton beeper.disable",
		"CMD eaton load.off",
		"END LIST CMD eaton",
		"BEGIN LIST ENUM eaton input.transfer.low",
		"ENUM eaton input.transfer.low \"103\"",
		"END LIST ENUM eaton input.transfer.low",
		"BEGIN LIST RANGE eaton input.transfer.high",
		"RANGE eaton input.transfer.high \"240\" \"260\"",
		"END LIST RANGE eaton input.transfer.high",
		"BEGIN LIST CLIENT eaton",
		"CLIENT eaton 127.0.0.1",
		"CLIENT eaton ::1",
		"END LIST CLIENT eaton",
		"OK",
		"OK",
		"OK",
		"ERR UNKNOWN-COMMAND",
		"OK MASTER-GRANTED",
		"OK FSD-SET",
		"OK",
		"OK TRACKING 2DDC5036-F665-4D29-BE4C-0374D091D263",
		"ERR FAILED",
		"OK",
		"OK Goodbye",
	)
	want := lines(
		"VER",
		"NETVER",
		"STARTTLS",
		"GET VAR eaton ups.status",
		"GET VAR eaton battery.charge",
		"GET NUMLOGINS eaton",
		"GET UPSDESC eaton",
		"GET DESC eaton ups.status",
		"GET TYPE eaton ups.id",
		"GET CMDDESC eaton load.off",
		"LIST UPS",
		"LIST VAR eaton",
		"LIST RW eaton",
		"LIST CMD eaton",
		"LIST ENUM eaton input.transfer.low",
		"LIST RANGE eaton input.transfer.high",
		"LIST CLIENT eaton",
		`USERNAME "mon user"`,
		`PASSWORD p\#ss\"\\`,
		"LOGIN eaton",
		"PRIMARY eaton",
		"MASTER eaton",
		"FSD eaton",
		`SET VAR eaton ups.id "x"`,
		`INSTCMD eaton load.off "with space"`,
		"GET TRACKING 2DDC5036-F665-4D29-BE4C-0374D091D263",
		"SET TRACKING ON",
		"LOGOUT",
	)
	f := newFaker(server)
	c := NewClient(f)
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eq := func(what string, got, want any) {
		t.Helper()
		if g, w := strings.TrimSpace(strings.ReplaceAll(fmtv(got), "\n", " ")), fmtv(want); g != w {
			t.Errorf("%s = %s, want %s", what, g, w)
		}
	}
	v, err := c.Ver()
	check("Ver", err)
	eq("Ver", v, protocol.ServerInfo)
	v, err = c.NetVer()
	check("NetVer", err)
	eq("NetVer", v, "1.3")
	err = c.StartTLS(nil)
	if !protocol.IsCode(err, protocol.ErrFeatureNotConfigured) {
		t.Errorf("StartTLS = %v, want ERR FEATURE-NOT-CONFIGURED", err)
	}
	v, err = c.GetVar("eaton", "ups.status")
	check("GetVar", err)
	eq("GetVar", v, "OL CHRG")
	_, err = c.GetVar("eaton", "battery.charge")
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != "DATA-STALE" {
		t.Errorf("GetVar stale = %v, want *protocol.Error DATA-STALE", err)
	}
	n, err := c.GetNumLogins("eaton")
	check("GetNumLogins", err)
	eq("GetNumLogins", n, 2)
	v, err = c.GetUPSDesc("eaton")
	check("GetUPSDesc", err)
	eq("GetUPSDesc", v, `Desk "UPS" \ 1`)
	v, err = c.GetDesc("eaton", "ups.status")
	check("GetDesc", err)
	eq("GetDesc", v, "UPS status")
	ty, err := c.GetType("eaton", "ups.id")
	check("GetType", err)
	eq("GetType", ty, []string{"RW", "STRING:16"})
	v, err = c.GetCmdDesc("eaton", "load.off")
	check("GetCmdDesc", err)
	eq("GetCmdDesc", v, "Turn off the load immediately")
	ups, err := c.ListUPS()
	check("ListUPS", err)
	eq("ListUPS", ups, []UPS{{"eaton", "Eaton Ellipse"}, {"dummy", "Description unavailable"}})
	vars, err := c.ListVar("eaton")
	check("ListVar", err)
	eq("ListVar", vars, []Var{{"battery.charge", "100"}, {"ups.status", "OL"}})
	vars, err = c.ListRW("eaton")
	check("ListRW", err)
	eq("ListRW", vars, []Var{{"ups.id", "x"}})
	cmds, err := c.ListCmd("eaton")
	check("ListCmd", err)
	eq("ListCmd", cmds, []string{"beeper.disable", "load.off"})
	en, err := c.ListEnum("eaton", "input.transfer.low")
	check("ListEnum", err)
	eq("ListEnum", en, []string{"103"})
	rg, err := c.ListRange("eaton", "input.transfer.high")
	check("ListRange", err)
	eq("ListRange", rg, []Range{{"240", "260"}})
	cl, err := c.ListClient("eaton")
	check("ListClient", err)
	eq("ListClient", cl, []ClientEntry{{"eaton", "127.0.0.1"}, {"eaton", "::1"}})
	check("Username", c.Username("mon user"))
	check("Password", c.Password(`p#ss"\`))
	check("Login", c.Login("eaton"))
	check("Primary", c.Primary("eaton")) // falls back to MASTER
	check("FSD", c.FSD("eaton"))
	id, err := c.SetVar("eaton", "ups.id", "x")
	check("SetVar", err)
	eq("SetVar id", id, "")
	id, err = c.InstCmd("eaton", "load.off", "with space")
	check("InstCmd", err)
	eq("InstCmd id", id, "2DDC5036-F665-4D29-BE4C-0374D091D263")
	v, err = c.GetTracking(id)
	check("GetTracking", err)
	eq("GetTracking", v, "ERR FAILED")
	check("SetTracking", c.SetTracking(true))
	check("Logout", c.Logout())

	if got := f.out.String(); got != want {
		t.Errorf("client wrote:\n%s\nwant:\n%s", got, want)
	}
}

func fmtv(v any) string {
	switch v := v.(type) {
	case string:
		return v
	default:
		return strings.TrimSpace(strings.ReplaceAll(sprint(v), "\n", " "))
	}
}

// TestInjection proves that values with line breaks never reach the wire.
func TestInjection(t *testing.T) {
	cases := map[string]func(c *Client) error{
		"username":   func(c *Client) error { return c.Username("admin\nSET VAR x y z") },
		"password":   func(c *Client) error { return c.Password("pw\r\nFSD eaton") },
		"setvar":     func(c *Client) error { _, err := c.SetVar("eaton", "ups.id", "a\nFSD eaton"); return err },
		"setvarname": func(c *Client) error { _, err := c.SetVar("eaton", "ups.id\nFSD", "a"); return err },
		"instcmd":    func(c *Client) error { _, err := c.InstCmd("eaton", "load.off", "1\nFSD eaton"); return err },
		"getvar":     func(c *Client) error { _, err := c.GetVar("eaton\n", "ups.status"); return err },
		"nul":        func(c *Client) error { _, err := c.GetVar("ea\x00ton", "ups.status"); return err },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			fk := newFaker("OK\n")
			err := f(NewClient(fk))
			if !errors.Is(err, protocol.ErrUnsafe) {
				t.Errorf("err = %v, want ErrUnsafe", err)
			}
			if fk.out.Len() != 0 {
				t.Errorf("client wrote %q", fk.out.String())
			}
		})
	}
}

func TestProtocolErrors(t *testing.T) {
	cases := []struct {
		name, server string
		run          func(c *Client) error
	}{
		{"wrong echo", "VAR other ups.status \"OL\"\n", func(c *Client) error { _, err := c.GetVar("eaton", "ups.status"); return err }},
		{"bad begin", "BEGIN LIST VAR other\nEND LIST VAR other\n", func(c *Client) error { _, err := c.ListVar("eaton"); return err }},
		{"bad item", "BEGIN LIST VAR eaton\nRW eaton x \"1\"\nEND LIST VAR eaton\n", func(c *Client) error { _, err := c.ListVar("eaton"); return err }},
		{"not ok", "WHAT\n", func(c *Client) error { return c.Login("eaton") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run(NewClient(newFaker(tc.server)))
			var pe protocol.ProtocolError
			if !errors.As(err, &pe) {
				t.Errorf("err = %v (%T), want ProtocolError", err, err)
			}
		})
	}
}

func TestListError(t *testing.T) {
	c := NewClient(newFaker("ERR UNKNOWN-UPS\n"))
	_, err := c.ListVar("nosuch")
	if !protocol.IsCode(err, protocol.ErrUnknownUPS) {
		t.Fatalf("err = %v", err)
	}
}

func TestPrimaryNoFallbackOnSuccess(t *testing.T) {
	f := newFaker("OK PRIMARY-GRANTED\n")
	if err := NewClient(f).Primary("eaton"); err != nil {
		t.Fatal(err)
	}
	if got := f.out.String(); got != "PRIMARY eaton\n" {
		t.Errorf("wrote %q", got)
	}
}
