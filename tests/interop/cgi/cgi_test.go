// Package cgi_test runs nut-cgi 2.8.0's real CGI programs (upsstats.cgi,
// upsimage.cgi, upsset.cgi) as a web server would — REQUEST_METHOD,
// QUERY_STRING, a POST body on stdin — first against NUT 2.8.0's upsd and
// then against ours, both fed by the same real dummy-ups on the same .dev
// data, and requires the pages (and what the programs write to stderr) to
// be equal once the clock and the ports are taken out, and to hold the
// strings of pageChecks (so that two equally broken pages cannot pass).
// NUT's pages are not committed as golden files: they carry the text of
// NUT's own HTML templates, which stays out of this repository.
//
// Run alone: go test ./tests/interop/cgi (needs the reference kit,
// scripts/nutref-fetch; skipped without it, failed under CI=true).
package cgi_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/nutref"
	"github.com/upslab/upslab/stack/conf"
	"github.com/upslab/upslab/stack/protocol"
	"github.com/upslab/upslab/stack/upsd"
)

// ups.conf: the Eaton on dummy-ups, and a section whose driver never
// starts (upsd answers DRIVER-NOT-CONNECTED for it).
const upsConf = `
[eaton]
	driver = dummy-ups
	port = eaton.dev
	desc = "Eaton Ellipse ECO 650"
[nodriver]
	driver = dummy-ups
	port = nodriver.dev
`

// upsd.users: upsset.cgi logs in only to save settings and run commands;
// it needs "actions = SET" and instcmds. The viewer has a password and
// nothing else.
const usersConf = `
[admin]
	password = adminpass
	actions = SET
	instcmds = ALL
[viewer]
	password = viewpass
`

// upsset.conf: without this word upsset.cgi refuses to run.
const upssetConf = "I_HAVE_SECURED_MY_CGI_DIRECTORY\n"

// hostsConf lists what the CGI programs may show: the Eaton, a UPS upsd
// does not know, one without a driver, and an address where no upsd
// listens. "@@" stands for "@" and upsd's address, "@!" for "@" and the
// dead one (see subst).
const hostsConf = `MONITOR eaton@@ "Eaton <ECO> 650 & co"
MONITOR nosuch@@ "Unknown UPS"
MONITOR nodriver@@ "No driver"
MONITOR eaton@! "Unreachable upsd"
`

// request is one CGI invocation. In query and body, "@@" and "@!" are
// replaced as in hostsConf.
type request struct {
	name  string
	prog  string
	query string // QUERY_STRING for GET
	body  string // POST body (form-encoded); POST when not empty
}

// settle names the requests after which a "GET VAR" reply must change
// before the next request runs: a SET reaches the driver and comes back
// from it asynchronously, so the next page would otherwise race it.
var settle = map[string]string{
	"upsset-save": "GET VAR eaton device.location",
}

const login = "username=admin&password=adminpass"

