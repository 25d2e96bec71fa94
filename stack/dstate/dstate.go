// Package dstate is a UPS's state table as NUT keeps it on both ends of the
// driver socket: variables with their flags, enumerations and ranges, the
// instant commands, and whether the data is fresh.
//
// The driver owns one Table and changes it; the driver socket serialises it
// (the DUMPALL order of NUT 2.8.0's dstate.c) and broadcasts changes. upsd
// keeps a mirror Table per UPS, filled from the socket. In the lab both are
// the same kind of value, so the in-memory path and the wire agree.
package dstate

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Flag bits of a variable.
type Flag uint8

const (
	// RW marks a writable variable (SETFLAGS ... RW).
	RW Flag = 1 << iota
	// String marks a string variable (SETFLAGS ... STRING).
	String
	// Number marks a numeric variable (SETFLAGS ... NUMBER, NUT 2.8.0+).
	Number
)

// Range is an integer range of allowed values (ADDRANGE).
type Range struct{ Min, Max int }

// Var is one variable.
type Var struct {
	Name   string
	Value  string
	Flags  Flag
	Aux    int // maximum length of a STRING variable
	Enums  []string
	Ranges []Range
}

// Change is one change to a table, in driver-socket terms: Op is the word
// the driver would send (SETINFO, DELINFO, SETFLAGS, SETAUX, ADDENUM,
// DELENUM, ADDRANGE, DELRANGE, ADDCMD, DELCMD, DATAOK, DATASTALE) and Args
// its arguments, unquoted.
type Change struct {
	Op   string
	Args []string
}

// Table is a UPS state table. The zero value is empty and ready; it is safe
// for concurrent use.
type Table struct {
	mu        sync.Mutex
	vars      map[string]*Var // by lower-case name
	cmds      map[string]string
	stale     bool
	listeners []func(Change)
	frozen    map[string]bool // by lower-case name; see Freeze
}

func key(s string) string { return strings.ToLower(s) }

// Listen registers f to be called after every change, in order. f runs with
// the table unlocked but must not block for long.
func (t *Table) Listen(f func(Change)) {
	t.mu.Lock()
	t.listeners = append(t.listeners, f)
	t.mu.Unlock()
}

func (t *Table) emit(op string, args ...string) {
	ls := t.listeners
	t.mu.Unlock()
	for _, f := range ls {
		f(Change{Op: op, Args: args})
	}
	t.mu.Lock()
}

// Set creates or updates a variable and reports whether it changed. As in
// NUT 2.8.0's state_setinfo, a value equal to the old one ignoring case is
// not a change.
func (t *Table) Set(name, value string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.vars == nil {
		t.vars = map[string]*Var{}
	}
	v := t.vars[key(name)]
	if v != nil && (strings.EqualFold(v.Value, value) || t.frozen[key(name)]) {
		return false
	}
	if v == nil {
		v = &Var{Name: name}
		t.vars[key(name)] = v
	}
	v.Value = value
	t.emit("SETINFO", name, value)
	return true
}

// Freeze makes an existing variable immutable, as NUT's ST_FLAG_IMMUTABLE
// does for a driver's override.* settings (NUT issue #737): later Set and
// Del calls leave it as it is. Reset thaws everything.
func (t *Table) Freeze(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.frozen == nil {
		t.frozen = map[string]bool{}
	}
	t.frozen[key(name)] = true
}

// Get returns a variable's value.
func (t *Table) Get(name string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.vars[key(name)]
	if v == nil {
		return "", false
	}
	return v.Value, true
}

// Var returns a copy of a variable.
func (t *Table) Var(name string) (Var, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.vars[key(name)]
	if v == nil {
		return Var{}, false
	}
	return copyVar(v), true
}

func copyVar(v *Var) Var {
	c := *v
	c.Enums = slices.Clone(v.Enums)
	c.Ranges = slices.Clone(v.Ranges)
	return c
}

// Del deletes a variable with its enums and ranges.
func (t *Table) Del(name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.vars[key(name)]; !ok || t.frozen[key(name)] {
		return false
	}
	delete(t.vars, key(name))
	t.emit("DELINFO", name)
	return true
}

// SetFlags replaces a variable's flags; the variable must exist.
func (t *Table) SetFlags(name string, f Flag) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.vars[key(name)]
	if v == nil || v.Flags == f {
		return false
	}
	v.Flags = f
	t.emit("SETFLAGS", append([]string{name}, f.Words()...)...)
	return true
}

// SetAux sets the maximum length of a STRING variable.
func (t *Table) SetAux(name string, n int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.vars[key(name)]
	if v == nil || v.Aux == n {
		return false
	}
	v.Aux = n
	t.emit("SETAUX", name, strconv.Itoa(n))
	return true
}

// AddEnum appends an allowed value; an exact duplicate is ignored.
func (t *Table) AddEnum(name, value string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.vars[key(name)]
	if v == nil || slices.Contains(v.Enums, value) {
		return false
	}
	v.Enums = append(v.Enums, value)
	t.emit("ADDENUM", name, value)
	return true
}

