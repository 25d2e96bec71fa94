package upsd

// This file reads upsd.conf, ups.conf and upsd.users with the rules of
// daemons.md §2–§4. It is deliberately self-contained: the shared config
// package (stack/conf) was being written at the same time; switch to it
// once it covers these three files, and delete this file.

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/upslab/upslab/stack/parseconf"
)

// ListenAddr is one LISTEN directive.
type ListenAddr struct {
	Host string
	Port int
}

// Config is upsd.conf.
type Config struct {
	Listen         []ListenAddr
	MaxAge         int // seconds, default 15
	TrackingDelay  int // seconds, default 3600
	AllowNoDevice  bool
	MaxConn        int // 0: default
	StatePath      string
	DataPath       string
	CertFile       string
	DisableWeakSSL bool
	DebugMin       int
}

// UPSConf is one ups.conf section as upsd sees it.
type UPSConf struct {
	Name, Driver, Port, Desc string
	HasDesc                  bool
}

// User is one upsd.users section.
type User struct {
	Name     string
	Password string
	HasPass  bool
	Actions  map[string]bool // lower case
	InstCmds map[string]bool // lower case; "all" grants every command
}

// Users is the parsed upsd.users, in file order.
type Users []*User

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
	if !hasUser || !hasPass {
		return false
	}
	u := us.find(user)
	if u == nil || !u.HasPass || u.Password != pass {
		return false
	}
	return u.Actions[strings.ToLower(action)]
}

// CheckInstCmd is user_checkinstcmd: the command, or "all", must be listed.
func (us Users) CheckInstCmd(user, pass string, hasUser, hasPass bool, cmd string) bool {
	if !hasUser || !hasPass {
		return false
	}
	u := us.find(user)
	if u == nil || !u.HasPass || u.Password != pass {
		return false
	}
	return u.InstCmds[strings.ToLower(cmd)] || u.InstCmds["all"]
}

// confLines tokenizes a file and calls f for each line (with its number);
// parse errors are reported through warn, as NUT logs them and goes on.
func confLines(path string, warn func(string), f func(words []string, line int)) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var tok parseconf.Tokenizer
	emit := func(l parseconf.Line) {
		if l.Err != nil {
			warn(fmt.Sprintf("Parse error: %s:%d: %s", path, l.Num, nutParseMsg(l.Err)))
			return
		}
		f(l.Words, l.Num)
	}
	tok.Feed(data, emit)
	tok.Flush(emit)
	return nil
}

func nutParseMsg(err error) string {
	if err == parseconf.ErrHashInQuotes {
		return "Unbalanced word due to unescaped # in quotes"
	}
	return err.Error()
}

func parseBool(s string) bool {
	switch strings.ToLower(s) {
	case "true", "yes", "on", "1":
		return true
	}
	n, err := strconv.Atoi(s)
	return err == nil && n > 0
}

// ReadConfig parses upsd.conf. Unknown directives are warned about.
func ReadConfig(path string, warn func(string)) (*Config, error) {
	c := &Config{MaxAge: 15, TrackingDelay: 3600}
	err := confLines(path, warn, func(w []string, _ int) {
		// Keywords are case-sensitive upper case in 2.8.0, DEBUG_MIN aside.
		kw := w[0]
		switch {
		case kw == "LISTEN" && len(w) >= 2:
			la := ListenAddr{Host: w[1], Port: 3493}
			if len(w) >= 3 {
				if p, err := strconv.Atoi(w[2]); err == nil {
					la.Port = p
				}
			}
			c.Listen = append(c.Listen, la)
		case kw == "MAXAGE" && len(w) >= 2:
			if w[1] == "" || w[1][0] < '0' || w[1][0] > '9' {
				warn(fmt.Sprintf("MAXAGE has non numeric value (%s)!", w[1]))
				return
			}
			c.MaxAge = atoi(w[1])
		case kw == "TRACKINGDELAY" && len(w) >= 2:
			if w[1] == "" || w[1][0] < '0' || w[1][0] > '9' {
				warn(fmt.Sprintf("TRACKINGDELAY has non numeric value (%s)!", w[1]))
				return
			}
			c.TrackingDelay = atoi(w[1])
		case kw == "ALLOW_NO_DEVICE" && len(w) >= 2:
			c.AllowNoDevice = parseBool(w[1])
		case kw == "MAXCONN" && len(w) >= 2:
			c.MaxConn = atoi(w[1])
		case kw == "STATEPATH" && len(w) >= 2:
			c.StatePath = w[1]
		case kw == "DATAPATH" && len(w) >= 2:
			c.DataPath = w[1]
		case kw == "CERTFILE" && len(w) >= 2:
			c.CertFile = w[1]
		case kw == "DISABLE_WEAK_SSL" && len(w) >= 2:
			c.DisableWeakSSL = parseBool(w[1])
		case strings.EqualFold(kw, "DEBUG_MIN") && len(w) >= 2:
			c.DebugMin = atoi(w[1])
		case kw == "CERTPATH" || kw == "CERTIDENT" || kw == "CERTREQUEST":
			// NSS-build directives: accepted and unused by our crypto/tls build.
		case kw == "ACL" || kw == "ACCEPT" || kw == "REJECT":
			warn(fmt.Sprintf("upsd.conf: %s directive no longer supported - switch to LISTEN", kw))
		default:
			warn("upsd.conf: invalid directive " + strings.Join(w, " "))
		}
	})
	return c, err
}

