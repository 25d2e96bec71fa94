package driver

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// TestDumpMatchesRealECO: the variables NUT 2.8.0 showed for a real
// Ellipse ECO 650 (NUT issue #1468, shared/fixtures) come out of the
// simulator through our driver with the same values, except driver.*
// (whose driver it is, and how it was started) and battery.runtime (it
// depends on the battery model).
func TestDumpMatchesRealECO(t *testing.T) {
	want := readVars(t, "testdata/nut-issue-1468-ellipse-eco-650-nut-2.8.0.txt")
	t.Setenv("NUT_STATEPATH", t.TempDir())
	var out, errb bytes.Buffer
	if code := RunContext(context.Background(), "usbhid-ups", []string{"-s", "eco", "-x", "port=sim", "-d", "1"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := map[string]string{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ": "); ok {
			got[k] = v
		}
	}
	skip := map[string]bool{"battery.runtime": true}
	for k, w := range want {
		if strings.HasPrefix(k, "driver.") || skip[k] {
			continue
		}
		if g, ok := got[k]; !ok {
			t.Errorf("%s missing (real ECO: %q)", k, w)
		} else if g != w {
			t.Errorf("%s = %q, real ECO %q", k, g, w)
		}
	}
}

func readVars(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	m := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		if k, v, ok := strings.Cut(l, ": "); ok {
			m[k] = v
		}
	}
	return m
}
