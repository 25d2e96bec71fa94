package conf

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/upslab/upslab/internal/nutref"
)

// sampleDir is the etc/nut of the reference NUT kit (Debian's
// nut-server, nut-client and nut-cgi 2.8.0, unpacked by
// scripts/nutref-fetch); nutref.Require skips, or fails under CI=true,
// when it is missing.
func sampleDir(t testing.TB) string {
	t.Helper()
	return filepath.Dir(nutref.Require(t).SampleConf(UpsmonConfName))
}

// TestDebianSamples parses every configuration file Debian's NUT 2.8.0
// ships in etc/nut: no error and no warning.
func TestDebianSamples(t *testing.T) {
	dir := sampleDir(t)
	for name, parse := range parsers {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			v, warns, err := parse(bytes.NewReader(data), name)
			if err != nil {
				t.Errorf("error: %v", err)
			}
			for _, w := range warns {
				t.Errorf("warning: %v", w)
			}
			if v == nil {
				t.Fatal("nil value")
			}
		})
	}
}

// TestDebianSampleValues checks what the Debian samples set.
func TestDebianSampleValues(t *testing.T) {
	dir := sampleDir(t)
	mon, _, err := LoadUpsmonConf(filepath.Join(dir, UpsmonConfName))
	if err != nil {
		t.Fatal(err)
	}
	if mon.ShutdownCmd != "/sbin/shutdown -h +0" || mon.PowerDownFlag != "/etc/killpower" || len(mon.Monitors) != 0 {
		t.Errorf("upsmon.conf: %+v", mon)
	}
	ups, _, err := LoadUPSConf(filepath.Join(dir, UPSConfName))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := ups.Lookup("maxretry"); !ok || v != "3" || len(ups.UPS) != 0 {
		t.Errorf("ups.conf: maxretry %q %v, %d UPS", v, ok, len(ups.UPS))
	}
	nut, _, err := LoadNutConf(filepath.Join(dir, NutConfName))
	if err != nil || nut.Mode != ModeNone {
		t.Errorf("nut.conf: mode %q, %v", nut.Mode, err)
	}
	sched, _, err := LoadUpsschedConf(filepath.Join(dir, UpsschedConfName))
	if err != nil || sched.CmdScript != "/bin/upssched-cmd" || len(sched.At) != 0 {
		t.Errorf("upssched.conf: %+v, %v", sched, err)
	}
}
