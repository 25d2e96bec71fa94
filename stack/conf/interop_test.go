package conf

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/nutref"
	"github.com/upslab/upslab/stack/parseconf"
)

// TestRealNUTWording feeds the same bad files to the real NUT 2.8.0
// programs and to our parsers, and checks that the phrases NUT logs appear
// in our warnings or errors too. upsd exits early here (no UPS defined),
// upsmon -K exits after reading its file, upssched exits after its file.
func TestRealNUTWording(t *testing.T) {
	k := nutref.Require(t)
	tests := []struct {
		name    string // file name and program
		program string
		args    []string
		env     []string
		conf    string
		phrases []string // in both outputs
	}{
		{
			name: UpsdConfName, program: "upsd", args: []string{"-F"},
			conf: "listen 127.0.0.1\nFROBNICATE yes\nACL all 0.0.0.0/0\nACCEPT all\nREJECT all\n" +
				"MAXAGE soon\nMAXCONN many\nALLOW_NO_DEVICE maybe\nDISABLE_WEAK_SSL 2\nTRACKINGDELAY -5\n",
			phrases: []string{
				"upsd.conf: invalid directive listen 127.0.0.1",
				"upsd.conf: invalid directive FROBNICATE yes",
				"ACL in upsd.conf is no longer supported - switch to LISTEN",
				"ACCEPT in upsd.conf is no longer supported - switch to LISTEN",
				"REJECT in upsd.conf is no longer supported - switch to LISTEN",
				"MAXAGE has non numeric value (soon)!",
				"MAXCONN has non numeric value (many)!",
				"ALLOW_NO_DEVICE has non numeric and non boolean value (maybe)!",
				"DISABLE_WEAK_SSL has non boolean value (2)!",
				"TRACKINGDELAY has non numeric value (-5)!",
			},
		},
		{
			name: UpsmonConfName, program: "upsmon", args: []string{"-K"},
			conf: "MONITOR u@localhost 1 a b primary\nMONITOR u@localhost 1 a b secondary\npollfreq 3\n" +
				"POLLFREQ -2\nNOTIFYFLAG ONLINE syslog+WALL\nNOTIFYFLAG ONFIRE SYSLOG\nNOTIFYMSG ONFIRE \"x\"\nACL x\n",
			phrases: []string{
				"Warning: ignoring duplicate UPS [u@localhost]",
				"upsmon.conf line 3: invalid directive pollfreq 3",
				"Ignoring invalid POLLFREQ value: -2",
				"Invalid notify flag: [syslog]",
				"Warning: invalid notify type [ONFIRE]",
				"'ONFIRE' is not a valid notify event name",
				"upsmon.conf line 8: invalid directive ACL x",
			},
		},
		{
			name: UpsmonConfName + " old MONITOR", program: "upsmon", args: []string{"-K"},
			conf:    "MONITOR u@localhost 1 pass primary\n",
			phrases: []string{"Unable to use old-style MONITOR line without a username"},
		},
		{
			name: UpsschedConfName, program: "upssched", env: []string{"UPSNAME=u@localhost", "NOTIFYTYPE=NONE"},
			conf: "CMDSCRIPT /bin/true\nFOO bar\nPIPEFN /tmp/p\nlisten x\nAT ONBATT * EXECUTE x\n",
			phrases: []string{
				"upssched.conf: invalid directive FOO bar",
				"upssched.conf: invalid directive listen x",
				"LOCKFN must be set before any ATs in the config file!",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst := k.NewInstance(t)
			file := strings.Fields(tt.name)[0]
			conf := tt.conf
			if tt.program == "upsd" {
				conf = inst.Listen() + conf // never the shared port 3493
				inst.WriteFile(UPSConfName, "")
				inst.WriteFile(UsersConfName, "")
			}
			inst.WriteFile(file, conf)
			cmd := inst.Command(context.Background(), tt.program, tt.args...)
			cmd.Env = append(cmd.Env, tt.env...)
			out, _ := cmd.CombinedOutput() // all of them exit non-zero here
			real := string(out)

			_, warns, err := parsers[file](strings.NewReader(conf), inst.Path(file))
			var ours strings.Builder
			for _, w := range warns {
				ours.WriteString(w.String() + "\n")
			}
			if err != nil {
				ours.WriteString(err.Error())
			}
			for _, p := range tt.phrases {
				if !strings.Contains(real, p) {
					t.Errorf("real %s did not log %q; its output:\n%s", tt.program, p, real)
				}
				if !strings.Contains(ours.String(), p) {
					t.Errorf("we do not say %q; our output:\n%s", p, ours.String())
				}
			}
		})
	}
}

