// Package nutref runs the reference Network UPS Tools 2.8.0 programs (Debian
// bookworm's binaries) from Go tests, so that upslab's own stack can be
// checked against the real thing.
//
// The parts:
//
//   - A [Kit] is the unpacked set of Debian packages in a cache directory
//     outside the repository, ${UPSLAB_NUT_CACHE:-$HOME/.cache/upslab/nut-2.8.0},
//     filled by scripts/nutref-fetch (`make test` runs it). [Require] finds it,
//     or skips the test saying why and how to fetch it; under CI=true a missing
//     kit fails the test instead, so CI never passes by skipping.
//   - An [Instance] is one private NUT installation for one test: a temporary
//     directory with a configuration directory (NUT_CONFPATH), a state
//     directory (NUT_STATEPATH, mode 0700, where drivers put their sockets and
//     daemons their PID files) and a free loopback TCP port for upsd.
//   - A [Proc] is one real NUT program started in an instance. Daemons are kept
//     in the foreground (-F) and, when the test runs as root, told to stay root
//     (-u root: the Debian binaries would otherwise switch to the "nut" user,
//     which a development machine usually lacks). Output goes to a log file;
//     the process is stopped by its PID (its process group gets SIGTERM, then
//     SIGKILL) when the test ends, and its log is printed if the test failed.
//   - [WaitFor], [WaitPort] and [WaitSocket] wait for a real process to get
//     somewhere by polling with a short backoff, never by sleeping blindly.
//
// A typical interop test:
//
//	k := nutref.Require(t)
//	inst := k.NewInstance(t)
//	inst.WriteFile("ups.conf", "[eco]\n\tdriver = dummy-ups\n\tport = eco.dev\n")
//	inst.WriteFile("eco.dev", "ups.status: OL\n")
//	inst.WriteFile("upsd.conf", inst.Listen())
//	inst.WriteFile("upsd.users", "")
//	inst.Start(t, "dummy-ups", "-a", "eco")
//	nutref.WaitSocket(t, inst.DriverSocket("dummy-ups", "eco"), 10*time.Second)
//	inst.Start(t, "upsd")
//	nutref.WaitPort(t, inst.Addr(), 10*time.Second)
//	out, err := inst.Run(t, "upsc", inst.Target("eco"), "ups.status")
//
// Debian quirks the package knows about: sbin/upsd and sbin/upsmon are shell
// wrappers that read /etc/nut/nut.conf and exec the real programs in lib/nut/,
// so [Kit.Bin] returns lib/nut/upsd and lib/nut/upsmon; the drivers also live
// in lib/nut/. upsdrvctl looks for drivers in the compiled-in /lib/nut unless
// ups.conf sets "driverpath" (use [Kit.DriverPath]). upsmon 2.8.0 ignores
// NUT_ALTPIDPATH and tries /run/nut/upsmon.pid (it carries on without), so
// "upsmon -c fsd" needs "-P <pid>" ([Proc.PID]); upsd writes upsd.pid in the
// state path only with -FF, and a driver kept in the foreground writes none. The clients print "Init SSL
// without certificate database" on stderr at every start (Debian builds them
// with NSS): compare stdout alone ([Instance.Output]).
//
// Processes do not outlive their test: Stop kills the whole process group
// (upsmon's unprivileged child included); at the end of the test any process
// carrying the instance's environment marker is killed (a driver that
// "upsdrvctl start" backgrounded, upssched's timer daemon); on Linux a
// started program dies with the test binary; and a process left over by a
// test binary that died anyway is killed by the next NewInstance.
//
// The programs are wall-clock processes, so these tests wait in real time;
// keep each one well under 20 seconds.
package nutref
