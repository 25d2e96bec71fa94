// Package upslabcli is the upslab command: one subcommand per file (sim,
// ctl, replay, demo, certify, record), each registered in an init function
// so that subcommands can be added without touching this file.
package upslabcli

import (
	"fmt"
	"io"
	"sort"
	"sync"
)

// Command is one upslab subcommand.
type Command struct {
	// Name is the word after "upslab".
	Name string
	// Summary is one line for the usage text.
	Summary string
	// Run runs the subcommand with the arguments after its name and
	// returns the exit status.
	Run func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

var (
	mu       sync.Mutex
	commands = map[string]Command{}
)

// Register adds a subcommand; it panics on a duplicate name (a programming
// error caught by any test).
func Register(c Command) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := commands[c.Name]; dup {
		panic("upslab: duplicate command " + c.Name)
	}
	commands[c.Name] = c
}

// Main runs upslab with its arguments (without the program name) and
// returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	mu.Lock()
	c, ok := commands[args[0]]
	mu.Unlock()
	if !ok {
		fmt.Fprintf(stderr, "upslab: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	return c.Run(args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: upslab <command> [arguments]")
	fmt.Fprintln(w, "\ncommands:")
	mu.Lock()
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].Summary)
	}
	mu.Unlock()
}