// TestRealNUTAcceptsGoldens runs our golden inputs through the real 2.8.0
// programs: the only lines they call invalid are the directives of later
// NUT, and CERTFILE and CERTREQUEST, which Debian's NSS build of upsd does
// not know (it is built without client certificate validation).
func TestRealNUTAcceptsGoldens(t *testing.T) {
	k := nutref.Require(t)
	tests := []struct {
		golden, file, program string
		args, env             []string
		later                 []string // directives 2.8.0 reports as invalid
	}{
		{"upsd", UpsdConfName, "upsd", []string{"-F"}, nil, []string{"CERTFILE", "CERTREQUEST"}},
		{"upsmon", UpsmonConfName, "upsmon", []string{"-K"}, nil, []string{
			"CERTFILE", "OBLBDURATION", "OFFDURATION", "OVERDURATION", "SHUTDOWNEXIT",
			"POLLFAIL_LOG_THROTTLE_MAX", "ALARMCRITICAL"}},
		{"upssched", UpsschedConfName, "upssched", nil, []string{"UPSNAME=x@localhost", "NOTIFYTYPE=NONE"}, []string{"DEBUG_MIN"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "golden", tt.golden+".txtar"))
			if err != nil {
				t.Fatal(err)
			}
			var conf string
			for _, f := range parseArchive(data).Files {
				if f.Name == tt.file {
					conf = string(f.Data)
				}
			}
			inst := k.NewInstance(t)
			if tt.program == "upsd" {
				// No LISTEN of ours (they would bind 3493 or resolve names).
				var keep []string
				for _, l := range strings.Split(conf, "\n") {
					if !strings.HasPrefix(l, "LISTEN ") {
						keep = append(keep, l)
					}
				}
				conf = inst.Listen() + strings.Join(keep, "\n")
				inst.WriteFile(UPSConfName, "")
				inst.WriteFile(UsersConfName, "")
			}
			inst.WriteFile(tt.file, conf)
			cmd := inst.Command(context.Background(), tt.program, tt.args...)
			cmd.Env = append(cmd.Env, tt.env...)
			out, _ := cmd.CombinedOutput()
			var invalid []string
			for _, l := range strings.Split(string(out), "\n") {
				if _, rest, ok := strings.Cut(l, "invalid directive "); ok {
					invalid = append(invalid, strings.Fields(rest)[0])
				}
				if strings.Contains(l, "not a valid notify event name") || strings.Contains(l, "Invalid notify flag") {
					invalid = append(invalid, strings.TrimSpace(l))
				}
			}
			// NOTIFYMSG NOTCAL is a later notify type too.
			want := tt.later
			if tt.golden == "upsmon" {
				want = append(want[:len(want):len(want)], "'NOTCAL' is not a valid notify event name")
			}
			sort.Strings(invalid)
			sort.Strings(want)
			if strings.Join(invalid, "|") != strings.Join(want, "|") {
				t.Errorf("real %s rejected %q, want %q; its output:\n%s", tt.program, invalid, want, out)
			}
		})
	}
}

// TestRealUpsdReadsUPSConf serves our ups.conf golden with the real upsd
// and compares its LIST UPS (names and descriptions, i.e. sections,
// quoting, escapes and continuation lines) with what we parsed.
func TestRealUpsdReadsUPSConf(t *testing.T) {
	k := nutref.Require(t)
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "ups.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var conf string
	for _, f := range parseArchive(data).Files {
		if f.Name == UPSConfName {
			conf = string(f.Data)
		}
	}
	inst := k.NewInstance(t)
	inst.WriteFile(UPSConfName, conf)
	inst.WriteFile(UpsdConfName, inst.Listen())
	inst.WriteFile(UsersConfName, "")
	p := inst.Start(t, "upsd")
	nutref.WaitPort(t, inst.Addr(), 10*time.Second, p)

	c, err := net.DialTimeout("tcp", inst.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "LIST UPS\n"); err != nil {
		t.Fatal(err)
	}
	var real []string
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "END LIST") || strings.HasPrefix(line, "ERR") {
			break
		}
		if w, err := parseconf.Split(line); err == nil && len(w) == 3 && w[0] == "UPS" {
			real = append(real, w[1]+"="+w[2])
		}
	}

	ours, _, err := ParseUPSConf(strings.NewReader(conf), UPSConfName)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, u := range ours.UPS {
		if !u.Complete() || strings.ContainsAny(u.Name, " \t") {
			continue // upsd skips incomplete ones; a name with a space cannot go on the wire
		}
		d := u.Desc
		if !u.HasDesc {
			d = "Unavailable"
		}
		want = append(want, u.Name+"="+d)
	}
	sort.Strings(real)
	sort.Strings(want)
	if strings.Join(real, "\n") != strings.Join(want, "\n") {
		t.Errorf("real upsd lists\n%s\nwe parsed\n%s", strings.Join(real, "\n"), strings.Join(want, "\n"))
	}
}

