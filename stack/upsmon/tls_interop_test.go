package upsmon_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/nutref"
	"github.com/upslab/upslab/stack/upsd"
	"github.com/upslab/upslab/stack/upsmon"
)

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
			u := upsmon.StartTLSUpsd(t, pem)
			inst := k.NewInstance(t)
			inst.WriteFile("upsmon.conf", "MONITOR eco@"+u.Addr+" 1 mon pw primary\nSHUTDOWNCMD \"true\"\n")
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
					t.Logf("upsmon log:\n%s\nupsd log:\n%s", log.String(), u.Log())
				}
			})
			timeout := time.NewTimer(10 * time.Second)
			defer timeout.Stop()
			for {
				select {
				case l := <-u.Lines:
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