var requests = []request{
	{"status", "upsstats.cgi", "", ""},
	{"status-refresh", "upsstats.cgi", "refresh=30", ""},
	{"single", "upsstats.cgi", "host=eaton@@", ""},
	{"tree", "upsstats.cgi", "host=eaton@@&treemode", ""},
	{"single-unknown-ups", "upsstats.cgi", "host=nosuch@@", ""},
	{"tree-unknown-ups", "upsstats.cgi", "host=nosuch@@&treemode", ""},
	{"single-no-driver", "upsstats.cgi", "host=nodriver@@", ""},
	{"tree-no-driver", "upsstats.cgi", "host=nodriver@@&treemode", ""},
	{"single-unreachable", "upsstats.cgi", "host=eaton@!", ""},
	{"tree-unreachable", "upsstats.cgi", "host=eaton@!&treemode", ""},
	{"single-not-in-hosts", "upsstats.cgi", "host=other@@", ""},

	// The bar images the single page links to (PNG, compared byte for byte).
	{"image-charge", "upsimage.cgi", "host=eaton@@&display=battery.charge", ""},
	{"image-input", "upsimage.cgi", "host=eaton@@&display=input.voltage&width=68", ""},
	{"image-load", "upsimage.cgi", "host=eaton@@&display=ups.load", ""},
	{"image-temperature", "upsimage.cgi", "host=eaton@@&display=ups.temperature&tempmin=0&tempmax=50", ""},
	{"image-unknown-ups", "upsimage.cgi", "host=nosuch@@&display=battery.charge", ""},
	{"image-unreachable", "upsimage.cgi", "host=eaton@!&display=battery.charge", ""},

	{"upsset-login", "upsset.cgi", "", ""},
	{"upsset-pickups", "upsset.cgi", "", login + "&function=pickups"},
	{"upsset-settings", "upsset.cgi", "", login + "&function=showsettings&monups=eaton@@"},
	{"upsset-commands", "upsset.cgi", "", login + "&function=showcmds&monups=eaton@@"},
	{"upsset-save", "upsset.cgi", "", login + "&function=savesettings&monups=eaton@@&UPSVAR_ups.delay.shutdown=40&UPSVAR_ups.beeper.status=enabled&UPSVAR_device.location=Rack%203%20%22right%22%20%5C%20%26%20%3Cb%3E"},
	{"upsset-settings-after-save", "upsset.cgi", "", login + "&function=showsettings&monups=eaton@@"},
	{"upsset-save-no-set-action", "upsset.cgi", "", "username=viewer&password=viewpass&function=savesettings&monups=eaton@@&UPSVAR_ups.delay.start=60"},
	{"upsset-docmd-no-instcmds", "upsset.cgi", "", "username=viewer&password=viewpass&function=docmd&monups=eaton@@&upscommand=load.off"},
	{"upsset-save-bad-password", "upsset.cgi", "", "username=admin&password=wrong&function=savesettings&monups=eaton@@&UPSVAR_ups.delay.start=60"},
	{"upsset-docmd", "upsset.cgi", "", login + "&function=docmd&monups=eaton@@&upscommand=load.off"},
	{"upsset-docmd-bad-password", "upsset.cgi", "", "username=admin&password=wrong&function=docmd&monups=eaton@@&upscommand=load.off"},
	{"upsset-settings-unknown-ups", "upsset.cgi", "", login + "&function=showsettings&monups=nosuch@@"},
	{"upsset-commands-no-driver", "upsset.cgi", "", login + "&function=showcmds&monups=nodriver@@"},
	{"upsset-settings-unreachable", "upsset.cgi", "", login + "&function=showsettings&monups=eaton@!"},
}

// TestCGI runs every request against NUT's upsd, then against ours (on the
// same port, so hosts.conf and the links in the pages are the same), and
// compares the pages.
func TestCGI(t *testing.T) {
	t.Parallel()
	k, inst, dead := setup(t, "")
	drv := startDriver(t, inst)
	real := inst.Start(t, "upsd")
	nutref.WaitPort(t, inst.Addr(), 10*time.Second)
	waitReady(t, inst.Addr())
	want := runAll(t, inst, requests, dead)
	real.Stop()
	// NUT 2.8.0 drivers abort when their upsd goes away (daemons.md §6.4),
	// and the saved setting must not carry over: a fresh driver.
	restartDriver(t, inst, drv)
	ourServer(t, k, inst, 0)
	waitReady(t, inst.Addr())
	compare(t, requests, want, runAll(t, inst, requests, dead))
}

// staleRequests are the pages shown while the driver is frozen.
var staleRequests = []request{
	{"stale-status", "upsstats.cgi", "", ""},
	{"stale-single", "upsstats.cgi", "host=eaton@@", ""},
	{"stale-tree", "upsstats.cgi", "host=eaton@@&treemode", ""},
	{"image-stale", "upsimage.cgi", "host=eaton@@&display=battery.charge", ""},
	{"upsset-stale-settings", "upsset.cgi", "", login + "&function=showsettings&monups=eaton@@"},
	{"upsset-stale-commands", "upsset.cgi", "", login + "&function=showcmds&monups=eaton@@"},
}

// TestCGIStale freezes the driver (SIGSTOP) until upsd calls its data
// stale (MAXAGE 3: PING after 1 s of silence, stale after 3 s without a
// PONG), then shows the pages, with NUT's upsd and with ours.
func TestCGIStale(t *testing.T) {
	t.Parallel()
	k, inst, dead := setup(t, "MAXAGE 3\n")
	drv := startDriver(t, inst)
	real := inst.Start(t, "upsd")
	nutref.WaitPort(t, inst.Addr(), 10*time.Second)
	waitReady(t, inst.Addr())
	want := runStale(t, inst, drv, dead)
	real.Stop()
	drv = restartDriver(t, inst, drv)
	ourServer(t, k, inst, 3*time.Second)
	waitReady(t, inst.Addr())
	compare(t, staleRequests, want, runStale(t, inst, drv, dead))
}

