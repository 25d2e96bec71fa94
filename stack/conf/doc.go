// Package conf reads NUT's configuration files into typed Go values:
// ups.conf (UPSConf), upsd.conf (UpsdConf), upsd.users (UsersConf),
// upsmon.conf (UpsmonConf), upssched.conf (UpsschedConf), nut.conf
// (NutConf), hosts.conf (HostsConf) and upsset.conf (UpssetConf).
//
// Every file but nut.conf is split into words by package parseconf, NUT's
// own tokenizer rules (quotes, backslash escapes, # comments, = as a word
// of its own). nut.conf is a shell fragment and has a small shell-style
// reader of its own.
//
// Each file has a ParseX(r, filename) function and a LoadX(path) function
// that opens the file (and, for the two files that hold passwords, checks
// its mode). They return three things:
//
//   - the parsed value, holding everything that could be read (nil only
//     when LoadX cannot open the file)
//     (NUT itself skips bad lines and carries on; a daemon that wants to
//     behave the same way may log the error and use the value);
//   - warnings: what NUT 2.8.0 would log and ignore, such as an unknown
//     directive, in NUT's own words so a daemon can log them as NUT does;
//   - an error (an ErrorList of *Error, each naming file:line[:col]) for
//     input that NUT would misread or reject: a known directive with the
//     wrong arguments, a number that is not a number, a # inside quotes,
//     or the ACL/ACCEPT/REJECT/allowfrom directives removed in NUT 2.4.
//
// Defaults are NUT 2.8.0's, as listed in the spec (shared/spec/daemons.md)
// and checked against NUT's sources at tag v2.8.0; each field's comment
// names its default.
//
// Line numbers are physical lines (where a logical line began). NUT's own
// messages count logical lines, so after a backslash continuation or a
// quoted newline NUT's number is smaller than ours.
package conf
