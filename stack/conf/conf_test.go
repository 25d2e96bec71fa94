package conf

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestUnknownDirectiveWording: each program's own words for a line it
// does not know (upsd server/conf.c, upsmon and upssched clients/*.c,
// upsd's user.c), checked against NUT 2.8.0's sources.
func TestUnknownDirectiveWording(t *testing.T) {
	tests := []struct{ file, in, want string }{
		{"upsd.conf", "listen 127.0.0.1\n", "upsd.conf:1: upsd.conf: invalid directive listen 127.0.0.1"},
		{"upsmon.conf", "\nFOO bar\n", "upsmon.conf:2: upsmon.conf line 2: invalid directive FOO bar"},
		{"upssched.conf", "FOO bar\n", "upssched.conf:1: upssched.conf: invalid directive FOO bar"},
		{"upsd.users", "[u]\ncolour = blue\n", "upsd.users:2: Unrecognized user setting colour"},
		{"ups.conf", "[u]\ndriver = x\n", "ups.conf:1: Warning: ignoring incomplete configuration for UPS [u]"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, warns, err := parsers[tt.file](strings.NewReader(tt.in), tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(warns) != 1 || warns[0].String() != tt.want {
				t.Fatalf("warnings %v, want [%s]", warns, tt.want)
			}
		})
	}
}

// TestDefaults pins NUT 2.8.0's defaults (spec daemons.md §3 and §8.1,
// checked against server/upsd.c and clients/upsmon.c at v2.8.0).
func TestDefaults(t *testing.T) {
	m, _, err := ParseUpsmonConf(strings.NewReader(""), "upsmon.conf")
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]time.Duration{
		"POLLFREQ": m.PollFreq, "POLLFREQALERT": m.PollFreqAlert, "HOSTSYNC": m.HostSync,
		"DEADTIME": m.DeadTime, "FINALDELAY": m.FinalDelay, "RBWARNTIME": m.RBWarnTime,
		"NOCOMMWARNTIME": m.NoCommWarnTime,
	} {
		want := map[string]time.Duration{"POLLFREQ": 5, "POLLFREQALERT": 5, "HOSTSYNC": 15, "DEADTIME": 15,
			"FINALDELAY": 5, "RBWARNTIME": 43200, "NOCOMMWARNTIME": 300}[name] * time.Second
		if got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if m.MinSupplies != 1 || m.DebugMin != -1 || !m.AlarmCritical || m.OffDuration != 30*time.Second {
		t.Errorf("upsmon defaults: %+v", m)
	}
	d, _, err := ParseUpsdConf(strings.NewReader(""), "upsd.conf")
	if err != nil {
		t.Fatal(err)
	}
	if d.MaxAge != 15*time.Second || d.TrackingDelay != time.Hour || d.MaxConn != 0 || d.AllowNoDevice {
		t.Errorf("upsd defaults: %+v", d)
	}
	want := []Listen{{Addr: "127.0.0.1", Port: "3493"}, {Addr: "::1", Port: "3493"}}
	if got := d.Listeners(); !reflect.DeepEqual(got, want) {
		t.Errorf("Listeners() = %v, want %v", got, want)
	}
	if got := (Listen{Addr: "::1", Port: "3493"}).HostPort(); got != "[::1]:3493" {
		t.Errorf("HostPort = %s", got)
	}
}

