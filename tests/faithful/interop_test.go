package faithful

import (
	"os"
	"path/filepath"

	"testing"
	"time"

	"github.com/upslab/upslab/internal/nutref"
)

// powerSeq is the power sequence of the issue-7 interop tests, played by
// dummy-ups: on mains; a 5 s outage (longer than the 3 s upssched timer,
// which fires); back on mains; then a second outage that, 5 s later, runs
// the battery low, and upsmon shuts down. The phases are long enough for
// dummy-ups' coarse TIMER (±1–2 s with pollinterval 1) and upsmon's 1 s
// polls not to change which side of the timer each one lands on. The last
// TIMER keeps dummy-ups from looping back to the start (.seq files loop).
// dummy-ups 2.8.0 does not reliably publish what it reads before its
// socket exists (about 1 s after it starts): upsd kept serving WAIT
// through an OL phase that began then. So the sequence starts with 2 s of
// WAIT (which dummy-ups serves anyway) and OL comes after.
const powerSeq = `ups.status: WAIT
TIMER 1
ups.status: WAIT
TIMER 1
ups.status: OL
TIMER 3
ups.status: OB DISCHRG
TIMER 5
ups.status: OL CHRG
TIMER 2
ups.status: OB DISCHRG
TIMER 5
ups.status: OB DISCHRG LB
TIMER 300
`

// seqFiles is the NUT configuration of the interop rigs: dummy-ups on
// power.seq, upsd, upsmon as primary with 1 s polls and every notify
// going to NOTIFYCMD (the recording wrapper of upssched), and a
// notify-storm upssched.conf with a 3 s timer.
func seqFiles() map[string]string {
	return map[string]string{
		"ups.conf":   "[dummy]\n\tdriver = dummy-ups\n\tport = power.seq\n\tpollinterval = 1\n",
		"power.seq":  powerSeq,
		"upsd.conf":  "LISTEN 127.0.0.1 {PORT}\n",
		"upsd.users": "[admin]\n\tpassword = pass\n\tupsmon primary\n",
		"upsmon.conf": `MONITOR dummy@{ADDR} 1 admin pass primary
MINSUPPLIES 1
POLLFREQ 1
POLLFREQALERT 1
HOSTSYNC 3
DEADTIME 4
FINALDELAY 1
NOTIFYCMD {BIN}/upssched
SHUTDOWNCMD "{BIN}/shutdown"
POWERDOWNFLAG {DIR}/killpower
NOTIFYFLAG ONLINE SYSLOG+EXEC
NOTIFYFLAG ONBATT SYSLOG+EXEC
NOTIFYFLAG LOWBATT SYSLOG+EXEC
NOTIFYFLAG FSD SYSLOG+EXEC
NOTIFYFLAG COMMOK SYSLOG+EXEC
NOTIFYFLAG COMMBAD SYSLOG+EXEC
NOTIFYFLAG SHUTDOWN SYSLOG+EXEC
NOTIFYFLAG NOCOMM SYSLOG+EXEC
NOTIFYFLAG REPLBATT SYSLOG+EXEC
`,
		"upssched.conf": `CMDSCRIPT {BIN}/upssched-cmd
PIPEFN {STATE}/upssched.pipe
LOCKFN {STATE}/upssched.lock
AT ONBATT * START-TIMER onbattwarn 3
AT ONLINE * CANCEL-TIMER onbattwarn
AT ONLINE * EXECUTE back-on-line
AT LOWBATT * EXECUTE lowbatt
AT COMMBAD * START-TIMER commbad 10
AT COMMOK * CANCEL-TIMER commbad
`,
	}
}

// runSeq runs rigs concurrently through the power sequence, each until
// upsmon ran SHUTDOWNCMD and exited.
func runSeq(t *testing.T, k *nutref.Kit, setups ...Setup) []*Rig {
	rigs := make([]*Rig, len(setups))
	for i, s := range setups {
		s.UPS, s.Driver, s.Files = "dummy", Real, seqFiles()
		rigs[i] = NewRig(t, k, s)
	}
	StartAll(t, "OL", rigs...)
	for _, r := range rigs {
		r.WaitShutdown(25 * time.Second)
	}
	for _, r := range rigs {
		b, err := os.ReadFile(filepath.Join(r.Dir, "killpower"))
		if err != nil || string(b) != "upsmon-shutdown-file" {
			t.Errorf("rig %s: POWERDOWNFLAG holds %q (%v)", r.Name, b, err)
		}
	}
	return rigs
}

// compareRigs checks that two rigs recorded the same calls (after the
// exclusions, grouped per poll) at times within tol of each other.
func compareRigs(t *testing.T, ref, got *Rig, tol time.Duration, ex ...Exclusion) {
	t.Helper()
	const gap = 500 * time.Millisecond
	a := canonical(apply(ref.Events(), ex...), ref.Addr(), gap)
	b := canonical(apply(got.Events(), ex...), got.Addr(), gap)
	if d := diff(ref.Name, a, ref.Addr(), got.Name, b, got.Addr()); d != "" {
		t.Errorf("%s and %s recorded different calls:\n%s", ref.Name, got.Name, d)
		return
	}
	for _, bad := range timesWithin(a, b, tol) {
		t.Errorf("%s vs %s: %s", ref.Name, got.Name, bad)
	}
	t.Logf("%s and %s agree:\n%s", ref.Name, got.Name, sideBySide(ref.Name, a, ref.Addr(), got.Name, b, got.Addr()))
}

// TestSeqOurUpsmonUpssched (issue 7): real upsd + dummy-ups playing the
// power sequence, watched by real upsmon + upssched and by ours: the same
// notifications (with the same UPSNAME), the same CMDSCRIPT calls (with
// the same environment for EXECUTE), the same SHUTDOWNCMD, POWERDOWNFLAG
// written by both. Excluded by name: primary-fsd-notify (2.8.5), and the
// environment of timer scripts (#3097).
func TestSeqOurUpsmonUpssched(t *testing.T) {
	t.Parallel()
	skipShort(t)
	k := nutref.Require(t)
	rigs := runSeq(t, k,
		Setup{Name: "real upsmon+upssched", Upsd: Real, Upsmon: Real, Upssched: Real},
		Setup{Name: "our upsmon+upssched", Upsd: Real, Upsmon: Ours, Upssched: Ours},
	)
	compareRigs(t, rigs[0], rigs[1], 1500*time.Millisecond, primaryFSDNotify, timerEnv("onbattwarn", "commbad"))
}

// TestSeqOurUpsd (issue 7): real upsmon + real upssched against our upsd
// and against real upsd, both on dummy-ups playing the power sequence:
// the same calls, nothing excluded.
func TestSeqOurUpsd(t *testing.T) {
	t.Parallel()
	skipShort(t)
	k := nutref.Require(t)
	rigs := runSeq(t, k,
		Setup{Name: "real upsd", Upsd: Real, Upsmon: Real, Upssched: Real},
		Setup{Name: "our upsd", Upsd: Ours, Upsmon: Real, Upssched: Real},
	)
	compareRigs(t, rigs[0], rigs[1], 1500*time.Millisecond)
}
