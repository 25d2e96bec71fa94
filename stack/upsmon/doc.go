// Package upsmon is NUT's upsmon: it polls upsd for each MONITOR line,
// sends notifications (NOTIFYMSG, NOTIFYFLAG, NOTIFYCMD, wall, syslog),
// decides when the power is critical, and shuts the host down (FSD on
// upsd, HOSTSYNC wait for secondaries, FINALDELAY, POWERDOWNFLAG,
// SHUTDOWNCMD), with NUT 2.8.0's configuration, flags and log lines.
//
// The parts, functional core first:
//
//   - Machine is the whole decision logic with no I/O: NUT's main loop as a
//     conversation. Start and Step return Actions; the last one may be a
//     request (Connect, Poll, SetFSD, GetNumLogins, Sleep) answered by an
//     Input (Connected, Polled, FSDSet, NumLogins, Wake). Commands
//     (`upsmon -c fsd|stop|reload`) are Inputs too. It reads only the
//     clock's Now, so it runs the same on a virtual clock.
//   - Runner drives a Machine from clock callbacks with synchronous
//     answers: the lab's way. Daemon drives it over real upsd connections
//     (stack/client) on a real clock: the program's way. Main is the
//     program (cmd/upsmon).
//   - Config is upsmon.conf as the machine needs it, read with stack/conf.
//
// Where 2.8.0 has bugs fixed later, this package follows the fix (NUT issue
// numbers in comments): CAL cleared when it ends (#2168), the primary
// notifying its own FSD and SHUTDOWN_HOSTSYNC (2.8.5), OFF/BYPASS and the
// later notify types, OBLBDURATION, OFFDURATION, SHUTDOWNEXIT and
// POLLFAIL_LOG_THROTTLE_MAX. Go cannot fork, so upsmon is one process (as
// NUT's -p): no privileged parent, hence no NOPARENT; -u and RUN_AS_USER
// are checked (internal/privdrop) but the process stays root, which
// SHUTDOWNCMD needs.
//
// TLS is the Daemon's business (tls.go): like 2.8.0's upsmon it sends
// STARTTLS before logging in, goes on in clear text when upsd has no
// certificate (ERR FEATURE-NOT-CONFIGURED) unless FORCESSL or CERTVERIFY
// require TLS, and checks the certificate under CERTVERIFY 1 (or a CERTHOST
// line) against CERTPATH, which here is a PEM file or a directory of PEM
// files, not Debian's NSS database.
//
// The transcripts in testdata/*.txt show the machine at work, one command
// and its actions at a time.
package upsmon
