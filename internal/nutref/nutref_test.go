package nutref_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/nutref"
)

// startServer brings up real dummy-ups on the Ellipse ECO 650 .dev file and
// real upsd in front of it, and returns the instance.
func startServer(t *testing.T) (*nutref.Kit, *nutref.Instance) {
	t.Helper()
	k := nutref.Require(t)
	inst := k.NewInstance(t)
	dev, err := os.ReadFile(filepath.Join("testdata", "ellipse-eco-650.dev"))
	if err != nil {
		t.Fatal(err)
	}
	inst.WriteFile("eco.dev", string(dev))
	inst.WriteFile("ups.conf", "[eco]\n\tdriver = dummy-ups\n\tport = eco.dev\n\tdesc = \"Ellipse ECO 650\"\n")
	inst.WriteFile("upsd.conf", inst.Listen())
	inst.WriteFile("upsd.users", "[admin]\n\tpassword = secret\n\tactions = SET\n\tinstcmds = ALL\n\tupsmon primary\n")

	drv := inst.Start(t, "dummy-ups", "-a", "eco")
	nutref.WaitSocket(t, inst.DriverSocket("dummy-ups", "eco"), 10*time.Second, drv)
	upsd := inst.Start(t, "upsd")
	nutref.WaitPort(t, inst.Addr(), 10*time.Second, upsd)
	return k, inst
}

// TestUpsdDummyUpsUpsc is the kit's proof: real upsd serves what real
// dummy-ups read from a .dev file, and real upsc reads it back.
func TestUpsdDummyUpsUpsc(t *testing.T) {
	_, inst := startServer(t)

	// dummy-ups reports ups.status WAIT until its first poll has read the
	// .dev file, and upsd may answer DATA-STALE before the driver's dump.
	var status string
	nutref.WaitFor(t, 10*time.Second, func() bool {
		out, _, err := inst.Output(t, "upsc", inst.Target("eco"), "ups.status")
		status = strings.TrimSpace(out)
		return err == nil && status != "WAIT"
	})
	if status != "OL" {
		t.Errorf("upsc eco ups.status = %q, want OL", status)
	}

	out, _, err := inst.Output(t, "upsc", inst.Target("eco"))
	if err != nil {
		t.Fatalf("upsc eco: %v\n%s", err, out)
	}
	for _, want := range []string{
		"device.model: Ellipse ECO 650",
		"battery.runtime: 2156",
		"driver.name: dummy-ups",
		"ups.vendorid: 0463",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("upsc eco lacks %q; got:\n%s", want, out)
		}
	}

	out, _, err = inst.Output(t, "upsc", "-l", inst.Addr())
	if err != nil || out != "eco\n" {
		t.Errorf("upsc -l = %q, %v; want eco", out, err)
	}
	// Run keeps stderr in: Debian's NSS-enabled client says so on stderr.
	comb, err := inst.Run(t, "upsc", "-l", inst.Addr())
	if err != nil || !strings.Contains(comb, "eco\n") {
		t.Errorf("Run upsc -l = %q, %v", comb, err)
	}
}

// TestStopAndLog checks that Stop ends a daemon by PID and that its output
// is captured.
func TestStopAndLog(t *testing.T) {
	k := nutref.Require(t)
	inst := k.NewInstance(t)
	// upsd 2.8.0 refuses to start without at least one UPS in ups.conf;
	// the driver need not run.
	inst.WriteFile("ups.conf", "[eco]\n\tdriver = dummy-ups\n\tport = eco.dev\n")
	inst.WriteFile("upsd.conf", inst.Listen())
	inst.WriteFile("upsd.users", "")
	p := inst.Start(t, "upsd")
	nutref.WaitPort(t, inst.Addr(), 10*time.Second, p)
	p.Stop()
	if !p.Exited() {
		t.Fatal("upsd still running after Stop")
	}
	if !strings.Contains(p.Log(), "Network UPS Tools upsd "+nutref.Version) {
		t.Errorf("upsd log lacks its banner:\n%s", p.Log())
	}
	p.Stop() // a second Stop is harmless
}

