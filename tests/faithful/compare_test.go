package faithful

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Exclusion removes, by name, the events where NUT 2.8.0 has a bug that
// upslab deliberately fixes (../shared/spec/daemons.md §10), so that a
// differential comparison checks everything else.
type Exclusion struct {
	// Name says which bug, with its NUT issue.
	Name string
	// Drop reports whether the event is one of the excluded differences
	// (it is removed from the side that has it).
	Drop func(Event) bool
	// Mask rewrites an event before comparison (nil: none).
	Mask func(Event) Event
}

// primaryFSDNotify: NUT 2.8.0's primary never notifies its own FSD (it
// exits before its next poll would see it); NUT 2.8.5 notifies it, and so
// does our upsmon.
var primaryFSDNotify = Exclusion{
	Name: "primary-fsd-notify (NUT 2.8.5 notifies FSD on the primary)",
	Drop: func(e Event) bool { return e.Kind == "notify" && e.What == "FSD" },
}

// timerEnv: the environment of a upssched timer's CMDSCRIPT. 2.8.0's
// daemon passes the UPSNAME/NOTIFYTYPE of the event that started the
// daemon, not of the timer's (NUT #3097, fixed in 2.8.5, which ours
// follows); timers are compared by name only.
func timerEnv(timers ...string) Exclusion {
	return Exclusion{
		Name: "timer-env (NUT #3097: 2.8.0 timer scripts see the first event's UPSNAME/NOTIFYTYPE)",
		Mask: func(e Event) Event {
			if e.Kind == "cmdscript" {
				for _, t := range timers {
					if e.What == t {
						e.UPS, e.Type = "", ""
					}
				}
			}
			return e
		},
	}
}

// apply runs the exclusions over one side's events.
func apply(evs []Event, ex ...Exclusion) []Event {
	var out []Event
next:
	for _, e := range evs {
		for _, x := range ex {
			if x.Drop != nil && x.Drop(e) {
				continue next
			}
			if x.Mask != nil {
				e = x.Mask(e)
			}
		}
		out = append(out, e)
	}
	return out
}

// key is what must be equal between two runs: the kind, what, the
// environment a script saw and a notification's message (with the MONITOR
// address normalised).
func key(e Event, addr string) string {
	k := e.Kind + " " + e.What
	if e.Kind != "notify" && (e.UPS != "" || e.Type != "") {
		k += fmt.Sprintf(" [UPSNAME=%s NOTIFYTYPE=%s]", strings.ReplaceAll(e.UPS, addr, "ADDR"), e.Type)
	}
	if e.Kind == "notify" {
		// The UPSNAME and the message NOTIFYCMD got as its argument.
		k += fmt.Sprintf(" %s %q", strings.ReplaceAll(e.UPS, addr, "ADDR"), strings.ReplaceAll(e.Args, addr, "ADDR"))
	}
	return k
}

// canonical orders events for comparison: kind by kind (notifications,
// then CMDSCRIPT calls, then SHUTDOWNCMD), each in time order, except that
// events of a kind closer than gap to the previous one form a group sorted
// by key. NUT's upsmon forks one process per notification, so two
// notifications of one poll (ONBATT and LOWBATT) and the commands they run
// can reach the recorder in either order (daemons.md §8.3, verified); and
// how long a notification takes to become a CMDSCRIPT call depends on the
// machine's load (real upssched 2.8.0 once took 0.4 s). Grouping makes
// that order irrelevant while the order of separate polls still counts;
// the order across kinds is checked through the times (timesWithin).
func canonical(evs []Event, addr string, gap time.Duration) []Event {
	var out []Event
	for _, kind := range []string{"notify", "cmdscript", "shutdown"} {
		k := pick(evs, kind)
		sort.SliceStable(k, func(i, j int) bool { return k[i].At < k[j].At })
		for i := 0; i < len(k); {
			j := i + 1
			for j < len(k) && k[j].At-k[j-1].At < gap {
				j++
			}
			g := k[i:j]
			sort.SliceStable(g, func(a, b int) bool { return key(g[a], addr) < key(g[b], addr) })
			i = j
		}
		out = append(out, k...)
	}
	return out
}

// keys lists the events' keys.
func keys(evs []Event, addr string) []string {
	var k []string
	for _, e := range evs {
		k = append(k, key(e, addr))
	}
	return k
}

// diff compares two event lists by key; "" when equal. Times are shown
// for the reader; they are checked separately (timesWithin).
func diff(nameA string, a []Event, addrA, nameB string, b []Event, addrB string) string {
	if strings.Join(keys(a, addrA), "\n") == strings.Join(keys(b, addrB), "\n") {
		return ""
	}
	return sideBySide(nameA, a, addrA, nameB, b, addrB)
}

// sideBySide prints two event lists in two columns, marking the rows
// whose keys differ.
func sideBySide(nameA string, a []Event, addrA, nameB string, b []Event, addrB string) string {
	ka, kb := keys(a, addrA), keys(b, addrB)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-60s | %s\n", nameA, nameB)
	for i := 0; i < len(a) || i < len(b); i++ {
		var l, r string
		if i < len(a) {
			l = fmt.Sprintf("%6.2fs %s", a[i].At.Seconds(), ka[i])
		}
		if i < len(b) {
			r = fmt.Sprintf("%6.2fs %s", b[i].At.Seconds(), kb[i])
		}
		mark := "  "
		if i >= len(a) || i >= len(b) || ka[i] != kb[i] {
			mark = "≠ "
		}
		fmt.Fprintf(&sb, "%s%-58s | %s\n", mark, l, r)
	}
	return sb.String()
}

// timesWithin checks that matching events (same index, same key) of two
// equal lists happened at times that differ by at most tol, after
// aligning both on their first events. It returns the offending pairs.
func timesWithin(a, b []Event, tol time.Duration) []string {
	var bad []string
	if len(a) == 0 || len(a) != len(b) {
		return nil
	}
	for i := range a {
		d := a[i].At - b[i].At
		if d < 0 {
			d = -d
		}
		if d > tol {
			bad = append(bad, fmt.Sprintf("%s at %.2fs vs %.2fs (|Δ| %.2fs > %.2fs)", a[i].Kind+" "+a[i].What,
				a[i].At.Seconds(), b[i].At.Seconds(), d.Seconds(), tol.Seconds()))
		}
	}
	return bad
}
