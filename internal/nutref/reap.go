package nutref

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// reapMarked kills, by PID, every process whose environment carries this
// instance's marker: programs that escaped their process group, such as a
// driver backgrounded by "upsdrvctl start" or upssched's timer daemon. It
// reads /proc, so it only finds anything on Linux, which is the only place
// the kit runs.
func reapMarked(dir string) {
	want := []byte(markerVar + "=" + dir + "\x00")
	self := os.Getpid()
	envs, _ := filepath.Glob("/proc/[0-9]*/environ")
	for _, e := range envs {
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(e)))
		if err != nil || pid == self {
			continue
		}
		b, err := os.ReadFile(e)
		if err != nil || !bytes.Contains(append([]byte{0}, b...), append([]byte{0}, want...)) {
			continue
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}
