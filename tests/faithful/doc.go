// Package faithful holds the tests that check the lab against the real
// thing, in real time. The lab (package lab) runs simulator, driver, upsd,
// upsmon and upssched in one process on a virtual clock; these tests run
// the same NUT configuration files as separate processes — our binaries,
// and real NUT 2.8.0's from the reference kit (internal/nutref) — and
// compare what a user would see: the notifications upsmon sends to
// NOTIFYCMD, the CMDSCRIPT calls upssched makes, and SHUTDOWNCMD.
//
//   - interop_test.go (issue 7): dummy-ups plays a .seq power sequence
//     behind real upsd; real upsmon + upssched and ours make the same
//     calls; real upsmon against our upsd and against real upsd too.
//   - features_test.go + backend_test.go (issue 8): the scenarios of
//     features/ tagged @realtime — the same .feature files and steps that
//     `go test ./features` runs on the lab — run on real processes in
//     real time (procBackend, a features.Backend): our usbhid-ups on the
//     simulated ECO 650 (port=sim, driven through simcontrol), our upsd,
//     and our or real NUT 2.8.0's upsmon + upssched; one parallel subtest
//     per scenario and variant.
//   - harness_test.go: the rig (processes, recording scripts, waits);
//     compare_test.go: exclusions by name of NUT 2.8.0 bugs upslab fixes,
//     canonical order, time tolerance (for the interop rigs).
//
// The test binary is also our programs: started under the name upsd,
// upsmon, upssched or usbhid-ups (symlinks made by TestMain) it runs that
// program. Tests that need real NUT start with nutref.Require; the
// @realtime scenarios on our binaries need nothing but this repository.
// The whole package takes about 50 s of wall time (2 cores), most of it waiting.
package faithful