// TestRealUpsdUsers serves our upsd.users golden with the real upsd and
// checks, user by user, that LOGIN and PRIMARY are granted exactly when
// our parse says the user holds "login" and "master" (both need no
// driver). This pins the upsmon primary/secondary/master/slave rules,
// quoted passwords and the user without a password.
func TestRealUpsdUsers(t *testing.T) {
	k := nutref.Require(t)
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "users.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var users string
	for _, f := range parseArchive(data).Files {
		if f.Name == UsersConfName {
			users = string(f.Data)
		}
	}
	ours, _, err := ParseUsersConf(strings.NewReader(users), UsersConfName)
	if err != nil {
		t.Fatal(err)
	}
	inst := k.NewInstance(t)
	inst.WriteFile(UPSConfName, "[d]\n\tdriver = dummy-ups\n\tport = d.dev\n")
	inst.WriteFile(UpsdConfName, inst.Listen())
	inst.WriteFile(UsersConfName, users)
	p := inst.Start(t, "upsd")
	nutref.WaitPort(t, inst.Addr(), 10*time.Second, p)

	for _, u := range ours.Users {
		t.Run(u.Name, func(t *testing.T) {
			c, err := net.DialTimeout("tcp", inst.Addr(), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			pw := u.Password
			if !u.HasPassword {
				pw = "x"
			}
			fmt.Fprintf(c, "USERNAME %s\nPASSWORD %s\nLOGIN d\nPRIMARY d\n", parseconf.Quote(u.Name), parseconf.Quote(pw))
			r := bufio.NewReader(c)
			var replies []string
			for range 4 {
				line, err := r.ReadString('\n')
				if err != nil {
					t.Fatalf("after %q: %v", replies, err)
				}
				replies = append(replies, strings.TrimSpace(line))
			}
			want := []string{"OK", "OK", "ERR ACCESS-DENIED", "ERR ACCESS-DENIED"}
			if u.HasPassword && u.Can("login") {
				want[2] = "OK"
			}
			if u.HasPassword && u.Can("master") {
				want[3] = "OK PRIMARY-GRANTED"
			}
			if strings.Join(replies, "|") != strings.Join(want, "|") {
				t.Errorf("real upsd answered %q, our parse predicts %q", replies, want)
			}
		})
	}
}

// TestRealUpsschedLog compares UpsschedConf.NUTLog, line for line, with
// what the real upssched 2.8.0 logs while reading the same file.
func TestRealUpsschedLog(t *testing.T) {
	k := nutref.Require(t)
	inst := k.NewInstance(t)
	conf := "CMDSCRIPT /bin/true\nPIPEFN " + inst.Path("p") + "\nLOCKFN " + inst.Path("l") + "\n" +
		"AT ONBATT *\nCMDSCRIPT\nBOGUS line\nAT ONBATT * FROB x\nAT ONBATT * START-TIMER t 30s\n" +
		"X \"a # b\" c\nPIPEFN\nAT ONBATT * EXECUTE \"\"\n"
	inst.WriteFile(UpsschedConfName, conf)
	cmd := inst.Command(context.Background(), "upssched")
	cmd.Env = append(cmd.Env, "UPSNAME=u@localhost", "NOTIFYTYPE=NONE")
	out, _ := cmd.CombinedOutput()
	var real []string
	afterParseError := false
	for _, l := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(l, "upssched.conf:") && !strings.HasPrefix(l, "Parse error:") {
			continue
		}
		// NUT's tokenizer goes on with the rest of a line after an
		// unescaped # in quotes (`b" c` becomes a directive of its own);
		// parseconf drops the whole line.
		if afterParseError && strings.Contains(l, "invalid directive") {
			afterParseError = false
			continue
		}
		afterParseError = strings.HasPrefix(l, "Parse error:")
		real = append(real, l)
	}
	if len(real) != 5 {
		t.Fatalf("real upssched logged %d of the 5 expected lines:\n%s", len(real), out)
	}
	c, _, _ := ParseUpsschedConf(strings.NewReader(conf), inst.Path(UpsschedConfName))
	if strings.Join(c.NUTLog, "\n") != strings.Join(real, "\n") {
		t.Errorf("NUTLog:\n%s\nreal upssched:\n%s\n(its whole output:\n%s)", strings.Join(c.NUTLog, "\n"), strings.Join(real, "\n"), out)
	}
}