// DelEnum removes an allowed value.
func (t *Table) DelEnum(name, value string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.vars[key(name)]
	if v == nil {
		return false
	}
	i := slices.Index(v.Enums, value)
	if i < 0 {
		return false
	}
	v.Enums = slices.Delete(v.Enums, i, i+1)
	t.emit("DELENUM", name, value)
	return true
}

// AddRange appends an allowed range. As NUT 2.8.0 does, a range sharing
// either bound with an existing one counts as a duplicate and is dropped.
func (t *Table) AddRange(name string, r Range) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.vars[key(name)]
	if v == nil {
		return false
	}
	for _, o := range v.Ranges {
		if o.Min == r.Min || o.Max == r.Max {
			return false
		}
	}
	v.Ranges = append(v.Ranges, r)
	t.emit("ADDRANGE", name, strconv.Itoa(r.Min), strconv.Itoa(r.Max))
	return true
}

// DelRange removes a range.
func (t *Table) DelRange(name string, r Range) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.vars[key(name)]
	if v == nil {
		return false
	}
	i := slices.Index(v.Ranges, r)
	if i < 0 {
		return false
	}
	v.Ranges = slices.Delete(v.Ranges, i, i+1)
	t.emit("DELRANGE", name, strconv.Itoa(r.Min), strconv.Itoa(r.Max))
	return true
}

// AddCmd adds an instant command (case-insensitive, no duplicates).
func (t *Table) AddCmd(name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cmds == nil {
		t.cmds = map[string]string{}
	}
	if _, ok := t.cmds[key(name)]; ok {
		return false
	}
	t.cmds[key(name)] = name
	t.emit("ADDCMD", name)
	return true
}

// DelCmd removes an instant command.
func (t *Table) DelCmd(name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.cmds[key(name)]; !ok {
		return false
	}
	delete(t.cmds, key(name))
	t.emit("DELCMD", name)
	return true
}

// HasCmd reports whether an instant command exists (case-insensitive).
func (t *Table) HasCmd(name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.cmds[key(name)]
	return ok
}

// SetStale marks the data stale (DATASTALE) or fresh (DATAOK).
func (t *Table) SetStale(stale bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stale == stale {
		return false
	}
	t.stale = stale
	if stale {
		t.emit("DATASTALE")
	} else {
		t.emit("DATAOK")
	}
	return true
}

// Stale reports whether the data is stale.
func (t *Table) Stale() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stale
}

// Vars returns copies of all variables in case-insensitive name order (the
// order of NUT's dump and of LIST VAR).
func (t *Table) Vars() []Var {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := make([]string, 0, len(t.vars))
	for k := range t.vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Var, 0, len(keys))
	for _, k := range keys {
		out = append(out, copyVar(t.vars[k]))
	}
	return out
}

// Cmds returns the instant commands in case-insensitive order.
func (t *Table) Cmds() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := make([]string, 0, len(t.cmds))
	for k := range t.cmds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = t.cmds[k]
	}
	return out
}

// Reset empties the table (upsd does this when a driver reconnects).
func (t *Table) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.vars = nil
	t.cmds = nil
	t.stale = false
	t.frozen = nil
}

// Dump returns the table as NUT 2.8.0 drivers dump it (without DUMPDONE).
func (t *Table) Dump() []Change {
	var out []Change
	if t.Stale() {
		out = append(out, Change{Op: "DATASTALE"})
	}
	for _, v := range t.Vars() {
		out = append(out, Change{Op: "SETINFO", Args: []string{v.Name, v.Value}})
		for _, e := range v.Enums {
			out = append(out, Change{Op: "ADDENUM", Args: []string{v.Name, e}})
		}
		for _, r := range v.Ranges {
			out = append(out, Change{Op: "ADDRANGE", Args: []string{v.Name, strconv.Itoa(r.Min), strconv.Itoa(r.Max)}})
		}
		if v.Aux != 0 {
			out = append(out, Change{Op: "SETAUX", Args: []string{v.Name, strconv.Itoa(v.Aux)}})
		}
		if v.Flags != 0 {
			out = append(out, Change{Op: "SETFLAGS", Args: append([]string{v.Name}, v.Flags.Words()...)})
		}
	}
	for _, c := range t.Cmds() {
		out = append(out, Change{Op: "ADDCMD", Args: []string{c}})
	}
	if !t.Stale() {
		out = append(out, Change{Op: "DATAOK"})
	}
	return out
}

// Words returns the flag words as SETFLAGS sends them.
func (f Flag) Words() []string {
	var w []string
	if f&RW != 0 {
		w = append(w, "RW")
	}
	if f&String != 0 {
		w = append(w, "STRING")
	}
	if f&Number != 0 {
		w = append(w, "NUMBER")
	}
	return w
}

// ParseFlags reads SETFLAGS words; unknown words are ignored, as in NUT.
func ParseFlags(words []string) Flag {
	var f Flag
	for _, w := range words {
		switch strings.ToUpper(w) {
		case "RW":
			f |= RW
		case "STRING":
			f |= String
		case "NUMBER":
			f |= Number
		}
	}
	return f
}
