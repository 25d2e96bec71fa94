package conf

import (
	"io"
	"strings"

	"github.com/upslab/upslab/stack/parseconf"
)

// UsersConf is upsd.users: one section per user.
type UsersConf struct {
	File  string
	Users []*User // in file order
}

// Upsmon roles of upsd.users and upsmon.conf.
const (
	RolePrimary   = "primary"   // also written "master"
	RoleSecondary = "secondary" // also written "slave"
)

// User is one [username] section of upsd.users.
type User struct {
	Name string // case-sensitive, as upsd compares it
	Line int    // line of the [name] header
	// Password; a user with HasPassword false never logs in.
	Password    string
	HasPassword bool
	// Actions are the granted actions in NUT's list order: the ones of
	// "actions =" lines (SET, FSD) and, for an upsmon line, the ones it
	// implies (primary: login, master, fsd; secondary: login). Duplicates
	// (any case) are dropped. upsd compares them case-insensitively.
	Actions []string
	// InstCmds are the granted instant commands; "ALL" (any case) grants
	// every command. Compared case-insensitively.
	InstCmds []string
	// Upsmon is RolePrimary, RoleSecondary or "" when the user has no
	// upsmon line.
	Upsmon string
}

// Can reports whether the user holds the action (case-insensitive), as
// upsd's user_checkaction does after the password check.
func (u *User) Can(action string) bool {
	for _, a := range u.Actions {
		if strings.EqualFold(a, action) {
			return true
		}
	}
	return false
}

// CanInstCmd reports whether the user may run the instant command cmd.
func (u *User) CanInstCmd(cmd string) bool {
	for _, c := range u.InstCmds {
		if strings.EqualFold(c, cmd) || strings.EqualFold(c, "all") {
			return true
		}
	}
	return false
}

// Lookup returns the user with exactly this name, or nil.
func (c *UsersConf) Lookup(name string) *User {
	for _, u := range c.Users {
		if u.Name == name {
			return u
		}
	}
	return nil
}

// knownActions are the action names upsd checks (server/netset.c, netmisc.c,
// netuser.c): SET and FSD in upsd.users, login and master added by upsmon.
var knownActions = []string{"SET", "FSD", "LOGIN", "MASTER"}

func (u *User) addAction(a string) {
	if !u.Can(a) {
		u.Actions = append(u.Actions, a)
	}
}

func (u *User) addInstCmd(c string) {
	for _, x := range u.InstCmds {
		if strings.EqualFold(x, c) { // user_add_instcmd ignores duplicates
			return
		}
	}
	u.InstCmds = append(u.InstCmds, c)
}

// ParseUsersConf reads upsd.users. Keys are case-insensitive; both
// "key = value" and "upsmon primary" forms are accepted, and
// "key = v1 v2 ..." applies the key to each value (as server/user.c does).
func ParseUsersConf(r io.Reader, filename string) (*UsersConf, []Warning, error) {
	p := &parser{file: filename}
	c := &UsersConf{File: filename}
	lines, err := p.lines(r)
	if err != nil {
		return c, nil, err
	}
	var cur *User
	skip := false // inside a rejected section
	for _, l := range lines {
		w := l.Words
		if name, ok := sectionName(w[0]); ok {
			cur, skip = nil, false
			if len(w) > 1 {
				p.warn(&l, "words after the section header ignored: %s", showLine(w[1:]))
			}
			if name == "" {
				p.errAt(l, 0, "empty user name []: expected [username]")
				skip = true
				continue
			}
			if old := c.Lookup(name); old != nil {
				// NUT logs "Ignoring duplicate user x" but then applies the
				// section's lines to the user before it: refuse instead.
				p.errAt(l, 0, "Ignoring duplicate user %s: already defined at line %d; expected each [user] once (NUT would apply this section's settings to the previous user)", name, old.Line)
				skip = true
				continue
			}
			cur = &User{Name: name, Line: l.Num}
			c.Users = append(c.Users, cur)
			continue
		}
		if p.badHeader(l) {
			continue
		}
		if skip {
			continue
		}
		key := strings.ToLower(w[0])
		if key == "user" { // the pre-2.0 format; NUT ignores the line
			p.warn(&l, "old-style \"user\" line ignored: expected [username] sections")
			continue
		}
		var vals []string
		switch {
		case len(w) >= 3 && w[1] == "=":
			vals = w[2:]
		case len(w) == 2 && w[1] == "=":
			p.errAt(l, 1, "%s = needs a value", w[0])
			continue
		case key == "upsmon" && len(w) == 2:
			vals = w[1:]
		case len(w) == 1:
			p.errAt(l, 0, "%s: expected %s = <value>", w[0], w[0])
			continue
		default:
			p.errAt(l, 1, "%s: expected %s = <value>, got %s", w[0], w[0], showLine(w))
			continue
		}
		if key == "allowfrom" {
			p.removedIn24(l, "allowfrom in upsd.users is no longer used")
			continue
		}
		if cur == nil {
			p.warn(&l, "%s outside any [username] section ignored", w[0])
			continue
		}
		p.userSetting(l, cur, key, vals)
	}
	return c, p.warns, p.err()
}

func (p *parser) userSetting(l parseconf.Line, u *User, key string, vals []string) {
	first := len(l.Words) - len(vals) // word index of vals[0]
	switch key {
	case "password":
		if len(vals) > 1 {
			// upsd takes the first word and logs "Ignoring duplicate
			// password"; an unquoted = inside the password splits it.
			p.errAt(l, first+1, "password for %s: expected one word, got %s; quote a password that holds spaces or =, e.g. password = %s",
				u.Name, showLine(vals), parseconf.Quote(strings.Join(vals, "")))
			return
		}
		if u.HasPassword {
			p.errAt(l, first, "Ignoring duplicate password for %s: expected one password line per user", u.Name)
			return
		}
		u.Password, u.HasPassword = vals[0], true
	case "actions":
		for i, a := range vals {
			if a == "=" {
				p.errAt(l, first+i, "actions: unexpected =, expected actions = SET FSD")
				continue
			}
			known := false
			for _, k := range knownActions {
				known = known || strings.EqualFold(a, k)
			}
			if !known {
				p.warn(&l, "actions: unknown action %s for %s (upsd knows SET and FSD)", show(a), u.Name)
			}
			u.addAction(a)
		}
	case "instcmds":
		for i, c := range vals {
			if c == "=" {
				p.errAt(l, first+i, "instcmds: unexpected =, expected instcmds = ALL or command names")
				continue
			}
			u.addInstCmd(c)
		}
	case "upsmon":
		for i, v := range vals {
			switch strings.ToLower(v) {
			case "primary", "master":
				u.Upsmon = RolePrimary
				u.addAction("login")
				u.addAction("master") // the MASTER/PRIMARY protocol command
				u.addAction("fsd")
			case "secondary", "slave":
				if u.Upsmon == "" {
					u.Upsmon = RoleSecondary
				}
				u.addAction("login")
			default:
				p.errAt(l, first+i, "Unknown upsmon type %s: expected upsmon primary or upsmon secondary (master/slave accepted)", show(v))
			}
		}
	default:
		p.warn(&l, "Unrecognized user setting %s", l.Words[0])
	}
}
