package hid

import (
	"fmt"
	"strconv"
	"strings"
)

// indexBase marks an index node: Eaton numbers repeated collections
// (Outlet [1], [2], ...) through the collection type byte, and NUT stores
// that as the node 0x00FF0000|n, printed "[n]".
const indexBase = 0x00FF0000

// Path is a usage path: page<<16|usage per node, outermost first.
type Path []uint32

// Index returns the index node "[n]".
func Index(n int) uint32 { return indexBase | uint32(n)&0xFFFF }

func (p Path) clone() Path { return append(Path(nil), p...) }

// HasPrefix reports whether q is a prefix of p (NUT's path lookup compares
// only the query's nodes).
func (p Path) HasPrefix(q Path) bool {
	if len(q) > len(p) {
		return false
	}
	for i := range q {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// Names converts between usage codes and NUT's usage names.
type Names interface {
	// Name returns the name of a usage code.
	Name(code uint32) (string, bool)
	// Code returns the code of a name (NUT compares names ignoring case).
	Code(name string) (uint32, bool)
}

// UsageTable is a list of usage names, searched in order.
type UsageTable []Usage

// Usage is one named usage.
type Usage struct {
	Name string
	Code uint32
}

// Name implements Names.
func (t UsageTable) Name(code uint32) (string, bool) {
	for _, u := range t {
		if u.Code == code {
			return u.Name, true
		}
	}
	return "", false
}

// Code implements Names.
func (t UsageTable) Code(name string) (uint32, bool) {
	for _, u := range t {
		if strings.EqualFold(u.Name, name) {
			return u.Code, true
		}
	}
	return 0, false
}

// Tables searches several tables in order (NUT: the subdriver's vendor
// table first, then the standard one), so a vendor name can override.
type Tables []Names

// Name implements Names.
func (ts Tables) Name(code uint32) (string, bool) {
	for _, t := range ts {
		if n, ok := t.Name(code); ok {
			return n, true
		}
	}
	return "", false
}

// Code implements Names.
func (ts Tables) Code(name string) (uint32, bool) {
	for _, t := range ts {
		if c, ok := t.Code(name); ok {
			return c, true
		}
	}
	return 0, false
}

// Format prints the path as NUT does: names from n first, then "[n]" for
// index nodes, else 8 lower-case hex digits.
func (p Path) Format(n Names) string {
	var b strings.Builder
	for i, c := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		if n != nil {
			if s, ok := n.Name(c); ok {
				b.WriteString(s)
				continue
			}
		}
		if c&0xFFFF0000 == indexBase {
			fmt.Fprintf(&b, "[%d]", c&0xFFFF)
			continue
		}
		fmt.Fprintf(&b, "%08x", c)
	}
	return b.String()
}

// String prints the path without names.
func (p Path) String() string { return p.Format(nil) }

// ParsePath reads a dotted path: each part is a name from n, else 8 (or
// fewer) hex digits, else "[n]". Unlike NUT, which silently drops a part it
// cannot read (and so looks up a shorter path), an unreadable part is an
// error.
func ParsePath(s string, n Names) (Path, error) {
	var p Path
	for _, tok := range strings.Split(s, ".") {
		if tok == "" {
			continue // NUT's strtok skips empty parts
		}
		if n != nil {
			if c, ok := n.Code(tok); ok {
				p = append(p, c)
				continue
			}
		}
		if isHex(tok) {
			v, err := strconv.ParseUint(tok, 16, 32)
			if err != nil {
				return nil, fmt.Errorf("hid: path %q: bad part %q: %w", s, tok, err)
			}
			p = append(p, uint32(v))
			continue
		}
		if len(tok) >= 3 && tok[0] == '[' && tok[len(tok)-1] == ']' {
			v, err := strconv.ParseUint(tok[1:len(tok)-1], 10, 16)
			if err == nil {
				p = append(p, Index(int(v)))
				continue
			}
		}
		return nil, fmt.Errorf("hid: path %q: unknown part %q", s, tok)
	}
	if len(p) == 0 {
		return nil, fmt.Errorf("hid: empty path %q", s)
	}
	return p, nil
}

func isHex(s string) bool {
	if s == "" || len(s) > 8 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