// runStale freezes the driver, waits for DATA-STALE, runs staleRequests
// and lets the driver go on.
func runStale(t *testing.T, inst *nutref.Instance, drv *nutref.Proc, dead string) []result {
	t.Helper()
	if err := drv.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// A stopped driver ignores SIGTERM until continued: continue it
	// before nutref stops it.
	defer drv.Signal(syscall.SIGCONT)
	nutref.WaitFor(t, 10*time.Second, func() bool {
		return query(t, inst.Addr(), "GET VAR eaton ups.status") == "ERR DATA-STALE"
	})
	return runAll(t, inst, staleRequests, dead)
}

// setup makes an instance with the UPSes, users, hosts.conf, upsset.conf
// and NUT's sample templates; extra is added to upsd.conf.
func setup(t *testing.T, extra string) (*nutref.Kit, *nutref.Instance, string) {
	k := nutref.Require(t)
	inst := k.NewInstance(t)
	dev, err := os.ReadFile(filepath.Join("testdata", "eaton.dev"))
	if err != nil {
		t.Fatal(err)
	}
	dead := deadAddr(t)
	inst.WriteFile("ups.conf", upsConf)
	inst.WriteFile("eaton.dev", string(dev))
	inst.WriteFile("upsd.users", usersConf)
	inst.WriteFile("upsd.conf", inst.Listen()+"DATAPATH "+dataPath(k)+"\n"+extra)
	inst.WriteFile("upsset.conf", upssetConf)
	inst.WriteFile("hosts.conf", subst(hostsConf, inst.Addr(), dead))
	for _, tmpl := range []string{"upsstats.html", "upsstats-single.html"} {
		b, err := os.ReadFile(k.SampleConf(tmpl))
		if err != nil {
			t.Fatal(err)
		}
		inst.WriteFile(tmpl, string(b))
	}
	return k, inst, dead
}

// result is what one CGI run produced.
type result struct{ page, stderr string }

func runAll(t *testing.T, inst *nutref.Instance, reqs []request, dead string) []result {
	t.Helper()
	out := make([]result, len(reqs))
	for i, r := range reqs {
		out[i].page, out[i].stderr = runCGI(t, inst, r, dead)
	}
	return out
}

// compare reports where our upsd's results differ from NUT's, and checks
// NUT's pages for their must-have strings.
func compare(t *testing.T, reqs []request, want, got []result) {
	t.Helper()
	for i, r := range reqs {
		if got[i].page != want[i].page {
			t.Errorf("%s: %s %q %q: our upsd's page differs from NUT's:\n%s", r.name, r.prog, r.query, r.body, lineDiff(want[i].page, got[i].page))
		}
		// What a CGI program writes to stderr ends up in the web
		// server's error log; it names upsd's errors too.
		if got[i].stderr != want[i].stderr {
			t.Errorf("%s: %s %q %q: stderr with our upsd differs from NUT's:\n%s", r.name, r.prog, r.query, r.body, lineDiff(want[i].stderr, got[i].stderr))
		}
		checkPage(t, r.name, want[i].page)
	}
}

// restartDriver stops the driver and starts a fresh one.
func restartDriver(t *testing.T, inst *nutref.Instance, drv *nutref.Proc) *nutref.Proc {
	drv.Stop()
	os.Remove(inst.DriverSocket("dummy-ups", "eaton"))
	return startDriver(t, inst)
}

