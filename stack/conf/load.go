package conf

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// File names inside the configuration directory.
const (
	UPSConfName      = "ups.conf"
	UpsdConfName     = "upsd.conf"
	UsersConfName    = "upsd.users"
	UpsmonConfName   = "upsmon.conf"
	UpsschedConfName = "upssched.conf"
	NutConfName      = "nut.conf"
	HostsConfName    = "hosts.conf"
	UpssetConfName   = "upsset.conf"
)

// DefaultConfPath is Debian's compiled configuration directory.
const DefaultConfPath = "/etc/nut"

// ConfPath returns $NUT_CONFPATH, or DefaultConfPath, as NUT's confpath()
// does. getenv is os.Getenv when nil.
func ConfPath(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	if p := getenv("NUT_CONFPATH"); p != "" {
		return p
	}
	return DefaultConfPath
}

// Path joins dir and a file name such as UpsdConfName.
func Path(dir, name string) string { return filepath.Join(dir, name) }

func load[T any](path string, secret bool, parse func(io.Reader, string) (*T, []Warning, error)) (*T, []Warning, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var pre []Warning
	if secret {
		if fi, err := f.Stat(); err == nil {
			if w, bad := PermWarning(path, fi.Mode()); bad {
				pre = append(pre, w)
			}
		}
	}
	v, warns, err := parse(f, path)
	return v, append(pre, warns...), err
}

// PermWarning is the warning for a file that holds passwords (upsd.users,
// upsmon.conf) and can be read by group or others. NUT 2.8.0's upsd only
// says "<file> is world readable" (and upsmon says nothing); we also flag
// group access and name the fix.
func PermWarning(path string, mode fs.FileMode) (Warning, bool) {
	perm := mode.Perm()
	if perm&0o077 == 0 {
		return Warning{}, false
	}
	who := "group"
	if perm&0o007 != 0 {
		who = "others"
		if perm&0o070 != 0 {
			who = "group and others"
		}
	}
	return Warning{File: path, Mode: mode, Msg: fmt.Sprintf(
		"this file holds passwords and is readable by %s (mode %04o): fix it with chmod 0600 %s (owned by the user the daemon runs as)",
		who, perm, path)}, true
}

// LoadUPSConf reads the ups.conf at path.
func LoadUPSConf(path string) (*UPSConf, []Warning, error) {
	return load(path, false, ParseUPSConf)
}

// LoadUpsdConf reads the upsd.conf at path.
func LoadUpsdConf(path string) (*UpsdConf, []Warning, error) {
	return load(path, false, ParseUpsdConf)
}

// LoadUsersConf reads the upsd.users at path and warns when its mode lets
// group or others read the passwords.
func LoadUsersConf(path string) (*UsersConf, []Warning, error) {
	return load(path, true, ParseUsersConf)
}

// LoadUpsmonConf reads the upsmon.conf at path and warns when its mode
// lets group or others read the passwords.
func LoadUpsmonConf(path string) (*UpsmonConf, []Warning, error) {
	return load(path, true, ParseUpsmonConf)
}

// LoadUpsschedConf reads the upssched.conf at path.
func LoadUpsschedConf(path string) (*UpsschedConf, []Warning, error) {
	return load(path, false, ParseUpsschedConf)
}

// LoadNutConf reads the nut.conf at path.
func LoadNutConf(path string) (*NutConf, []Warning, error) {
	return load(path, false, ParseNutConf)
}

// LoadHostsConf reads the hosts.conf at path.
func LoadHostsConf(path string) (*HostsConf, []Warning, error) {
	return load(path, false, ParseHostsConf)
}

// LoadUpssetConf reads the upsset.conf at path.
func LoadUpssetConf(path string) (*UpssetConf, []Warning, error) {
	return load(path, false, ParseUpssetConf)
}