func TestNotifyDefaults(t *testing.T) {
	m := NewUpsmonConf("upsmon.conf")
	if len(NotifyTypes) != 11 || len(DefaultNotifyMessages) != 11 || len(DefaultNotifyFlags) != 11 {
		t.Fatalf("%d types, %d messages, %d flags", len(NotifyTypes), len(DefaultNotifyMessages), len(DefaultNotifyFlags))
	}
	for _, tt := range []struct {
		typ  NotifyType
		msg  string
		flag string
	}{
		{NotifyOnline, "UPS %s on line power", "SYSLOG+WALL"},
		{NotifyOnBatt, "UPS %s on battery", "SYSLOG+WALL"},
		{NotifyLowBatt, "UPS %s battery is low", "SYSLOG+WALL"},
		{NotifyFSD, "UPS %s: forced shutdown in progress", "SYSLOG+WALL"},
		{NotifyCommOK, "Communications with UPS %s established", "SYSLOG+WALL"},
		{NotifyCommBad, "Communications with UPS %s lost", "SYSLOG+WALL"},
		{NotifyShutdown, "Auto logout and shutdown proceeding", "SYSLOG+WALL"},
		{NotifyReplBatt, "UPS %s battery needs to be replaced", "SYSLOG+WALL"},
		{NotifyNoComm, "UPS %s is unavailable", "SYSLOG+WALL"},
		{NotifyNoParent, "upsmon parent process died - shutdown impossible", "SYSLOG+WALL"},
		{NotifyCal, "UPS %s: calibration in progress", "SYSLOG"},
		{"NOTCAL", "UPS %s: calibration finished", "SYSLOG+WALL"},
	} {
		if got := m.Message(tt.typ); got != tt.msg {
			t.Errorf("Message(%s) = %q, want %q", tt.typ, got, tt.msg)
		}
		if got := m.Flags(tt.typ).String(); got != tt.flag {
			t.Errorf("Flags(%s) = %s, want %s", tt.typ, got, tt.flag)
		}
	}
	for _, lt := range LaterNotifyTypes {
		if _, ok := LaterNotifyMessages[lt]; !ok {
			t.Errorf("no message for %s", lt)
		}
	}
}

func TestParseNotifyFlag(t *testing.T) {
	tests := []struct {
		in   string
		want NotifyFlag
		bad  []string
	}{
		{"SYSLOG+WALL+EXEC", NotifySyslog | NotifyWall | NotifyExec, nil},
		{"IGNORE", NotifyIgnore, nil},
		{"EXEC+syslog", NotifyExec, []string{"syslog"}},
		{"", 0, []string{""}},
	}
	for _, tt := range tests {
		f, bad := ParseNotifyFlag(tt.in)
		if f != tt.want || !reflect.DeepEqual(bad, tt.bad) {
			t.Errorf("ParseNotifyFlag(%q) = %v %q, want %v %q", tt.in, f, bad, tt.want, tt.bad)
		}
	}
}

func TestFormatNotify(t *testing.T) {
	tests := []struct {
		format string
		args   []string
		want   string
	}{
		{"UPS %s on battery", []string{"ups@localhost"}, "UPS ups@localhost on battery"},
		{"Auto logout and shutdown proceeding", []string{""}, "Auto logout and shutdown proceeding"},
		{"100%% sure %s %s", []string{"a"}, "100% sure a "},
		{"odd %d %", []string{"a"}, "odd %d %"},
	}
	for _, tt := range tests {
		if got := FormatNotify(tt.format, tt.args...); got != tt.want {
			t.Errorf("FormatNotify(%q) = %q, want %q", tt.format, got, tt.want)
		}
	}
}

func TestSplitSystem(t *testing.T) {
	tests := []struct {
		in, name, host string
		port           int
		err            bool
	}{
		{"ups", "ups", "localhost", 3493, false},
		{"ups@host", "ups", "host", 3493, false},
		{"ups@host:3494", "ups", "host", 3494, false},
		{"ups@[::1]", "ups", "::1", 3493, false},
		{"ups@[::1]:1", "ups", "::1", 1, false},
		{"ups@host:", "", "", 0, true},
		{"ups@host:0", "", "", 0, true},
		{"ups@", "", "", 0, true},
		{"@host", "", "", 0, true},
		{"ups@[::1]x", "", "", 0, true},
	}
	for _, tt := range tests {
		name, host, port, err := SplitSystem(tt.in)
		if (err != nil) != tt.err || name != tt.name || host != tt.host || port != tt.port {
			t.Errorf("SplitSystem(%q) = %q %q %d %v", tt.in, name, host, port, err)
		}
	}
}

