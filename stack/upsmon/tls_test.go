package upsmon

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/dstate"
	"github.com/upslab/upslab/stack/upsd"
)

// TLSUpsd is our upsd on a loopback port, with CERTFILE's certificate
// when cert is set; it records its log. It is exported (in a test file)
// for the interop test in package upsmon_test too.
type TLSUpsd struct {
	Addr  string
	mu    sync.Mutex
	logs  []string
	Lines chan string // every log line, dropped when nobody reads
}

// Log returns upsd's log so far.
func (u *TLSUpsd) Log() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return strings.Join(u.logs, "\n")
}

// StartTLSUpsd starts a TLSUpsd for the test.
func StartTLSUpsd(t *testing.T, cert []byte) *TLSUpsd {
	t.Helper()
	u := &TLSUpsd{Lines: make(chan string, 100)}
	s := upsd.New(nil)
	s.Logf = func(f string, a ...any) {
		u.mu.Lock()
		u.logs = append(u.logs, fmt.Sprintf(f, a...))
		u.mu.Unlock()
		select {
		case u.Lines <- fmt.Sprintf(f, a...):
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
	u.Addr = l.Addr().String()
	s.Start()
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return u
}

func selfSigned(t *testing.T) []byte {
	t.Helper()
	now := time.Now()
	pem, err := upsd.SelfSignedCert([]string{"127.0.0.1", "localhost"}, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return pem
}

// TestConnectTLS runs the shell's connect (STARTTLS, then the login)
// against our upsd with and without a certificate, under upsmon.conf's TLS
// settings, and checks what NUT 2.8.0's upsmon would do: upsd logs the
// login with " (SSL)" exactly when the link is encrypted.
func TestConnectTLS(t *testing.T) {
	cert, other := selfSigned(t), selfSigned(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	goodDir := filepath.Dir(write("good/upsd.pem", cert))
	goodFile := write("upsd.pem", cert)
	otherDir := filepath.Dir(write("other/ca.crt", other))
	nssDir := filepath.Dir(write("nss/cert9.db", []byte("SQLite format 3\x00")))

	for _, tc := range []struct {
		name       string
		cert       bool   // upsd has CERTFILE
		conf       string // upsmon.conf TLS lines
		login      string // upsd's login line; "" = no login
		err        string // Connected.Err
		logs       []string
		notLogs    []string
		impossible bool
	}{
		{name: "no certificate: clear text", login: "User mon@127.0.0.1 logged into UPS [eco]",
			notLogs: []string{"Certificate verification is disabled"}},
		{name: "certificate: TLS without verification", cert: true, login: "User mon@127.0.0.1 logged into UPS [eco] (SSL)",
			logs: []string{"Connected to NUT server 127.0.0.1 in SSL", "Certificate verification is disabled"}},
		{name: "FORCESSL and no certificate", conf: "FORCESSL 1", err: "SSL is not available",
			logs: []string{"Can not connect to NUT server 127.0.0.1 in SSL, disconnect"}},
		{name: "FORCESSL with a certificate", cert: true, conf: "FORCESSL 1", login: "User mon@127.0.0.1 logged into UPS [eco] (SSL)"},
		{name: "CERTVERIFY with a CA directory", cert: true, conf: "CERTVERIFY 1\nCERTPATH " + goodDir,
			login: "User mon@127.0.0.1 logged into UPS [eco] (SSL)", logs: []string{"Connected to NUT server 127.0.0.1 in SSL"},
			notLogs: []string{"Certificate verification is disabled"}},
		{name: "CERTVERIFY with a PEM file", cert: true, conf: "CERTVERIFY 1\nCERTPATH " + goodFile,
			login: "User mon@127.0.0.1 logged into UPS [eco] (SSL)"},
		{name: "CERTVERIFY with the wrong CA", cert: true, conf: "CERTVERIFY 1\nCERTPATH " + otherDir, err: "SSL error: ",
			logs: []string{"Error while connecting to 127.0.0.1, disconnect"}},
		{name: "CERTVERIFY with an NSS database", cert: true, conf: "CERTVERIFY 1\nCERTPATH " + nssDir,
			err: "SSL error: CERTPATH " + nssDir + " holds no PEM certificate"},
		{name: "CERTVERIFY and no certificate", conf: "CERTVERIFY 1\nCERTPATH " + goodDir, err: "SSL is not available",
			logs: []string{"Can not connect to 127.0.0.1 in SSL and certificate is needed, disconnect"}},
		{name: "CERTVERIFY without CERTPATH", cert: true, conf: "CERTVERIFY 1", err: "Connection impossible", impossible: true,
			logs: []string{"Configuration error: CERTVERIFY is set, but CERTPATH isn't"}},
		{name: "CERTHOST overrides CERTVERIFY", cert: true, conf: "CERTVERIFY 1\nCERTHOST 127.0.0.1 upsd 0 0",
			login: "User mon@127.0.0.1 logged into UPS [eco] (SSL)", logs: []string{"Certificate verification is disabled"}},
		{name: "CERTHOST name must match the certificate", cert: true, conf: "CERTPATH " + goodDir + "\nCERTHOST 127.0.0.1 ups.example 1 1",
			err: "SSL error: "},
		{name: "CERTHOST FORCESSL", conf: "CERTHOST 127.0.0.1 upsd 0 1", err: "SSL is not available"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pem []byte
			if tc.cert {
				pem = cert
			}
			u := StartTLSUpsd(t, pem)
			cfg, warns, err := Parse("upsmon.conf", []byte("MONITOR eco@"+u.Addr+" 1 mon pw primary\n"+tc.conf+"\n"))
			if err != nil || len(warns) != 0 {
				t.Fatalf("config: %v %q", err, warns)
			}
			var logs []string
			d := NewDaemon(New(cfg, clock.Real()), clock.Real())
			d.Log = func(l Level, s string) { logs = append(logs, s) }
			res := d.connect(context.Background(), cfg.Monitors[0]).(Connected)
			d.closeAll(true)
			switch {
			case tc.err == "" && (res.Err != nil || res.AuthErr != nil):
				t.Fatalf("connect: %+v %+v; logs %q", res.Err, res.AuthErr, logs)
			case tc.err != "" && (res.Err == nil || !strings.HasPrefix(res.Err.String(), tc.err)):
				t.Fatalf("connect error %v, want %q...; logs %q", res.Err, tc.err, logs)
			}
			if res.Impossible != tc.impossible {
				t.Errorf("Impossible = %v", res.Impossible)
			}
			if tc.login != "" && !slices.Contains(strings.Split(u.Log(), "\n"), tc.login) {
				t.Errorf("upsd log lacks %q:\n%s", tc.login, u.Log())
			}
			if tc.login == "" && strings.Contains(u.Log(), "logged into") {
				t.Errorf("logged in although the connection should have been dropped:\n%s", u.Log())
			}
			for _, w := range tc.logs {
				if !slices.ContainsFunc(logs, func(s string) bool { return strings.HasPrefix(s, w) }) {
					t.Errorf("no log %q in %q", w, logs)
				}
			}
			for _, w := range tc.notLogs {
				if slices.Contains(logs, w) {
					t.Errorf("unexpected log %q", w)
				}
			}
		})
	}
}

// TestDaemonConnectionImpossible: CERTVERIFY without CERTPATH is refused
// before any connection, with NUT 2.8.0's two lines, at every attempt.
func TestDaemonConnectionImpossible(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg, _, _ := Parse("upsmon.conf", []byte("MONITOR eaton@localhost 1 upsmon pw secondary\nSHUTDOWNCMD true\nCERTVERIFY 1\n"))
		var logs []string
		d := NewDaemon(New(cfg, clock.Real()), clock.Real())
		d.Dial = func(ctx context.Context, addr string) (Conn, error) {
			t.Error("dialled although the configuration forbids it")
			return nil, net.ErrClosed
		}
		d.Log = func(l Level, s string) { logs = append(logs, s) }
		done := make(chan int)
		go func() { done <- d.Run(context.Background()) }()
		time.Sleep(7 * time.Second)
		d.Send(Command{Kind: CmdStop, Signal: 15})
		<-done
		want := []string{
			"Configuration error: CERTVERIFY is set, but CERTPATH isn't",
			"UPS [eaton@localhost]: Connection impossible, dropping link",
			"Communications with UPS eaton@localhost lost",
		}
		for i := 0; i+len(want) <= len(logs); i++ {
			if slices.Equal(logs[i:i+len(want)], want) {
				return
			}
		}
		t.Errorf("logs %q lack %q", logs, want)
	})
}
