package client

import (
	"fmt"

	"github.com/upslab/upslab/stack/protocol"
)

// UPS is one entry of LIST UPS.
type UPS struct {
	Name string
	Desc string
}

// Var is one entry of LIST VAR or LIST RW.
type Var struct {
	Name  string
	Value string
}

// Range is one entry of LIST RANGE.
type Range struct {
	Min, Max string
}

// ClientEntry is one entry of LIST CLIENT: a connection logged in to a UPS.
type ClientEntry struct {
	UPS  string
	Addr string
}

// list runs LIST <query...> and returns the item words after the query.
func (c *Client) list(query ...string) ([][]string, error) {
	req, err := protocol.Request("LIST", query...)
	if err != nil {
		return nil, fmt.Errorf("LIST: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.conn.Write([]byte(req)); err != nil {
		return nil, err
	}
	// Items repeat the query words except LIST CLIENT, whose items name
	// the canonical UPS (matched case-insensitively anyway).
	return protocol.ReadList(c.r, query)
}

func short(kind string, n int, item []string) error {
	return protocol.ProtocolError(fmt.Sprintf("LIST %s: item has %d words, want %d: %q", kind, len(item), n, item))
}

// ListUPS returns the UPSes upsd serves, in ups.conf order.
func (c *Client) ListUPS() ([]UPS, error) {
	items, err := c.list("UPS")
	if err != nil {
		return nil, err
	}
	out := make([]UPS, 0, len(items))
	for _, it := range items {
		if len(it) < 2 {
			return nil, short("UPS", 2, it)
		}
		out = append(out, UPS{Name: it[0], Desc: it[1]})
	}
	return out, nil
}

func (c *Client) listVars(kind, ups string) ([]Var, error) {
	items, err := c.list(kind, ups)
	if err != nil {
		return nil, err
	}
	out := make([]Var, 0, len(items))
	for _, it := range items {
		if len(it) < 2 {
			return nil, short(kind, 2, it)
		}
		out = append(out, Var{Name: it[0], Value: it[1]})
	}
	return out, nil
}

// ListVar returns all variables of ups, sorted by name.
func (c *Client) ListVar(ups string) ([]Var, error) { return c.listVars("VAR", ups) }

// ListRW returns the writable variables of ups.
func (c *Client) ListRW(ups string) ([]Var, error) { return c.listVars("RW", ups) }

// ListCmd returns the instant commands of ups.
func (c *Client) ListCmd(ups string) ([]string, error) {
	items, err := c.list("CMD", ups)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		if len(it) < 1 {
			return nil, short("CMD", 1, it)
		}
		out = append(out, it[0])
	}
	return out, nil
}

// ListEnum returns the allowed values of an enumerated variable.
func (c *Client) ListEnum(ups, name string) ([]string, error) {
	items, err := c.list("ENUM", ups, name)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		if len(it) < 1 {
			return nil, short("ENUM", 1, it)
		}
		out = append(out, it[0])
	}
	return out, nil
}

// ListRange returns the allowed ranges of a variable.
func (c *Client) ListRange(ups, name string) ([]Range, error) {
	items, err := c.list("RANGE", ups, name)
	if err != nil {
		return nil, err
	}
	out := make([]Range, 0, len(items))
	for _, it := range items {
		if len(it) < 2 {
			return nil, short("RANGE", 2, it)
		}
		out = append(out, Range{Min: it[0], Max: it[1]})
	}
	return out, nil
}

// ListClient returns the addresses of the clients logged in to ups.
func (c *Client) ListClient(ups string) ([]ClientEntry, error) {
	items, err := c.list("CLIENT", ups)
	if err != nil {
		return nil, err
	}
	out := make([]ClientEntry, 0, len(items))
	for _, it := range items {
		if len(it) < 1 {
			return nil, short("CLIENT", 1, it)
		}
		out = append(out, ClientEntry{UPS: ups, Addr: it[0]})
	}
	return out, nil
}