func TestAccessors(t *testing.T) {
	u, _, err := ParseUPSConf(strings.NewReader("maxretry = 3\n[Eco]\ndriver = usbhid-ups\nport = auto\nx = 1\nx = 2\nnolock\n"), "ups.conf")
	if err != nil {
		t.Fatal(err)
	}
	e := u.Find("eco")
	if e == nil || e.SocketName() != "usbhid-ups-Eco" || !e.Complete() {
		t.Fatalf("Find: %+v", e)
	}
	if v, ok := e.Lookup("x"); v != "2" || !ok {
		t.Errorf("Lookup(x) = %q %v", v, ok)
	}
	if v, ok := e.Lookup("driver"); v != "usbhid-ups" || !ok {
		t.Errorf("Lookup(driver) = %q %v", v, ok)
	}
	if _, ok := e.Lookup("desc"); ok {
		t.Errorf("Lookup(desc) found")
	}
	var args []string
	for _, o := range e.Options {
		args = append(args, o.Arg())
	}
	if want := []string{"x=1", "x=2", "nolock"}; !reflect.DeepEqual(args, want) {
		t.Errorf("Args = %q", args)
	}

	users, _, err := ParseUsersConf(strings.NewReader("[mon]\npassword = p\nupsmon primary\n[adm]\npassword = q\nactions = set\ninstcmds = all\n[t]\npassword = r\ninstcmds = test.battery.start\n"), "upsd.users")
	if err != nil {
		t.Fatal(err)
	}
	mon, adm, tu := users.Lookup("mon"), users.Lookup("adm"), users.Lookup("t")
	if users.Lookup("MON") != nil {
		t.Error("user names are case-sensitive")
	}
	if !mon.Can("MASTER") || !mon.Can("fsd") || !mon.Can("login") || mon.Can("SET") {
		t.Errorf("mon actions %v", mon.Actions)
	}
	if !adm.Can("SET") || !adm.CanInstCmd("load.off") || tu.CanInstCmd("load.off") || !tu.CanInstCmd("TEST.BATTERY.START") {
		t.Errorf("adm %v %v, t %v", adm.Actions, adm.InstCmds, tu.InstCmds)
	}

	at := At{NotifyType: "ONBATT", UPSName: "*"}
	if !at.Matches("ups@localhost", "onbatt") || at.Matches("ups@localhost", "ONLINE") {
		t.Error("wildcard Matches")
	}
	at.UPSName = "ups@localhost"
	if at.Matches("ups", "ONBATT") || !at.Matches("ups@localhost", "ONBATT") {
		t.Error("exact Matches")
	}

	n, _, err := ParseNutConf(strings.NewReader("MODE=standalone\nA=1\nexport A\nA=2\n"), "nut.conf")
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Env(); !reflect.DeepEqual(got, []string{"MODE=standalone", "A=2"}) {
		t.Errorf("Env = %q", got)
	}
	if v, _ := n.Lookup("A"); v != "2" {
		t.Errorf("Lookup(A) = %q", v)
	}

	h, _, _ := ParseHostsConf(strings.NewReader("MONITOR ups@localhost \"x\"\n"), "hosts.conf")
	if !h.Allowed("ups@localhost") || h.Allowed("ups") {
		t.Error("Allowed")
	}
	if got := ConfPath(func(string) string { return "" }); got != "/etc/nut" {
		t.Errorf("ConfPath = %s", got)
	}
	if got := ConfPath(func(string) string { return "/x" }); got != "/x" {
		t.Errorf("ConfPath = %s", got)
	}
}

