// Package scenarios holds the shipped power-event scripts (*.ups, in the
// simulator's script language, see docs/scripts.md), the default NUT
// configuration replays use (config/), and, in scenarios/replay, the
// runner behind `upslab replay` and `upslab demo`.
package scenarios

import "embed"

// FS holds the shipped scenarios and the default configuration.
//
//go:embed *.ups config/*.conf
var FS embed.FS
