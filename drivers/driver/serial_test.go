package driver

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/internal/clock"
)

// A serial device path goes to the OpenSerial hook (drivers/shut sets it);
// here a simulated ECO stands in for the SHUT line.
func TestSerialPortUsesHook(t *testing.T) {
	var opened string
	old := OpenSerial
	OpenSerial = func(path string) (hiddev.Device, io.Closer, error) {
		opened = path
		s, err := NewSim(clock.Real())
		if err != nil {
			return nil, nil, err
		}
		return s, closers{s.Device.Stop}, nil
	}
	defer func() { OpenSerial = old }()
	t.Setenv("NUT_STATEPATH", t.TempDir())
	var out, errb bytes.Buffer
	if code := RunContext(context.Background(), "mge-shut", []string{"-s", "eco", "-x", "port=/dev/null", "-d", "1"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if opened != "/dev/null" {
		t.Errorf("OpenSerial got %q", opened)
	}
	for _, want := range []string{"SHUT communication driver 0.86", "driver.name: mge-shut", "ups.status: OL"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
