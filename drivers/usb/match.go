package usb

import (
	"fmt"
	"regexp"
	"strings"
)

// Match selects a USB device the way NUT's usbhid-ups does (-x vendorid,
// productid, vendor, product, serial, bus, device): every field is an
// extended regular expression, compared case-insensitively against the
// whole value with surrounding blanks trimmed; IDs are compared as
// four-digit lower-case hex, the bus and device address as three digits
// ("%03d"). An empty field matches anything.
type Match struct {
	VendorID, ProductID string
	Vendor, Product     string
	Serial              string
	Bus, Device         string
}

// Supported is the USB ID table of NUT 2.8.0's MGE HID subdriver
// (mge-hid.c): without a vendorid option, only these devices are tried.
var Supported = [][2]uint16{
	{0x0463, 0x0001}, {0x0463, 0xffff}, // MGE, Eaton (Ellipse ECO is 0463:ffff)
	{0x047c, 0xffff},                                                       // Dell
	{0x0592, 0x0004},                                                       // Powerware PW 9140
	{0x03f0, 0x1fe5}, {0x03f0, 0x1fe6}, {0x03f0, 0x1fe7}, {0x03f0, 0x1fe8}, // HP
	{0x2b2d, 0xffff}, // AEG PROTECT
	{0x06da, 0xffff}, // Phoenixtec
	{0x04b3, 0x0001}, // IBM
}

// Candidate is what a matcher looks at.
type Candidate struct {
	VendorID, ProductID     uint16
	Vendor, Product, Serial string
	Bus, Device             int
}

// Matcher is a compiled Match.
type Matcher struct {
	m  Match
	re [7]*regexp.Regexp
}

// Compile checks and compiles the expressions.
func (m Match) Compile() (*Matcher, error) {
	mt := &Matcher{m: m}
	for i, s := range []string{m.VendorID, m.ProductID, m.Vendor, m.Product, m.Serial, m.Bus, m.Device} {
		if s == "" {
			continue
		}
		re, err := regexp.Compile("(?i)^(?:" + s + ")$")
		if err != nil {
			return nil, fmt.Errorf("invalid regular expression: %s", s)
		}
		mt.re[i] = re
	}
	return mt, nil
}

// MatchIDs checks what is known before opening the device (IDs, bus,
// address) and, unless a vendorid was given, that the IDs are Supported.
func (mt *Matcher) MatchIDs(c Candidate) bool {
	if mt.m.VendorID == "" {
		ok := false
		for _, s := range Supported {
			if s[0] == c.VendorID && s[1] == c.ProductID {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return mt.ok(0, fmt.Sprintf("%04x", c.VendorID)) &&
		mt.ok(1, fmt.Sprintf("%04x", c.ProductID)) &&
		mt.ok(5, fmt.Sprintf("%03d", c.Bus)) &&
		mt.ok(6, fmt.Sprintf("%03d", c.Device))
}

// MatchAll checks everything, strings included.
func (mt *Matcher) MatchAll(c Candidate) bool {
	return mt.MatchIDs(c) && mt.ok(2, c.Vendor) && mt.ok(3, c.Product) && mt.ok(4, c.Serial)
}

func (mt *Matcher) ok(i int, s string) bool {
	if mt.re[i] == nil {
		return true
	}
	return mt.re[i].MatchString(strings.Trim(s, " \t\n"))
}
