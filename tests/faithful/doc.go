// Package faithful holds the tests that check the lab against the real
// thing. The lab (package lab) runs simulator, driver, upsd, upsmon and
// upssched in one process on a virtual clock; these tests run the same
// NUT configuration files as separate processes in real time — our
// binaries, and real NUT 2.8.0's from the reference kit
// (internal/nutref) — and compare what a user would see: the
// notifications upsmon sends to NOTIFYCMD, the CMDSCRIPT calls upssched
// makes, and SHUTDOWNCMD.
//
// The package has no code of its own outside its tests: the harness
// (rig) is in harness_test.go. Every test that needs real NUT starts
// with nutref.Require; the lab-versus-our-binaries tests need nothing
// but this repository.
package faithful
