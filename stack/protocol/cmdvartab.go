package protocol

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/upslab/upslab/stack/parseconf"
)

// Descriptions holds the variable and command descriptions upsd answers
// GET DESC and GET CMDDESC with (NUT's cmdvartab file).
//
// We do not ship NUT's cmdvartab (a GPL-2+ data file): upsd reads it at
// run time from DATAPATH or the usual NUT locations, exactly as NUT's upsd
// does, so our answers equal real upsd's on the same machine. When no file
// is found, Fallback (a short table written for upslab, not copied from
// NUT) keeps the common names described.
type Descriptions struct {
	Vars map[string]string // by lower-case name
	Cmds map[string]string // by lower-case name
}

// DescUnavailable is upsd's text for a name with no description.
const DescUnavailable = "Description unavailable"

// Var returns a variable's description or DescUnavailable.
func (d *Descriptions) Var(name string) string {
	if d != nil {
		if s, ok := d.Vars[strings.ToLower(name)]; ok {
			return s
		}
	}
	return DescUnavailable
}

// Cmd returns a command's description or DescUnavailable.
func (d *Descriptions) Cmd(name string) string {
	if d != nil {
		if s, ok := d.Cmds[strings.ToLower(name)]; ok {
			return s
		}
	}
	return DescUnavailable
}

// ParseCmdvartab reads a cmdvartab file: lines `VARDESC <name> "<text>"`
// and `CMDDESC <name> "<text>"`; anything else is ignored, as in upsd.
// As in upsd, the first description of a name wins.
func ParseCmdvartab(r io.Reader) (*Descriptions, error) {
	d := &Descriptions{Vars: map[string]string{}, Cmds: map[string]string{}}
	var tok parseconf.Tokenizer
	emit := func(l parseconf.Line) {
		if l.Err != nil || len(l.Words) < 3 {
			return
		}
		var m map[string]string
		switch l.Words[0] {
		case "VARDESC":
			m = d.Vars
		case "CMDDESC":
			m = d.Cmds
		default:
			return
		}
		k := strings.ToLower(l.Words[1])
		if _, dup := m[k]; !dup {
			m[k] = l.Words[2]
		}
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		tok.Feed(buf[:n], emit)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cmdvartab: %w", err)
		}
	}
	tok.Flush(emit)
	return d, nil
}

// CmdvartabPaths are the places NUT installs cmdvartab, searched by
// LoadDescriptions after DATAPATH.
var CmdvartabPaths = []string{
	"/usr/share/nut/cmdvartab",       // Debian, Ubuntu, Fedora
	"/usr/local/share/nut/cmdvartab", // source builds
	"/usr/local/ups/share/cmdvartab", // NUT's default prefix
	"/usr/pkg/share/nut/cmdvartab",   // pkgsrc
}

// LoadDescriptions reads cmdvartab from dataPath (upsd.conf DATAPATH),
// else from CmdvartabPaths. If none is readable it returns Fallback and
// an error describing what was tried (upsd logs it and goes on, as NUT
// logs "cmdvartab not found - disabling descriptions").
func LoadDescriptions(dataPath string) (*Descriptions, string, error) {
	var tried []string
	paths := CmdvartabPaths
	if dataPath != "" {
		paths = append([]string{filepath.Join(dataPath, "cmdvartab")}, paths...)
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			tried = append(tried, p)
			continue
		}
		d, err := ParseCmdvartab(f)
		f.Close()
		if err != nil {
			return Fallback(), "", err
		}
		return d, p, nil
	}
	return Fallback(), "", errors.New("cmdvartab not found (tried " + strings.Join(tried, ", ") + ") - using built-in descriptions")
}

// Fallback returns a small built-in description table, written for
// upslab in our own words, used only when no cmdvartab file exists.
func Fallback() *Descriptions {
	d := &Descriptions{Vars: map[string]string{}, Cmds: map[string]string{}}
	for k, v := range fallbackVars {
		d.Vars[k] = v
	}
	for k, v := range fallbackCmds {
		d.Cmds[k] = v
	}
	return d
}

var fallbackVars = map[string]string{
	"ups.status":          "Current UPS status flags",
	"ups.load":            "Output load in percent of nominal",
	"ups.mfr":             "UPS maker",
	"ups.model":           "UPS model name",
	"ups.serial":          "UPS serial number",
	"ups.firmware":        "UPS firmware version",
	"ups.delay.shutdown":  "Seconds between a shutdown command and the output turning off",
	"ups.delay.start":     "Seconds before the output comes back after power returns",
	"ups.timer.shutdown":  "Seconds left before the output turns off",
	"ups.beeper.status":   "Audible alarm state",
	"battery.charge":      "Battery charge in percent",
	"battery.charge.low":  "Charge in percent at which the battery counts as low",
	"battery.runtime":     "Estimated runtime on battery, in seconds",
	"battery.runtime.low": "Runtime in seconds at which the battery counts as low",
	"battery.voltage":     "Battery voltage in volts",
	"input.voltage":       "Mains voltage in volts",
	"input.frequency":     "Mains frequency in hertz",
	"output.voltage":      "Output voltage in volts",
	"device.mfr":          "Device maker",
	"device.model":        "Device model name",
	"device.serial":       "Device serial number",
	"device.type":         "Kind of device (ups, pdu...)",
	"driver.name":         "Name of the driver program",
	"driver.version":      "Version of the driver program",
}

var fallbackCmds = map[string]string{
	"load.off":                 "Switch the output off now",
	"load.on":                  "Switch the output on now",
	"shutdown.return":          "Switch the output off and back on when power returns",
	"shutdown.stayoff":         "Switch the output off and keep it off",
	"shutdown.stop":            "Cancel a pending shutdown",
	"test.battery.start":       "Begin a battery test",
	"test.battery.start.quick": "Begin a short battery test",
	"test.battery.start.deep":  "Begin a long battery test",
	"test.battery.stop":        "Abort a battery test",
	"beeper.enable":            "Turn the audible alarm on",
	"beeper.disable":           "Turn the audible alarm off",
	"beeper.mute":              "Silence the audible alarm for now",
}
