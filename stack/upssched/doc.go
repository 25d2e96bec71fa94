// Package upssched is NUT's upssched: run as upsmon's NOTIFYCMD with
// UPSNAME and NOTIFYTYPE set, it acts on the matching AT lines of
// upssched.conf — EXECUTE at once, START-TIMER and CANCEL-TIMER through a
// timer daemon on PIPEFN (a Unix socket) that is started on demand under
// LOCKFN and leaves about 15 s after its last timer — and runs CMDSCRIPT.
//
// The parts, functional core first:
//
//   - Config and Config.Match: upssched.conf (read by package conf) and
//     which steps one event causes, in file order.
//   - Sched: the timer table without I/O (Start, Cancel, Due, Next, Done),
//     on a clock.Clock.
//   - Local: client and daemon in one process on one clock, without
//     sockets: what the lab uses in place of the upssched binary.
//   - Daemon: the table behind NUT's socket protocol; Main: the program
//     (cmd/upssched), which starts the daemon by running itself again.
//
// NUT 2.8.0 bugs fixed as later NUT did: no busy loop in the daemon and a
// real ~15 s linger (#1964/#1965); CANCEL-TIMER cancels every timer of
// that name, timer scripts get the environment (UPSNAME, NOTIFYTYPE,
// NOTIFYMSG) of the event that started the timer, START-TIMER-SHARED,
// CANCEL-TIMER-MATCHED and `upssched -l` (#3097, 2.8.5). As in every NUT,
// starting a running timer again adds a second one.
package upssched
