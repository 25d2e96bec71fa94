package nutref

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// ownerVar carries the PID of the test binary that made the instance, so
// that processes left behind by a test binary that died without running its
// cleanups (killed by go test's -timeout, say) can be recognised and ended
// by a later run.
const ownerVar = "UPSLAB_NUTREF_OWNER"

// markedProcs calls fn for every process (other than this one) whose
// environment has a variable named name, with its value. It reads /proc, so
// it only finds anything on Linux, which is the only place the kit runs.
func markedProcs(name string, fn func(pid int, value string)) {
	prefix := []byte(name + "=")
	self := os.Getpid()
	envs, _ := filepath.Glob("/proc/[0-9]*/environ")
	for _, e := range envs {
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(e)))
		if err != nil || pid == self {
			continue
		}
		b, err := os.ReadFile(e)
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(b, []byte{0}) {
			if v, ok := bytes.CutPrefix(kv, prefix); ok {
				fn(pid, string(v))
				break
			}
		}
	}
}

// reapMarked kills, by PID, every process started for the instance in dir
// that is still running: programs that escaped their process group, such as
// a driver backgrounded by "upsdrvctl start", upssched's timer daemon, or
// upsmon's unprivileged child started by hand with Env.
func reapMarked(dir string) {
	markedProcs(markerVar, func(pid int, v string) {
		if v == dir {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

// reapOrphans kills, by PID, the processes of instances whose test binary
// is gone without having cleaned up.
func reapOrphans() {
	markedProcs(ownerVar, func(pid int, v string) {
		owner, err := strconv.Atoi(v)
		if err != nil || owner <= 0 {
			return
		}
		if _, err := os.Stat("/proc/" + v); err == nil {
			return // the owner still runs: its cleanups will do
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
	})
}
