package conf

import (
	"errors"
	"strings"
	"testing"
)

// errorCases: bad input, and the exact error each parser gives.
var errorCases = []struct {
	name, file, in, want string
}{
	// Lexical, shared by every parseconf-based file.
	{"hash in quotes", "ups.conf", "[a]\n desc = \"x#y\"\n", `ups.conf:2:11: Unbalanced word due to unescaped # in quotes: write \# for a literal # (the line is skipped)`},
	{"unterminated quote", "upsmon.conf", "SHUTDOWNCMD \"/sbin/halt", `upsmon.conf:1:13: unterminated quoted word or trailing backslash at end of file: expected a closing "`},
	{"trailing backslash", "upsd.conf", "MAXAGE 5\\", `upsd.conf:1:9: unterminated quoted word or trailing backslash at end of file: expected a closing "`},

	// ups.conf
	{"ups two words", "ups.conf", "[a]\n\tdriver usbhid-ups\n", `ups.conf:2:9: driver: expected "key = value" or a single flag word, got driver usbhid-ups`},
	{"ups no value", "ups.conf", "[a]\n\tport =\n", `ups.conf:2:7: port = needs a value: expected port = <value>`},
	{"ups driver flag", "ups.conf", "[a]\n\tdriver\n", `ups.conf:2:2: driver needs a value: expected driver = <value>`},
	{"ups split header", "ups.conf", "[my ups]\n", `ups.conf:1:1: section header [my ups] is split into words: expected one word, write "[my ups]" in quotes or drop the spaces`},
	{"ups unclosed header", "ups.conf", "[abc\n", `ups.conf:1:1: section header [abc has no closing ]: expected [name]`},
	{"ups empty header", "ups.conf", "[]\n", `ups.conf:1:1: empty section name []: expected [upsname]`},

	// upsd.conf
	{"ACL", "upsd.conf", "ACL all 0.0.0.0/0\n", `upsd.conf:1:1: ACL was removed in NUT 2.4 (NUT logs "ACL in upsd.conf is no longer supported - switch to LISTEN" and ignores it): choose the addresses upsd binds with LISTEN <address> [<port>] in upsd.conf, and restrict who may connect to port 3493 with the firewall`},
	{"ACCEPT", "upsd.conf", "ACCEPT all\n", `upsd.conf:1:1: ACCEPT was removed in NUT 2.4 (NUT logs "ACCEPT in upsd.conf is no longer supported - switch to LISTEN" and ignores it): choose the addresses upsd binds with LISTEN <address> [<port>] in upsd.conf, and restrict who may connect to port 3493 with the firewall`},
	{"REJECT", "upsd.conf", "\n  REJECT all\n", `upsd.conf:2:3: REJECT was removed in NUT 2.4 (NUT logs "REJECT in upsd.conf is no longer supported - switch to LISTEN" and ignores it): choose the addresses upsd binds with LISTEN <address> [<port>] in upsd.conf, and restrict who may connect to port 3493 with the firewall`},
	{"MAXAGE word", "upsd.conf", "MAXAGE soon\n", `upsd.conf:1:8: MAXAGE has non numeric value (soon)!: expected MAXAGE <seconds>, got soon`},
	{"MAXAGE missing", "upsd.conf", "MAXAGE\n", `upsd.conf:1:1: MAXAGE: missing arguments, expected MAXAGE <seconds>`},
	{"MAXAGE negative", "upsd.conf", "MAXAGE -1\n", `upsd.conf:1:8: MAXAGE has non numeric value (-1)!: expected MAXAGE <seconds> >= 0, got -1`},
	{"TRACKINGDELAY word", "upsd.conf", "TRACKINGDELAY 1h\n", `upsd.conf:1:15: expected TRACKINGDELAY <seconds>, got 1h`},
	{"MAXCONN zero", "upsd.conf", "MAXCONN 0\n", `upsd.conf:1:9: MAXCONN: expected at least 1 connection, got 0`},
	{"MAXCONN word", "upsd.conf", "MAXCONN many\n", `upsd.conf:1:9: MAXCONN has non numeric value (many)!: expected MAXCONN <connections>, got many`},
	{"ALLOW_NO_DEVICE", "upsd.conf", "ALLOW_NO_DEVICE maybe\n", `upsd.conf:1:17: ALLOW_NO_DEVICE has non numeric and non boolean value (maybe)!: expected true/false (yes/no, on/off, 1/0)`},
	{"DISABLE_WEAK_SSL", "upsd.conf", "DISABLE_WEAK_SSL 2\n", `upsd.conf:1:18: DISABLE_WEAK_SSL has non boolean value (2)!: expected true/false (yes/no, on/off, 1/0)`},
	{"CERTREQUEST", "upsd.conf", "CERTREQUEST 3\n", `upsd.conf:1:13: expected CERTREQUEST 0 (no), 1 (request) or 2 (require), got 3`},
	{"CERTIDENT short", "upsd.conf", "CERTIDENT name\n", `upsd.conf:1:1: CERTIDENT: missing arguments, expected CERTIDENT <certificate name> <database password>`},
	{"LISTEN missing", "upsd.conf", "LISTEN\n", `upsd.conf:1:1: LISTEN: missing arguments, expected LISTEN <address> [<port>]`},
	{"LISTEN brackets", "upsd.conf", "LISTEN [::1] 3493\n", `upsd.conf:1:8: LISTEN [::1]: write IPv6 addresses without brackets, expected LISTEN ::1 [<port>]`},
	{"LISTEN host:port", "upsd.conf", "LISTEN 0.0.0.0:3493\n", `upsd.conf:1:8: LISTEN 0.0.0.0:3493: the port is a separate word, expected LISTEN 0.0.0.0 3493`},
	{"LISTEN port range", "upsd.conf", "LISTEN 10.0.0.1 70000\n", `upsd.conf:1:17: LISTEN 10.0.0.1 70000: expected a port from 1 to 65535`},
	{"LISTEN empty", "upsd.conf", "LISTEN \"\"\n", `upsd.conf:1:8: LISTEN: empty address, expected LISTEN <address> [<port>]`},
	{"DEBUG_MIN", "upsd.conf", "DEBUG_MIN high\n", `upsd.conf:1:11: DEBUG_MIN has non numeric or negative value in upsd.conf: expected a level >= 0, got high`},

	// upsd.users
	{"allowfrom", "upsd.users", "[u]\n\tallowfrom = localhost\n", `upsd.users:2:2: allowfrom was removed in NUT 2.4 (NUT logs "allowfrom in upsd.users is no longer used" and ignores it): choose the addresses upsd binds with LISTEN <address> [<port>] in upsd.conf, and restrict who may connect to port 3493 with the firewall`},
	{"password with =", "upsd.users", "[u]\n\tpassword = a=b\n", `upsd.users:2:14: password for u: expected one word, got a = b; quote a password that holds spaces or =, e.g. password = "a=b"`},
	{"duplicate user", "upsd.users", "[u]\npassword = a\n[u]\nactions = SET\n", `upsd.users:3:1: Ignoring duplicate user u: already defined at line 1; expected each [user] once (NUT would apply this section's settings to the previous user)`},
	{"duplicate password", "upsd.users", "[u]\npassword = a\npassword = b\n", `upsd.users:3:12: Ignoring duplicate password for u: expected one password line per user`},
	{"upsmon type", "upsd.users", "[u]\nupsmon boss\n", `upsd.users:2:8: Unknown upsmon type boss: expected upsmon primary or upsmon secondary (master/slave accepted)`},
	{"users key alone", "upsd.users", "[u]\npassword\n", `upsd.users:2:1: password: expected password = <value>`},
	{"users no =", "upsd.users", "[u]\nactions SET\n", `upsd.users:2:9: actions: expected actions = <value>, got actions SET`},
	{"users empty value", "upsd.users", "[u]\nactions =\n", `upsd.users:2:9: actions = needs a value`},

	// upsmon.conf
	{"MONITOR old style", "upsmon.conf", "MONITOR ups@localhost 1 pass primary\n", `upsmon.conf:1:1: Unable to use old-style MONITOR line without a username: expected MONITOR <system> <powervalue> <username> <password> primary|secondary (and add the user to upsd.users)`},
	{"MONITOR short", "upsmon.conf", "MONITOR ups@localhost 1\n", `upsmon.conf:1:1: MONITOR: missing arguments, expected MONITOR <system> <powervalue> <username> <password> primary|secondary`},
	{"MONITOR power word", "upsmon.conf", "MONITOR ups@localhost one u p primary\n", `upsmon.conf:1:23: UPS [ups@localhost]: ignoring invalid power value [one]: expected a whole number >= 0`},
	{"MONITOR power negative", "upsmon.conf", "MONITOR ups@localhost -1 u p primary\n", `upsmon.conf:1:23: UPS [ups@localhost]: ignoring invalid power value [-1]: expected a whole number >= 0`},
	{"MONITOR port", "upsmon.conf", "MONITOR ups@host:99999 1 u p primary\n", `upsmon.conf:1:9: MONITOR: unable to split UPS name [ups@host:99999]: no port from 1 to 65535 after ':' in "ups@host:99999"; expected upsname[@host[:port]]`},
	{"MONITOR no name", "upsmon.conf", "MONITOR @host 1 u p primary\n", `upsmon.conf:1:9: MONITOR: unable to split UPS name [@host]: no UPS name before @ in "@host"; expected upsname[@host[:port]]`},
	{"MONITOR bracket", "upsmon.conf", "MONITOR ups@[::1 1 u p primary\n", `upsmon.conf:1:9: MONITOR: unable to split UPS name [ups@[::1]: missing closing bracket in [domain literal] "[::1"; expected upsname[@host[:port]]`},
	{"MONITOR type", "upsmon.conf", "MONITOR ups@localhost 1 u p boss\n", `upsmon.conf:1:29: MONITOR ups@localhost: unknown type boss, expected primary or secondary (master/slave accepted); NUT would treat it as secondary`},
	{"POLLFREQ word", "upsmon.conf", "POLLFREQ fast\n", `upsmon.conf:1:10: POLLFREQ: expected a whole number of seconds, got fast`},
	{"POLLFREQ missing", "upsmon.conf", "POLLFREQ\n", `upsmon.conf:1:1: POLLFREQ: missing arguments, expected POLLFREQ <seconds>`},
	{"HOSTSYNC negative", "upsmon.conf", "HOSTSYNC -1\n", `upsmon.conf:1:10: HOSTSYNC: expected a number of seconds >= 0, got -1`},
	{"MINSUPPLIES word", "upsmon.conf", "MINSUPPLIES all\n", `upsmon.conf:1:13: MINSUPPLIES: expected a whole number, got all`},
	{"NOTIFYFLAG lower case", "upsmon.conf", "NOTIFYFLAG ONLINE syslog+WALL\n", `upsmon.conf:1:19: Invalid notify flag: [syslog]: expected SYSLOG, WALL, EXEC or IGNORE (upper case) joined with +`},
	{"NOTIFYFLAG type", "upsmon.conf", "NOTIFYFLAG ONFIRE SYSLOG\n", `upsmon.conf:1:12: Warning: invalid notify type [ONFIRE]: expected one of ONLINE, ONBATT, LOWBATT, FSD, COMMOK, COMMBAD, SHUTDOWN, REPLBATT, NOCOMM, NOPARENT, CAL`},
	{"NOTIFYFLAG missing", "upsmon.conf", "NOTIFYFLAG ONLINE\n", `upsmon.conf:1:1: NOTIFYFLAG: missing arguments, expected NOTIFYFLAG <notify type> <flag>[+<flag>...] (flags SYSLOG, WALL, EXEC, IGNORE)`},
	{"NOTIFYMSG type", "upsmon.conf", "NOTIFYMSG ONFIRE \"fire at %s\"\n", `upsmon.conf:1:11: 'ONFIRE' is not a valid notify event name: expected one of ONLINE, ONBATT, LOWBATT, FSD, COMMOK, COMMBAD, SHUTDOWN, REPLBATT, NOCOMM, NOPARENT, CAL`},
	{"CERTHOST", "upsmon.conf", "CERTHOST localhost cert yes 1\n", `upsmon.conf:1:25: CERTHOST certverify: expected a whole number, got yes`},
	{"CERTVERIFY", "upsmon.conf", "CERTVERIFY on\n", `upsmon.conf:1:12: CERTVERIFY: expected a whole number, got on`},
	{"SHUTDOWNEXIT", "upsmon.conf", "SHUTDOWNEXIT later\n", `upsmon.conf:1:14: SHUTDOWNEXIT: expected yes, no or a number of seconds, got later`},
	{"upsmon DEBUG_MIN", "upsmon.conf", "debug_min -1\n", `upsmon.conf:1:11: Invalid DEBUG_MIN value found in upsmon.conf global settings: expected a level >= 0, got -1`},

	// upssched.conf
	{"AT before CMDSCRIPT", "upssched.conf", "PIPEFN /p\nLOCKFN /l\nAT ONBATT * START-TIMER t 5\n", `upssched.conf:3:1: CMDSCRIPT must be set before any ATs in the config file!`},
	{"AT before PIPEFN", "upssched.conf", "CMDSCRIPT /c\nAT ONBATT * EXECUTE x\nPIPEFN /p\n", `upssched.conf:2:1: PIPEFN must be set before any ATs in the config file!`},
	{"AT before LOCKFN", "upssched.conf", "CMDSCRIPT /c\nPIPEFN /p\nAT ONBATT * EXECUTE x\n", `upssched.conf:3:1: LOCKFN must be set before any ATs in the config file!`},
	{"AT short", "upssched.conf", "CMDSCRIPT /c\nPIPEFN /p\nLOCKFN /l\nAT ONBATT * EXECUTE\n", `upssched.conf:4:1: AT: missing arguments, expected AT <notifytype> <upsname|*> START-TIMER <name> <seconds> | CANCEL-TIMER <name> [<command>] | EXECUTE <command>`},
	{"START-TIMER no seconds", "upssched.conf", "CMDSCRIPT /c\nPIPEFN /p\nLOCKFN /l\nAT ONBATT * START-TIMER t\n", `upssched.conf:4:13: START-TIMER: missing interval, expected AT ONBATT * START-TIMER <name> <seconds>`},
	{"START-TIMER bad seconds", "upssched.conf", "CMDSCRIPT /c\nPIPEFN /p\nLOCKFN /l\nAT ONBATT * START-TIMER t 30s\n", `upssched.conf:4:27: START-TIMER t: expected a whole number of seconds >= 0, got 30s`},
	{"AT invalid command", "upssched.conf", "CMDSCRIPT /c\nPIPEFN /p\nLOCKFN /l\nAT ONBATT * RUN x\n", `upssched.conf:4:13: Invalid command: RUN: expected START-TIMER, CANCEL-TIMER or EXECUTE (or START-TIMER-SHARED, CANCEL-TIMER-MATCHED of later NUT)`},
	{"EXECUTE empty", "upssched.conf", "CMDSCRIPT /c\nPIPEFN /p\nLOCKFN /l\nAT ONBATT * EXECUTE \"\"\n", `upssched.conf:4:21: Empty EXECUTE command argument: expected AT ONBATT * EXECUTE <command>`},
	{"upssched DEBUG_MIN", "upssched.conf", "DEBUG_MIN x\n", `upssched.conf:1:11: DEBUG_MIN: expected a level >= 0, got x`},

	// nut.conf
	{"nut spaces", "nut.conf", "MODE = standalone\n", `nut.conf:1:1: spaces around = are not allowed (the file is sourced by sh): expected MODE=standalone`},
	{"nut space after", "nut.conf", "MODE= standalone\n", `nut.conf:1:1: spaces around = are not allowed (the file is sourced by sh): expected MODE=standalone`},
	{"nut space before", "nut.conf", "MODE =standalone\n", `nut.conf:1:1: spaces around = are not allowed (the file is sourced by sh): expected MODE=standalone`},
	{"nut spaces quoted", "nut.conf", "UPSD_OPTIONS = \"-D -u nut\"\n", `nut.conf:1:1: spaces around = are not allowed (the file is sourced by sh): expected UPSD_OPTIONS='-D -u nut'`},
	{"nut bad mode", "nut.conf", "MODE=server\n", `nut.conf:1:1: MODE=server: expected none, standalone, netserver or netclient`},
	{"nut unterminated", "nut.conf", "MODE=none\nUPSD_OPTIONS=\"-D\n", `nut.conf:2:1: unterminated " quote: expected a closing "`},
	{"nut allow", "nut.conf", "MODE=none\nALLOW_NO_DEVICE=maybe\n", `nut.conf:2:1: ALLOW_NO_DEVICE=maybe: expected true or false`},

	// hosts.conf
	{"hosts short", "hosts.conf", "MONITOR myups@localhost\n", `hosts.conf:1:1: MONITOR: missing arguments, expected MONITOR <upsname@host> "<description>"`},
	{"hosts system", "hosts.conf", "MONITOR @localhost \"x\"\n", `hosts.conf:1:9: MONITOR: no UPS name before @ in "@localhost"; expected upsname@host[:port]`},
}

func TestErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			v, _, err := parsers[tc.file](strings.NewReader(tc.in), tc.file)
			if v == nil {
				t.Errorf("nil value with the error")
			}
			if err == nil {
				t.Fatalf("parse of %q: no error, want %s", tc.in, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("parse of %q:\ngot  %s\nwant %s", tc.in, err, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != tc.file || e.Line < 1 {
				t.Errorf("errors.As(*Error) = %+v", e)
			}
		})
	}
}