// pageChecks are strings a page must hold, so that two equally broken
// pages (an empty template, a CGI that cannot start) do not pass.
var pageChecks = map[string][]string{
	"status":                {"Ellipse ECO 650", "Eaton <ECO> 650 & co", "Unreachable upsd", "Driver not connected"},
	"single":                {"Ellipse ECO 650", "231.0", "00:35:56"},
	"tree":                  {"device.location", "ups.vendorid", "0463"},
	"single-unknown-ups":    {"nosuch"},
	"single-unreachable":    {"Unreachable upsd"},
	"image-charge":          {"Content-type: image/png", "\x89PNG"},
	"stale-single":          {"[error: Data stale]"},
	"stale-tree":            {"[error: Data stale]"},
	"upsset-stale-settings": {"LIST RW command failed"},
	"upsset-login":          {`NAME="username"`},
	"upsset-settings":       {"UPSVAR_ups.beeper.status", "Interval to wait after shutdown"},
	"upsset-commands":       {"load.off"},
	"upsset-save":           {"set ups.delay.shutdown to 40 (was 20)"},
	// Truncated at the first quote by both upsds: NUT 2.8.0's drivers
	// broadcast a changed value as SETINFO without escaping it
	// (`SETINFO device.location "Rack 3 "right" \ & <b>"`, observed with
	// Debian's dummy-ups; their DUMPALL escapes it), and upsd's parser
	// stops at the bare quote.
	"upsset-settings-after-save":  {`VALUE="Rack 3 " SIZE="32"`},
	"upsset-save-no-set-action":   {"ERR ACCESS-DENIED"},
	"upsset-docmd":                {"Response: OK"},
	"upsset-settings-unreachable": {"Unable to connect"},
}

// checkPage checks that NUT's page holds its must-have strings.
func checkPage(t *testing.T, name, page string) {
	t.Helper()
	for _, c := range pageChecks[name] {
		if !strings.Contains(page, c) {
			t.Errorf("%s: NUT's page lacks %q:\n%s", name, c, page)
		}
	}
}

// runCGI runs one CGI program the way a web server does and returns its
// normalised output (headers and page) and what it wrote on stderr.
func runCGI(t *testing.T, inst *nutref.Instance, r request, dead string) (page, stderr string) {
	t.Helper()
	if req := settle[r.name]; req != "" {
		before := query(t, inst.Addr(), req)
		defer nutref.WaitFor(t, 5*time.Second, func() bool { return query(t, inst.Addr(), req) != before })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := inst.Command(ctx, r.prog)
	if r.prog == "upsstats.cgi" && !strings.Contains(r.query, "host=") {
		cmd = exec.CommandContext(ctx, statusCGI(t, inst))
		cmd.Env = append(os.Environ(), inst.Env()...)
		cmd.Dir = filepath.Dir(cmd.Path)
	}
	env := []string{
		"GATEWAY_INTERFACE=CGI/1.1",
		"SERVER_PROTOCOL=HTTP/1.1",
		"SCRIPT_NAME=/cgi-bin/nut/" + r.prog,
		"REMOTE_ADDR=127.0.0.1",
		// @DATE@ prints the local time zone's name.
		"TZ=UTC",
	}
	body := subst(r.body, inst.Addr(), dead)
	if body != "" {
		env = append(env, "REQUEST_METHOD=POST",
			"CONTENT_TYPE=application/x-www-form-urlencoded",
			"CONTENT_LENGTH="+strconv.Itoa(len(body)), "QUERY_STRING=")
	} else {
		env = append(env, "REQUEST_METHOD=GET", "QUERY_STRING="+subst(r.query, inst.Addr(), dead))
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(body)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s: %s did not finish within 10 s", r.name, r.prog)
	}
	if _, ok := err.(interface{ ExitCode() int }); err != nil && !ok {
		t.Fatalf("%s: %v", r.name, err)
	}
	page = out.String()
	if err != nil {
		page += fmt.Sprintf("<!-- %v -->\n", err)
	}
	return normalise(page, inst.Addr(), dead), normalise(errb.String(), inst.Addr(), dead)
}

// statusCGI returns a copy of upsstats.cgi for the status page (no
// host=), made once per instance. NUT 2.8.0's upsstats reads hosts.conf
// for the status page from the compiled-in CONFPATH (/etc/nut), not from
// NUT_CONFPATH as everything else (load_hosts_conf in clients/upsstats.c;
// later releases call confpath()). The copy has that one string changed
// to the relative "nut", run from a directory where "nut" links to the
// instance's configuration directory; its code is untouched.
func statusCGI(t *testing.T, inst *nutref.Instance) string {
	t.Helper()
	dir := filepath.Join(inst.Dir, "cgi-bin")
	path := filepath.Join(dir, "upsstats.cgi")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	b, err := os.ReadFile(inst.Kit.Bin("upsstats.cgi"))
	if err != nil {
		t.Fatal(err)
	}
	old := []byte("\x00/etc/nut\x00")
	if n := bytes.Count(b, old); n != 1 {
		t.Fatalf("upsstats.cgi holds %q %d times, want once", old, n)
	}
	b = bytes.Replace(b, old, []byte("\x00nut\x00\x00\x00\x00\x00\x00"), 1)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(inst.ConfPath, filepath.Join(dir, "nut")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// The sample templates print the time with "@DATE %a %b %d %X %Z %Y@".
var dateRE = regexp.MustCompile(`(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d \d\d:\d\d:\d\d UTC \d{4}`)

// normalise takes out what differs between two runs of the same page: the
// clock and the two ports (which change from test run to test run).
func normalise(page, addr, dead string) string {
	page = dateRE.ReplaceAllString(page, "<DATE>")
	page = strings.ReplaceAll(page, dead, "<DEAD>")
	page = strings.ReplaceAll(page, url.QueryEscape(dead), "<DEAD>")
	page = strings.ReplaceAll(page, addr, "<UPSD>")
	page = strings.ReplaceAll(page, url.QueryEscape(addr), "<UPSD>")
	return page
}

// subst puts the addresses into a hosts.conf line, query or form body.
func subst(s, addr, dead string) string {
	s = strings.ReplaceAll(s, "@@", "@"+addr)
	return strings.ReplaceAll(s, "@!", "@"+dead)
}

// deadAddr returns a loopback address where nothing listens (a port that
// was just free).
func deadAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func dataPath(k *nutref.Kit) string { return filepath.Join(k.Root, "usr", "share", "nut") }

// startDriver starts dummy-ups and waits for its socket file. It does not
// use nutref.WaitSocket: that probe connects and hangs up, and a 2.8.0
// driver then aborts ("bit out of range 0 - FD_SETSIZE on fd_set") at its
// next broadcast — the first SET VAR — the same bug as daemons.md §6.4.
// If upsd dials before the driver listens, it retries; waitReady waits.
func startDriver(t *testing.T, inst *nutref.Instance) *nutref.Proc {
	p := inst.Start(t, "dummy-ups", "-a", "eaton")
	sock := inst.DriverSocket("dummy-ups", "eaton")
	nutref.WaitFor(t, 10*time.Second, func() bool {
		_, err := os.Stat(sock)
		return err == nil
	}, p)
	return p
}

// waitReady waits until upsd holds the driver's whole dump (the last
// variable of the .dev file).
func waitReady(t *testing.T, addr string) {
	nutref.WaitFor(t, 10*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return false
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(time.Second))
		c.Write([]byte("GET VAR eaton ups.vendorid\n"))
		l, _ := protocol.NewReader(c).ReadLine()
		return strings.HasPrefix(l, "VAR ")
	})
}

// query sends one request line to upsd and returns the reply line.
func query(t *testing.T, addr, req string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(req + "\n")); err != nil {
		t.Fatal(err)
	}
	l, err := protocol.NewReader(c).ReadLine()
	if err != nil {
		t.Fatalf("%s: %v", req, err)
	}
	return l
}

