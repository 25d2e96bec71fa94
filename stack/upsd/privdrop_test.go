package upsd

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestUpsdUnknownUser: as root, -u with a user that does not exist stops
// upsd before it listens, with get_user_pwent's message.
func TestUpsdUnknownUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: without it upsd ignores -u, as NUT's become_user does")
	}
	var stderr strings.Builder
	rc := Main([]string{"-F", "-u", "no-such-upslab-user"}, nil, io.Discard, &stderr)
	if rc != 1 || !strings.Contains(stderr.String(), "user no-such-upslab-user not found") {
		t.Fatalf("rc=%d stderr=%q", rc, stderr.String())
	}
}

// TestUpsdHelperProcess runs Main in a child process for
// TestUpsdDropsPrivileges (dropping privileges in the test binary itself
// would leave the rest of the tests running as nobody).
func TestUpsdHelperProcess(t *testing.T) {
	if os.Getenv("UPSLAB_UPSD_HELPER") != "1" {
		t.Skip("helper process")
	}
	os.Exit(Main(strings.Fields(os.Getenv("UPSLAB_UPSD_ARGS")), os.Stdin, os.Stdout, os.Stderr))
}

// TestUpsdDropsPrivileges starts upsd -u nobody as root on a loopback port
// and checks, once it answers, that it runs as nobody with nobody's groups.
func TestUpsdDropsPrivileges(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/<pid>/status")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)

	// t.TempDir's parent is mode 0700: nobody could not reach the files.
	dir, err := os.MkdirTemp("", "upslab-privdrop-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	// Files as a packager installs them: upsd.users readable by upsd's
	// group only (root:nut 0640 on Debian), read after the switch.
	for name, content := range map[string]string{
		"upsd.conf":  fmt.Sprintf("LISTEN 127.0.0.1 %d\n", port),
		"ups.conf":   "[dummy]\n\tdriver = dummy-ups\n\tport = x.dev\n",
		"upsd.users": "[admin]\n\tpassword = secret\n\tupsmon primary\n",
	} {
		fn := filepath.Join(dir, name)
		if err := os.WriteFile(fn, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(fn, 0, gid); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestUpsdHelperProcess$")
	cmd.Env = append(os.Environ(), "UPSLAB_UPSD_HELPER=1", "UPSLAB_UPSD_ARGS=-F -D -u nobody",
		"NUT_CONFPATH="+dir, "NUT_STATEPATH="+dir, "NUT_ALTPIDPATH="+dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	var log []string
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		log = append(log, lines.Text())
		if strings.HasPrefix(lines.Text(), "Succeeded to become_user(nobody)") {
			break
		}
	}
	if !strings.Contains(strings.Join(log, "\n"), fmt.Sprintf("listening on 127.0.0.1 port %d", port)) {
		t.Fatalf("upsd did not switch after listening; log:\n%s", strings.Join(log, "\n"))
	}
	go io.Copy(io.Discard, stderr)

	// A reply means the listener (opened as root) serves as nobody, and
	// that upsd.users was read after the switch.
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "USERNAME admin\nPASSWORD secret\n")
	r := bufio.NewReader(c)
	for _, want := range []string{"OK", "OK"} {
		got, err := r.ReadString('\n')
		if err != nil || strings.TrimSpace(got) != want {
			t.Fatalf("reply %q, %v; want %s", got, err, want)
		}
	}

	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Uid":    strings.Repeat("\t"+nobody.Uid, 4),
		"Gid":    strings.Repeat("\t"+nobody.Gid, 4),
		"Groups": "\t" + nobody.Gid,
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, _ := strings.Cut(line, ":")
		if w, ok := want[k]; ok {
			if strings.TrimRight(v, " ") != w {
				t.Errorf("%s:%q, want %q", k, v, w)
			}
			delete(want, k)
		}
	}
	if len(want) != 0 {
		t.Errorf("missing from /proc status: %v", want)
	}
}
