package upsd

// This file adapts stack/conf's typed ups.conf and upsd.users to what the
// server looks things up in. The files themselves are parsed by stack/conf
// only (one parser per file in the project); upsd.conf is used as
// *conf.UpsdConf directly by Main.

import (
	"io"
	"io/fs"
	"strings"

	"github.com/upslab/upslab/stack/conf"
)

// UPSConf is one ups.conf section as upsd sees it.
type UPSConf struct {
	Name, Driver, Port, Desc string
	HasDesc                  bool
}

// UPSFromConf returns the sections upsd serves, in file order: complete
// ones (driver and port set), and of names that differ only in case the
// first, as upsd 2.8.0's ups_create ignores the later one (stack/conf
// warns about both cases, in NUT's words).
func UPSFromConf(c *conf.UPSConf) []UPSConf {
	var out []UPSConf
	if c == nil {
		return out
	}
next:
	for _, u := range c.UPS {
		if !u.Complete() {
			continue
		}
		for _, o := range out {
			if strings.EqualFold(o.Name, u.Name) {
				continue next
			}
		}
		out = append(out, UPSConf{Name: u.Name, Driver: u.Driver, Port: u.Port, Desc: u.Desc, HasDesc: u.HasDesc})
	}
	return out
}

// User is one upsd.users section, in the form the server checks: action
// and command names lower-cased into sets.
type User struct {
	Name     string
	Password string
	HasPass  bool
	Actions  map[string]bool // lower case
	InstCmds map[string]bool // lower case; "all" grants every command
}

// Users is the parsed upsd.users, in file order.
type Users []*User

// UsersFromConf converts stack/conf's upsd.users. The "upsmon primary" and
// "upsmon secondary" lines are already expanded by stack/conf into the
// actions they grant (login, master, fsd / login).
func UsersFromConf(c *conf.UsersConf) Users {
	var us Users
	if c == nil {
		return us
	}
	for _, cu := range c.Users {
		u := &User{Name: cu.Name, Password: cu.Password, HasPass: cu.HasPassword,
			Actions: map[string]bool{}, InstCmds: map[string]bool{}}
		for _, a := range cu.Actions {
			u.Actions[strings.ToLower(a)] = true
		}
		for _, c := range cu.InstCmds {
			u.InstCmds[strings.ToLower(c)] = true
		}
		us = append(us, u)
	}
	return us
}

// ParseUsers reads an upsd.users from r (name is used in messages): the
// users, stack/conf's warnings, and its error (a conf.ErrorList naming
// file:line for lines that were skipped). Like upsd, the users that could
// be read are returned even with an error.
func ParseUsers(r io.Reader, name string) (Users, []conf.Warning, error) {
	c, warns, err := conf.ParseUsersConf(r, name)
	return UsersFromConf(c), warns, err
}

func (us Users) find(name string) *User {
	for _, u := range us {
		if u.Name == name {
			return u
		}
	}
	return nil
}

// CheckAction reports whether user/password may do action (LOGIN, MASTER,
// FSD, SET), with the rules of NUT 2.8.0's user_checkaction: the first
// section with that exact name decides; a user without a password never
// matches; action names compare case-insensitively.
func (us Users) CheckAction(user, pass string, hasUser, hasPass bool, action string) bool {
	u := us.authUser(user, pass, hasUser, hasPass)
	return u != nil && u.Actions[strings.ToLower(action)]
}

// CheckInstCmd is user_checkinstcmd: the command, or "all", must be listed.
func (us Users) CheckInstCmd(user, pass string, hasUser, hasPass bool, cmd string) bool {
	u := us.authUser(user, pass, hasUser, hasPass)
	return u != nil && (u.InstCmds[strings.ToLower(cmd)] || u.InstCmds["all"])
}

// authUser returns the user if the session's USERNAME and PASSWORD match.
func (us Users) authUser(user, pass string, hasUser, hasPass bool) *User {
	if !hasUser || !hasPass {
		return nil
	}
	u := us.find(user)
	if u == nil || !u.HasPass || u.Password != pass {
		return nil
	}
	return u
}

// confLog renders stack/conf's findings as upsd's log lines. Warnings are
// logged as their Msg, which is NUT's own text where NUT has one
// ("upsd.conf: invalid directive FOO bar", "Unrecognized user setting
// foo"); the permission warning is upsd 2.8.0's "<file> is world readable"
// when others can read the file, and stack/conf's chmod hint (with the file
// name) when only the group can (upsd says nothing then). Errors are lines upsd would also
// skip or misread; they keep their file:line[:col] and NUT's wording
// ("MAXAGE has non numeric value (abc)!: ...").
func confLog(warns []conf.Warning, err error) []string {
	var out []string
	for _, w := range warns {
		out = append(out, warningText(w))
	}
	if err == nil {
		return out
	}
	if l, ok := err.(conf.ErrorList); ok {
		for _, e := range l {
			out = append(out, e.Error())
		}
		return out
	}
	return append(out, err.Error())
}

func warningText(w conf.Warning) string {
	switch {
	case w.Mode == 0:
		return w.Msg
	case w.Mode.Perm()&0o004 != 0:
		return w.File + " is world readable"
	}
	return w.String()
}

// loadConf runs a conf.LoadX and logs what it found. It fails only when
// the file cannot be opened; cantOpen words that error as upsd does.
func loadConf[T any](path string, load func(string) (*T, []conf.Warning, error), logf func(string, ...any)) (*T, error) {
	c, warns, err := load(path)
	if c == nil {
		if err == nil {
			err = fs.ErrInvalid
		}
		return nil, err
	}
	for _, l := range confLog(warns, err) {
		logf("%s", l)
	}
	return c, nil
}

// cantOpen is upsd's message for a file it cannot open: "Can't open
// <path>: No such file or directory".
func cantOpen(path string, err error) string {
	return "Can't open " + path + ": " + sysErrText(err)
}
