package driver

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/nutref"
)

// syncBuffer is a bytes.Buffer safe for the driver's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestInteropRealUpsd: real NUT 2.8.0 upsd attaches to our driver's socket
// (port=sim, in this process); real upsc reads the UPS through it; real
// upscmd and upsrw, through real upsd, reach our driver and change the
// simulated device.
func TestInteropRealUpsd(t *testing.T) {
	k := nutref.Require(t)
	inst := k.NewInstance(t)
	ctl := filepath.Join(inst.StatePath, "ctl")
	inst.WriteFile("ups.conf", "[eco]\n\tdriver = usbhid-ups\n\tport = sim\n\tsimcontrol = "+ctl+"\n\tdesc = \"simulated Ellipse ECO\"\n")
	inst.WriteFile("upsd.conf", inst.Listen())
	inst.WriteFile("upsd.users", "[admin]\n\tpassword = secret\n\tactions = SET\n\tinstcmds = ALL\n")
	t.Setenv("NUT_CONFPATH", inst.ConfPath)
	t.Setenv("NUT_STATEPATH", inst.StatePath)

	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- RunContext(ctx, "usbhid-ups", []string{"-a", "eco"}, &stdout, &stderr) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("our driver's log:\n%s%s", stdout.String(), stderr.String())
		}
	})
	nutref.WaitSocket(t, inst.DriverSocket("usbhid-ups", "eco"), 10*time.Second)
	upsd := inst.Start(t, "upsd")
	nutref.WaitPort(t, inst.Addr(), 10*time.Second)

	var last string
	upsc := func(v string) string {
		out, _ := inst.Run(t, "upsc", inst.Target("eco"), v)
		last = strings.TrimSpace(out)
		// upsc also says "Init SSL without certificate database" (on
		// stderr, which Run returns too): the value is the last line.
		lines := strings.Split(last, "\n")
		return strings.TrimSpace(lines[len(lines)-1])
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last upsc output: %s", last)
		}
	})
	nutref.WaitFor(t, 10*time.Second, func() bool { return upsc("ups.status") == "OL" })
	for v, want := range map[string]string{
		"device.model":       "Ellipse ECO 650",
		"driver.name":        "usbhid-ups",
		"ups.beeper.status":  "enabled",
		"battery.charge.low": "20",
	} {
		if got := upsc(v); got != want {
			t.Errorf("upsc %s = %q, want %q", v, got, want)
		}
	}
	out, err := inst.Run(t, "upscmd", "-l", inst.Target("eco"))
	if err != nil || !strings.Contains(out, "beeper.disable") {
		t.Errorf("upscmd -l: %v\n%s", err, out)
	}

	// -w waits for the driver's TRACKING answer: upscmd then prints SUCCESS.
	out, err = inst.Run(t, "upscmd", "-u", "admin", "-p", "secret", "-w", inst.Target("eco"), "beeper.disable")
	if err != nil || !strings.Contains(out, "SUCCESS") {
		t.Fatalf("upscmd beeper.disable: %v\n%s", err, out)
	}
	nutref.WaitFor(t, 10*time.Second, func() bool { return upsc("ups.beeper.status") == "disabled" })

	out, err = inst.Run(t, "upsrw", "-s", "battery.charge.low=30", "-u", "admin", "-p", "secret", "-w", inst.Target("eco"))
	if err != nil || !strings.Contains(out, "SUCCESS") {
		t.Fatalf("upsrw battery.charge.low=30: %v\n%s", err, out)
	}
	nutref.WaitFor(t, 10*time.Second, func() bool { return upsc("battery.charge.low") == "30" })

	// A pulled cable: our driver sends DATASTALE, real upsd reports it.
	simctl(t, ctl, "cable unplug")
	nutref.WaitFor(t, 10*time.Second, func() bool { return upsc("ups.status") == "Error: Data stale" })
	simctl(t, ctl, "cable replug")
	nutref.WaitFor(t, 10*time.Second, func() bool { return upsc("ups.status") == "OL" })

	// upsd restarts: NUT 2.8.0 drivers abort at their next broadcast
	// (daemons.md §6.4); ours keep serving the new upsd.
	upsd.Stop()
	upsd = inst.Start(t, "upsd")
	nutref.WaitPort(t, inst.Addr(), 10*time.Second, upsd)
	simctl(t, ctl, "mains off")
	nutref.WaitFor(t, 10*time.Second, func() bool { return strings.HasPrefix(upsc("ups.status"), "OB") })
}

// simctl sends one command to the simulator's control socket.
func simctl(t *testing.T, path, cmd string) {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(cmd + "\n")); err != nil {
		t.Fatal(err)
	}
	l, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || strings.TrimSpace(l) != "OK" {
		t.Fatalf("simctl %s: %q, %v", cmd, l, err)
	}
}
