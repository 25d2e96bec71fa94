package nutref

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
)

// Version is the NUT release the kit holds (Debian's package version 2.8.0-7).
const Version = "2.8.0"

// FetchCommand is what a developer runs, from the repository root, to fill the
// cache (`make test` runs it too).
const FetchCommand = "scripts/nutref-fetch"

// Kit is the unpacked reference NUT installation.
type Kit struct {
	// Root is the directory the Debian packages were unpacked into with
	// dpkg -x: it holds lib/nut/, sbin/, bin/, etc/nut/ (the sample
	// configuration files), usr/lib/cgi-bin/nut/ and so on.
	Root string

	libPath string
}

// CacheDir returns where the kit lives: $UPSLAB_NUT_CACHE, or
// $HOME/.cache/upslab/nut-2.8.0 (the same rule as scripts/nutref-fetch).
func CacheDir() (string, error) {
	if d := os.Getenv("UPSLAB_NUT_CACHE"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("nutref: no cache directory: %w", err)
	}
	return filepath.Join(home, ".cache", "upslab", "nut-"+Version), nil
}

// Open returns the kit if it is complete (scripts/nutref-fetch writes the
// .stamp file last), or an error saying what is missing.
func Open() (*Kit, error) {
	if runtime.GOOS != "linux" {
		return nil, fmt.Errorf("nutref: the reference NUT kit holds Debian Linux binaries; this is %s", runtime.GOOS)
	}
	dir, err := CacheDir()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, ".stamp")); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("nutref: reference NUT %s kit not found in %s", Version, dir)
		}
		return nil, fmt.Errorf("nutref: reference NUT kit: %w", err)
	}
	k := &Kit{Root: filepath.Join(dir, "root")}
	upsd := filepath.Join(k.Root, "lib", "nut", "upsd")
	if _, err := os.Stat(upsd); err != nil {
		return nil, fmt.Errorf("nutref: kit in %s is incomplete: %w", dir, err)
	}
	// Shared libraries sit in the multiarch directories (lib/x86_64-linux-gnu
	// and usr/lib/x86_64-linux-gnu on amd64).
	var libs []string
	for _, pat := range []string{"lib/*-linux-gnu*", "usr/lib/*-linux-gnu*"} {
		m, _ := filepath.Glob(filepath.Join(k.Root, pat))
		libs = append(libs, m...)
	}
	sort.Strings(libs)
	k.libPath = joinList(libs)
	return k, nil
}

// Require returns the kit, or ends the test when it is missing: with t.Skip
// and the command that fetches it, or with t.Fatal when the environment has
// CI=true, so that a CI run cannot pass by skipping the interop tests.
func Require(t testing.TB) *Kit {
	t.Helper()
	k, err := Open()
	if err == nil {
		return k
	}
	msg := fmt.Sprintf("%v; fetch it with %s (from the repository root) or run make test", err, FetchCommand)
	if os.Getenv("CI") == "true" && runtime.GOOS == "linux" {
		t.Fatal(msg + " (CI=true: a missing kit is a failure)")
	}
	t.Skip(msg)
	return nil
}

// binDirs are searched in order by Bin. lib/nut comes first because Debian's
// sbin/upsd and sbin/upsmon are shell wrappers around lib/nut/upsd and
// lib/nut/upsmon that read /etc/nut/nut.conf and refuse to run when MODE is
// not set there.
var binDirs = []string{
	"lib/nut",
	"sbin",
	"bin",
	"usr/lib/cgi-bin/nut",
	"usr/libexec",
}

// Bin returns the absolute path of a real NUT program: a daemon (upsd,
// upsmon), upssched, upsdrvctl, a client (upsc, upsrw, upscmd, upslog,
// nut-scanner), a driver (dummy-ups, mge-shut, usbhid-ups, ...) or a CGI
// program (upsstats.cgi, upsset.cgi, upsimage.cgi). It panics when the kit has
// no such program, since that is a mistake in the test.
func (k *Kit) Bin(name string) string {
	if name == "" || filepath.Base(name) != name {
		panic(fmt.Sprintf("nutref: bad program name %q", name))
	}
	for _, d := range binDirs {
		p := filepath.Join(k.Root, d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	panic(fmt.Sprintf("nutref: the NUT %s kit in %s has no program %q", Version, k.Root, name))
}

// DriverPath is the directory holding the real drivers, for ups.conf's
// "driverpath" when a test runs upsdrvctl (whose compiled-in default is
// /lib/nut).
func (k *Kit) DriverPath() string { return filepath.Join(k.Root, "lib", "nut") }

// SampleConf returns the path of one of the sample configuration files
// Debian ships in etc/nut/ (ups.conf, upsd.conf, upsd.users, upsmon.conf,
// upssched.conf, nut.conf, hosts.conf, upsset.conf).
func (k *Kit) SampleConf(name string) string { return filepath.Join(k.Root, "etc", "nut", name) }

// LibraryPath is the LD_LIBRARY_PATH value that lets the kit's programs find
// the unpacked libraries (libupsclient, libnss3, libwrap, ...).
func (k *Kit) LibraryPath() string { return k.libPath }

// PythonPath is the PYTHONPATH value that makes python3-nut's PyNUT module
// importable.
func (k *Kit) PythonPath() string {
	return filepath.Join(k.Root, "usr", "lib", "python3", "dist-packages")
}

func joinList(dirs []string) string {
	s := ""
	for i, d := range dirs {
		if i > 0 {
			s += string(os.PathListSeparator)
		}
		s += d
	}
	return s
}
