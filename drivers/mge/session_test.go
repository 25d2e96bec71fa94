package mge_test

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/upslab/upslab/drivers/hiddev"
)

// session is what the 2.8.0 mge-shut session fixture shows the device
// answering: descriptors, strings and feature reports, plus the
// SET_REPORTs the host sent for shutdown.return.
type session struct {
	device    []byte
	strings   map[int]string
	desc      []byte
	hidDesc   []byte
	features  map[byte][]byte
	setReport [][]byte
	wLength   map[byte]int // GET_REPORT wLength NUT asked for, per feature report
}

func loadSession(t testing.TB) *session {
	t.Helper()
	f, err := os.Open("testdata/nut-2.8.0-mge-shut-session.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := &session{strings: map[int]string{}, features: map[byte][]byte{}, wLength: map[byte]int{}}
	var typ, wValue, wLength int
	var data []byte
	collecting := false
	flush := func() {
		if !collecting {
			return
		}
		collecting = false
		switch {
		case typ == 0x80 && wValue == 0x0100:
			s.device = data
		case typ == 0x80 && wValue>>8 == 3:
			s.strings[wValue&0xff] = decodeString(data)
		case typ == 0x81 && wValue>>8 == 0x22:
			s.desc = data
		case typ == 0x81 && wValue>>8 == 0x21:
			s.hidDesc = data
		case typ == 0xa1 && wValue>>8 == 3:
			s.features[byte(wValue)] = data
		}
		data = nil
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#   setup "):
			flush()
			for _, kv := range strings.Fields(line[len("#   setup "):]) {
				k, v, _ := strings.Cut(kv, "=")
				n, _ := strconv.ParseUint(v, 16, 32)
				switch k {
				case "type":
					typ = int(n)
				case "wValue":
					wValue = int(n)
				case "wLength": // printed in decimal
					d, _ := strconv.Atoi(v)
					wLength = d
				}
			}
			collecting = typ != 0x21
			if typ == 0xa1 {
				s.wLength[byte(wValue)] = wLength
			}
		case strings.HasPrefix(line, "#   SET_REPORT data for"):
			_, hx, _ := strings.Cut(line, ": ")
			b, err := hex.DecodeString(strings.ReplaceAll(hx, " ", ""))
			if err != nil {
				t.Fatal(err)
			}
			s.setReport = append(s.setReport, b)
		case strings.HasPrefix(line, "D ") && collecting:
			b, err := hex.DecodeString(strings.ReplaceAll(line[2:], " ", ""))
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			if len(b) < 3 || (b[0] != 0x04 && b[0] != 0x84) {
				continue // ACK
			}
			n := int(b[1] & 0x0f)
			data = append(data, b[2:2+n]...)
			if b[0] == 0x84 {
				flush()
			}
		}
	}
	flush()
	return s
}

func decodeString(d []byte) string {
	if len(d) < 2 {
		return ""
	}
	var u []uint16
	for i := 2; i+1 < len(d) && i < int(d[0]); i += 2 {
		u = append(u, uint16(d[i])|uint16(d[i+1])<<8)
	}
	return string(utf16.Decode(u))
}

// fakeDevice serves a session's reports; SetFeature records writes and
// stores them as the new report value, as a real unit would.
type fakeDevice struct {
	mu       sync.Mutex
	desc     []byte
	features map[byte][]byte
	strs     map[int]string
	gets     []byte
	sets     [][]byte
	gone     bool
}

func newFake(s *session) *fakeDevice {
	f := &fakeDevice{desc: s.desc, features: map[byte][]byte{}, strs: s.strings}
	for k, v := range s.features {
		f.features[k] = append([]byte(nil), v...)
	}
	return f
}

func (f *fakeDevice) ReportDescriptor() ([]byte, error) { return f.desc, nil }

func (f *fakeDevice) GetFeature(id byte) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gone {
		return nil, hiddev.ErrGone
	}
	f.gets = append(f.gets, id)
	r, ok := f.features[id]
	if !ok {
		return nil, fmt.Errorf("report 0x%02x: %w", id, hiddev.ErrNotSupported)
	}
	return append([]byte(nil), r...), nil
}

func (f *fakeDevice) SetFeature(r []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gone {
		return hiddev.ErrGone
	}
	f.sets = append(f.sets, append([]byte(nil), r...))
	f.features[r[0]] = append([]byte(nil), r...)
	return nil
}

func (f *fakeDevice) ReadInput(time.Duration) ([]byte, error) { return nil, hiddev.ErrTimeout }

func (f *fakeDevice) String(i int) (string, error) {
	s, ok := f.strs[i]
	if !ok {
		return "", hiddev.ErrNotSupported
	}
	return s, nil
}

// identFake adds the USB identity (hiddev.Identifier), as the USB and
// SHUT transports know it from the device descriptor and strings.
type identFake struct{ *fakeDevice }

func (f identFake) Identity() (hiddev.Info, error) {
	return hiddev.Info{VendorID: 0x0463, ProductID: 0xffff, Manufacturer: f.strs[1], Product: f.strs[2], Serial: f.strs[4], BCDDevice: 0x0100}, nil
}

func (f *fakeDevice) set(id byte, hx string) {
	b, _ := hex.DecodeString(hx)
	f.mu.Lock()
	f.features[id] = b
	f.mu.Unlock()
}