// ourServer runs our upsd in-process on the instance's configuration and
// port (NUT's upsd has just released it; Go listeners set SO_REUSEADDR).
func ourServer(t *testing.T, k *nutref.Kit, inst *nutref.Instance, maxAge time.Duration) {
	upsc, _, err := conf.LoadUPSConf(inst.Path("ups.conf"))
	if err != nil {
		t.Fatal(err)
	}
	usersc, _, err := conf.LoadUsersConf(inst.Path("upsd.users"))
	if err != nil {
		t.Fatal(err)
	}
	s := upsd.New(nil)
	s.StatePath = inst.StatePath
	s.MaxAge = maxAge
	d, _, err := protocol.LoadDescriptions(dataPath(k))
	if err != nil {
		t.Fatal(err)
	}
	s.Descriptions = d
	s.SetUsers(upsd.UsersFromConf(usersc))
	s.SetUPS(upsd.UPSFromConf(upsc))
	l, err := net.Listen("tcp", inst.Addr())
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
}

// lineDiff shows the lines where two pages start to differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl == gl {
			continue
		}
		fmt.Fprintf(&b, "line %d:\n  NUT:  %q\n  ours: %q\n", i+1, wl, gl)
		if shown++; shown == 10 {
			b.WriteString("  ...\n")
			break
		}
	}
	if len(w) != len(g) {
		fmt.Fprintf(&b, "(%d lines from NUT's upsd, %d from ours)\n", len(w), len(g))
	}
	return b.String()
}
