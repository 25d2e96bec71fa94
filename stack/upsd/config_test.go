package upsd

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/upslab/upslab/stack/conf"
)

func TestUPSFromConf(t *testing.T) {
	src := `
[eco]
	driver = usbhid-ups
	port = auto
	desc = "Ellipse ECO"
[half]
	driver = dummy-ups
[ECO]
	driver = dummy-ups
	port = other.dev
[nodesc]
	driver = dummy-ups
	port = x.dev
`
	c, _, err := conf.ParseUPSConf(strings.NewReader(src), "ups.conf")
	if err != nil {
		t.Fatal(err)
	}
	got := UPSFromConf(c)
	want := []UPSConf{
		{Name: "eco", Driver: "usbhid-ups", Port: "auto", Desc: "Ellipse ECO", HasDesc: true},
		{Name: "nodesc", Driver: "dummy-ups", Port: "x.dev"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("UPSFromConf:\n got %+v\nwant %+v", got, want)
	}
}

func TestParseUsers(t *testing.T) {
	us, _, err := ParseUsers(strings.NewReader(testUsers), "upsd.users")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user, pass, action, cmd string
		want                          bool
	}{
		{"admin SET any case", "admin", "adminpass", "set", "", true},
		{"admin FSD", "admin", "adminpass", "FSD", "", true},
		{"admin wrong password", "admin", "nope", "SET", "", false},
		{"admin instcmds ALL", "admin", "adminpass", "", "load.off", true},
		{"primary gets master", "monprimary", "primpass", "MASTER", "", true},
		{"primary gets fsd", "monprimary", "primpass", "FSD", "", true},
		{"primary no SET", "monprimary", "primpass", "SET", "", false},
		{"secondary login", "monsecondary", "secpass", "LOGIN", "", true},
		{"secondary no master", "monsecondary", "secpass", "MASTER", "", false},
		{"listed command", "cmdonly", "cmdpass", "", "LOAD.OFF", true},
		{"unlisted command", "cmdonly", "cmdpass", "", "beeper.disable", false},
		{"no password never matches", "nopass", "", "SET", "", false},
		{"user names are case-sensitive", "ADMIN", "adminpass", "SET", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got bool
			if tc.cmd != "" {
				got = us.CheckInstCmd(tc.user, tc.pass, true, true, tc.cmd)
			} else {
				got = us.CheckAction(tc.user, tc.pass, true, true, tc.action)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestConfLog(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		mode os.FileMode
		src  string
		want []string
	}{
		{"private, clean", 0o600, "[a]\n\tpassword = x\n", nil},
		{"world readable, upsd's words", 0o644, "[a]\n\tpassword = x\n",
			[]string{"%s is world readable"}},
		{"group readable, conf's hint", 0o640, "[a]\n\tpassword = x\n",
			[]string{"%s: this file holds passwords and is readable by group (mode 0640): fix it with chmod 0600 %[1]s (owned by the user the daemon runs as)"}},
		{"unknown setting", 0o600, "[a]\n\tfoo = bar\n",
			[]string{"Unrecognized user setting foo"}},
		{"error keeps file:line", 0o600, "[a]\n\tupsmon boss\n",
			[]string{"%s:2:9: Unknown upsmon type boss: expected upsmon primary or upsmon secondary (master/slave accepted)"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "u"+string(rune('a'+i)))
			if err := os.WriteFile(p, []byte(tc.src), tc.mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(p, tc.mode)
			var got []string
			_, err := loadConf(p, conf.LoadUsersConf, func(f string, a ...any) {
				got = append(got, strings.ReplaceAll(a[0].(string), p, "%s"))
			})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, w := range tc.want {
				want = append(want, strings.ReplaceAll(w, "%[1]s", "%s"))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
	missing := filepath.Join(dir, "missing")
	_, err := loadConf(missing, conf.LoadUsersConf, t.Logf)
	if got, want := cantOpen(missing, err), "Can't open "+missing+": No such file or directory"; got != want {
		t.Errorf("missing file: %q, want %q", got, want)
	}
}