// TestBin checks that Bin skips Debian's shell wrappers and finds every
// program the other packages use.
func TestBin(t *testing.T) {
	k := nutref.Require(t)
	for _, name := range []string{"upsd", "upsmon", "upssched", "upsc", "upsrw", "upscmd", "upsdrvctl", "dummy-ups", "mge-shut", "usbhid-ups", "upsstats.cgi", "upsset.cgi"} {
		t.Run(name, func(t *testing.T) {
			p := k.Bin(name)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(b), "\x7fELF") {
				t.Errorf("Bin(%q) = %s is not an ELF program (a Debian wrapper script?)", name, p)
			}
		})
	}
	for _, name := range []string{"ups.conf", "upsd.conf", "upsd.users", "upsmon.conf", "upssched.conf", "nut.conf", "hosts.conf", "upsset.conf"} {
		if _, err := os.Stat(k.SampleConf(name)); err != nil {
			t.Errorf("sample %s: %v", name, err)
		}
	}
}

// TestWriteFileMode checks the 0600 rule NUT wants for files with passwords.
func TestWriteFileMode(t *testing.T) {
	k := nutref.Require(t)
	inst := k.NewInstance(t)
	inst.WriteFile("upsd.users", "x")
	fi, err := os.Stat(inst.Path("upsd.users"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	fi, err = os.Stat(inst.StatePath)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("state path: %v, %v; want mode 0700", fi.Mode().Perm(), err)
	}
}

// TestReapStray checks that a driver which escaped its starter (upsdrvctl
// backgrounds it) is stopped when the test that made the instance ends.
func TestReapStray(t *testing.T) {
	k := nutref.Require(t)
	var pid int
	t.Run("inner", func(t *testing.T) {
		inst := k.NewInstance(t)
		inst.WriteFile("eco.dev", "ups.status: OL\n")
		inst.WriteFile("ups.conf", "driverpath = "+k.DriverPath()+"\n[eco]\n\tdriver = dummy-ups\n\tport = eco.dev\n")
		if out, err := inst.Run(t, "upsdrvctl", "start", "eco"); err != nil {
			t.Fatalf("upsdrvctl start: %v\n%s", err, out)
		}
		nutref.WaitSocket(t, inst.DriverSocket("dummy-ups", "eco"), 10*time.Second)
		// The PID file may still be empty right after the socket appears.
		nutref.WaitFor(t, 5*time.Second, func() bool {
			b, _ := os.ReadFile(filepath.Join(inst.StatePath, "dummy-ups-eco.pid"))
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			return pid > 0
		})
	})
	if pid == 0 {
		t.Fatal("no driver PID")
	}
	// Killed with SIGKILL by PID; the orphan is reaped by init, so wait
	// briefly for it to disappear. (Left alone, dummy-ups notices its
	// directory is gone only at its next poll, a second or more later.)
	nutref.WaitFor(t, 300*time.Millisecond, func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		return err != nil || strings.Contains(string(b), ") Z ")
	})
}

// TestUpsmon checks that real upsmon runs from the kit and logs into real
// upsd. Note: upsmon 2.8.0 ignores NUT_ALTPIDPATH for its PID file (it
// tries /run/nut/upsmon.pid and carries on), so "upsmon -c fsd" needs
// "-P <pid>" in tests.
func TestUpsmon(t *testing.T) {
	_, inst := startServer(t)
	inst.WriteFile("upsmon.conf", strings.Join([]string{
		"MONITOR " + inst.Target("eco") + " 1 admin secret primary",
		"MINSUPPLIES 1",
		"SHUTDOWNCMD \"/bin/true\"",
		"POLLFREQ 1",
		"POWERDOWNFLAG " + filepath.Join(inst.StatePath, "killpower"),
		"",
	}, "\n"))
	mon := inst.Start(t, "upsmon", "-D")
	nutref.WaitFor(t, 15*time.Second, func() bool {
		return strings.Contains(mon.Log(), "Logged into UPS eco@") // a -D message
	}, mon)
	// Every client login shows in upsd's LIST CLIENT.
	nutref.WaitFor(t, 10*time.Second, func() bool {
		out, _, err := inst.Output(t, "upsc", "-c", inst.Target("eco"))
		return err == nil && strings.Contains(out, "127.0.0.1")
	}, mon)
}