// ReadUPSConf parses ups.conf, keeping driver, port and desc of each
// section (the only keys upsd reads). Incomplete sections are dropped
// with NUT's warning; duplicates (case-insensitive) are an error.
func ReadUPSConf(path string, warn func(string)) ([]UPSConf, error) {
	var out []UPSConf
	var cur *UPSConf
	var ferr error
	flush := func() {
		if cur == nil {
			return
		}
		if cur.Driver == "" || cur.Port == "" {
			warn(fmt.Sprintf("Warning: ignoring incomplete configuration for UPS [%s]", cur.Name))
		} else {
			out = append(out, *cur)
		}
		cur = nil
	}
	err := confLines(path, warn, func(w []string, _ int) {
		if len(w) == 1 && len(w[0]) >= 2 && w[0][0] == '[' && w[0][len(w[0])-1] == ']' {
			flush()
			name := w[0][1 : len(w[0])-1]
			for _, u := range out {
				if strings.EqualFold(u.Name, name) && ferr == nil {
					ferr = fmt.Errorf("UPS name [%s] is already in use!", name)
				}
			}
			cur = &UPSConf{Name: name}
			return
		}
		if cur == nil || len(w) < 3 || w[1] != "=" {
			return
		}
		switch w[0] {
		case "driver":
			cur.Driver = w[2]
		case "port":
			cur.Port = w[2]
		case "desc":
			cur.Desc, cur.HasDesc = w[2], true
		}
	})
	flush()
	if err != nil {
		return nil, err
	}
	return out, ferr
}

// ReadUsers parses upsd.users.
func ReadUsers(path string, warn func(string)) (Users, error) {
	var users Users
	var cur *User
	add := func(key, val string) {
		switch strings.ToLower(key) {
		case "password":
			if cur.HasPass {
				warn("Ignoring duplicate password for " + cur.Name)
				return
			}
			cur.Password, cur.HasPass = val, true
		case "actions":
			cur.Actions[strings.ToLower(val)] = true
		case "instcmds":
			cur.InstCmds[strings.ToLower(val)] = true
		case "upsmon":
			switch strings.ToLower(val) {
			case "master", "primary":
				cur.Actions["login"] = true
				cur.Actions["master"] = true
				cur.Actions["fsd"] = true
			case "slave", "secondary":
				cur.Actions["login"] = true
			default:
				warn("Unknown upsmon type " + val)
			}
		case "allowfrom":
			warn("allowfrom in upsd.users is no longer used")
		default:
			warn("Unrecognized user setting " + key)
		}
	}
	err := confLines(path, warn, func(w []string, _ int) {
		if len(w) == 1 && len(w[0]) >= 2 && w[0][0] == '[' && w[0][len(w[0])-1] == ']' {
			name := w[0][1 : len(w[0])-1]
			if users.find(name) != nil {
				warn("Ignoring duplicate user " + name)
				cur = &User{Name: name, Actions: map[string]bool{}, InstCmds: map[string]bool{}} // detached
				return
			}
			cur = &User{Name: name, Actions: map[string]bool{}, InstCmds: map[string]bool{}}
			users = append(users, cur)
			return
		}
		if cur == nil || strings.EqualFold(w[0], "user") {
			return
		}
		if len(w) >= 3 && w[1] == "=" {
			for _, v := range w[2:] {
				if v == "=" {
					continue
				}
				add(w[0], v)
			}
			return
		}
		if len(w) >= 2 {
			for _, v := range w[1:] {
				add(w[0], v)
			}
		}
	})
	return users, err
}

// atoi is C's atoi: a leading integer, else 0.
func atoi(s string) int {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			if strings.HasPrefix(s, "-") {
				return -1 << 31
			}
			return 1<<31 - 1
		}
		return 0
	}
	return n
}