// TestLoadPermissions: files holding passwords warn when group or others
// can read them, naming the file and the chmod fix.
func TestLoadPermissions(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		mode os.FileMode
		load func(string) ([]Warning, error)
		warn string
	}{
		{UsersConfName, 0o600, loadUsers, ""},
		{UsersConfName, 0o640, loadUsers, "readable by group (mode 0640)"},
		{UpsmonConfName, 0o604, loadUpsmon, "readable by others (mode 0604)"},
		{UpsmonConfName, 0o644, loadUpsmon, "readable by group and others (mode 0644)"},
		{UpsdConfName, 0o644, loadUpsd, ""},
	} {
		t.Run(tt.name+"-"+tt.mode.String(), func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			os.Remove(path)
			if err := os.WriteFile(path, nil, tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil { // past the umask
				t.Fatal(err)
			}
			warns, err := tt.load(path)
			if err != nil {
				t.Fatal(err)
			}
			if tt.warn == "" {
				if len(warns) != 0 {
					t.Fatalf("warnings %v", warns)
				}
				return
			}
			if len(warns) != 1 {
				t.Fatalf("warnings %v", warns)
			}
			w := warns[0].String()
			if !strings.HasPrefix(w, path+": ") || !strings.Contains(w, tt.warn) || !strings.Contains(w, "chmod 0600 "+path) {
				t.Errorf("warning %q", w)
			}
		})
	}
	if _, _, err := LoadUpsdConf(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}

func loadUsers(p string) ([]Warning, error)  { _, w, err := LoadUsersConf(p); return w, err }
func loadUpsmon(p string) ([]Warning, error) { _, w, err := LoadUpsmonConf(p); return w, err }
func loadUpsd(p string) ([]Warning, error)   { _, w, err := LoadUpsdConf(p); return w, err }

func TestAllowNoDeviceWith(t *testing.T) {
	for _, tt := range []struct {
		file bool
		env  string
		want bool
	}{
		{false, "", false}, {true, "", true}, {false, "true", true}, {false, "Yes", true},
		{false, "1x", true}, {true, "off", false}, {true, "0", false}, {true, "maybe", true}, {false, "maybe", false},
	} {
		c := &UpsdConf{AllowNoDevice: tt.file}
		if got := c.AllowNoDeviceWith(func(string) string { return tt.env }); got != tt.want {
			t.Errorf("file %v env %q: %v, want %v", tt.file, tt.env, got, tt.want)
		}
	}
}

func TestMatching(t *testing.T) {
	c, _, err := ParseUpsschedConf(strings.NewReader("CMDSCRIPT /c\nPIPEFN /p\nLOCKFN /l\n"+
		"AT ONBATT * START-TIMER a 5\nAT ONBATT ups@h EXECUTE b\nAT ONLINE * CANCEL-TIMER a\nAT onbatt ups@other EXECUTE c\n"), "upssched.conf")
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, a := range c.Matching("ups@h", "ONBATT") {
		got = append(got, a.Line)
	}
	if !reflect.DeepEqual(got, []int{4, 5}) {
		t.Errorf("Matching lines %v", got)
	}
}

// TestNegativeCounts: upsmon ignores a negative MINSUPPLIES or
// POLLFAIL_LOG_THROTTLE_MAX with a warning and keeps the default.
func TestNegativeCounts(t *testing.T) {
	c, warns, err := ParseUpsmonConf(strings.NewReader("MINSUPPLIES -1\nPOLLFAIL_LOG_THROTTLE_MAX -3\n"), "upsmon.conf")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range warns {
		got = append(got, w.String())
	}
	want := []string{"upsmon.conf:1: Ignoring invalid MINSUPPLIES value: -1", "upsmon.conf:2: Ignoring invalid POLLFAIL_LOG_THROTTLE_MAX value: -3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
	if c.MinSupplies != DefaultMinSupplies || c.PollFailLogThrottleMax != DefaultPollFailLogThrottleMax {
		t.Errorf("MinSupplies %d, PollFailLogThrottleMax %d: defaults not kept", c.MinSupplies, c.PollFailLogThrottleMax)
	}
}
