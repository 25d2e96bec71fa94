package upsmon_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/nutref"
	"github.com/upslab/upslab/stack/dstate"
	"github.com/upslab/upslab/stack/upsd"
)

// tlsUpsd is our upsd on a loopback port, with CERTFILE's certificate
// when cert is set; lines gets its log lines.
type tlsUpsd struct {
	addr  string
	mu    sync.Mutex
	logs  []string
	lines chan string
}

func (u *tlsUpsd) log() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return strings.Join(u.logs, "\n")
}

func startTLSUpsd(t *testing.T, cert []byte) *tlsUpsd {
	t.Helper()
	u := &tlsUpsd{lines: make(chan string, 100)}
	s := upsd.New(nil)
	s.Logf = func(f string, a ...any) {
		l := fmt.Sprintf(f, a...)
		u.mu.Lock()
		u.logs = append(u.logs, l)
		u.mu.Unlock()
		select {
		case u.lines <- l:
		default:
		}
	}
	if cert != nil {
		kp, err := tls.X509KeyPair(cert, cert)
		if err != nil {
			t.Fatal(err)
		}
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{kp}}
	}
	us, _, err := upsd.ParseUsers(strings.NewReader("[mon]\n\tpassword = pw\n\tupsmon primary\n"), "upsd.users")
	if err != nil {
		t.Fatal(err)
	}
	s.SetUsers(us)
	tab := &dstate.Table{}
	tab.Set("ups.status", "OL")
	s.AttachTable("eco", "", tab, nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u.addr = l.Addr().String()
	s.Start()
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return u
}

// TestInteropSTARTTLS: real upsmon (Debian's NUT 2.8.0, NSS) and ours,
// each against our upsd with and without CERTFILE and no TLS settings in
// upsmon.conf: both try STARTTLS, go on in clear text when upsd has no
// certificate, and log in over TLS when it has one (" (SSL)").
func TestInteropSTARTTLS(t *testing.T) {
	k := nutref.Require(t)
	ours := ourBin(t)
	now := time.Now()
	cert, err := upsd.SelfSignedCert([]string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, upsmon string
		cert         bool
		want         string
	}{
		{"real upsmon, no certificate", k.Bin("upsmon"), false, "User mon@127.0.0.1 logged into UPS [eco]"},
		{"real upsmon, certificate", k.Bin("upsmon"), true, "User mon@127.0.0.1 logged into UPS [eco] (SSL)"},
		{"our upsmon, no certificate", filepath.Join(ours, "upsmon"), false, "User mon@127.0.0.1 logged into UPS [eco]"},
		{"our upsmon, certificate", filepath.Join(ours, "upsmon"), true, "User mon@127.0.0.1 logged into UPS [eco] (SSL)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pem []byte
			if tc.cert {
				pem = cert
			}
			u := startTLSUpsd(t, pem)
			inst := k.NewInstance(t)
			inst.WriteFile("upsmon.conf", "MONITOR eco@"+u.addr+" 1 mon pw primary\nSHUTDOWNCMD \"true\"\n")
			args := []string{"-F", "-D"}
			if os.Geteuid() == 0 {
				args = append(args, "-u", "root")
			}
			var log bytes.Buffer
			c := exec.Command(tc.upsmon, args...)
			c.Env = append(os.Environ(), inst.Env()...)
			c.Stdout, c.Stderr = &log, &log
			c.WaitDelay = time.Second
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				_ = c.Process.Kill()
				_ = c.Wait()
				if t.Failed() {
					t.Logf("upsmon log:\n%s\nupsd log:\n%s", log.String(), u.log())
				}
			})
			timeout := time.NewTimer(10 * time.Second)
			defer timeout.Stop()
			for {
				select {
				case l := <-u.lines:
					if !strings.Contains(l, "logged into") {
						continue
					}
					if l != tc.want {
						t.Fatalf("upsd logged %q, want %q", l, tc.want)
					}
					return
				case <-timeout.C:
					t.Fatal("upsmon did not log in within 10 s")
				}
			}
		})
	}
}
