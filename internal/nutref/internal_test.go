package nutref

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestArgs(t *testing.T) {
	root := os.Geteuid() == 0
	tests := []struct {
		name string
		prog string
		args []string
		want []string // as non-root; as root "-u root" comes first where noted
		user bool
	}{
		{"upsd gets -F", "upsd", nil, []string{"-F"}, true},
		{"upsd keeps -D", "upsd", []string{"-DD"}, []string{"-DD"}, true},
		{"upsd keeps -FF", "upsd", []string{"-FF"}, []string{"-FF"}, true},
		{"upsmon gets -F", "upsmon", []string{"-p"}, []string{"-F", "-p"}, true},
		{"driver gets -F", "dummy-ups", []string{"-a", "eco"}, []string{"-F", "-a", "eco"}, true},
		{"driver keeps -B", "mge-shut", []string{"-B", "-a", "x"}, []string{"-B", "-a", "x"}, true},
		{"explicit user kept", "upsd", []string{"-u", "nut"}, []string{"-F", "-u", "nut"}, false},
		{"client untouched", "upsc", []string{"eco@localhost"}, []string{"eco@localhost"}, false},
		{"upssched untouched", "upssched", nil, nil, false},
		{"cgi untouched", "upsstats.cgi", nil, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := withUser(tc.prog, withForeground(tc.prog, slices.Clone(tc.args)))
			want := tc.want
			if root && tc.user {
				want = append([]string{"-u", "root"}, want...)
			}
			if !slices.Equal(got, want) {
				t.Errorf("args for %s %q = %q, want %q", tc.prog, tc.args, got, want)
			}
		})
	}
}

func TestOpenMissing(t *testing.T) {
	t.Setenv("UPSLAB_NUT_CACHE", t.TempDir())
	_, err := Open()
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("Open on an empty cache = %v, want a not-found error", err)
	}
}

func TestEnv(t *testing.T) {
	k := Require(t)
	inst := k.NewInstance(t)
	env := inst.Env()
	for _, v := range []string{"NUT_CONFPATH=" + inst.ConfPath, "NUT_STATEPATH=" + inst.StatePath, "NUT_ALTPIDPATH=" + inst.StatePath} {
		if !slices.Contains(env, v) {
			t.Errorf("Env lacks %s: %q", v, env)
		}
	}
	for _, p := range []string{"LD_LIBRARY_PATH=" + k.Root, "PYTHONPATH=" + k.Root} {
		if !slices.ContainsFunc(env, func(s string) bool { return strings.HasPrefix(s, p) }) {
			t.Errorf("Env lacks %s...: %q", p, env)
		}
	}
	if slices.ContainsFunc(env, func(s string) bool { return strings.HasPrefix(s, "PATH=") || strings.HasPrefix(s, "HOME=") }) {
		t.Errorf("Env must hold only the instance's own variables: %q", env)
	}
}

// TestPyNUT checks that python3-nut is importable with the instance's
// environment (PyNUT is NUT's own Python client, useful as a second
// reference client).
func TestPyNUT(t *testing.T) {
	k := Require(t)
	inst := k.NewInstance(t)
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no python3")
	}
	cmd := inst.Command(t.Context(), "upsc") // borrow the environment
	cmd.Path = "/usr/bin/python3"
	cmd.Args = []string{"python3", "-c", "import PyNUT; print(PyNUT.PyNUTClient.__name__)"}
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "PyNUTClient" {
		t.Errorf("import PyNUT: %v\n%s", err, out)
	}
}
