package frame

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

func TestEncode(t *testing.T) {
	for _, c := range []struct {
		name string
		typ  byte
		data []byte
		want []byte
	}{
		// The first request of every mge-shut session (spec 2.3, verified).
		{"get device descriptor", Last | Request, []byte{0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00}, []byte{0x81, 0x88, 0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00, 0x95}},
		// A 2002 capture of a Pulsar Ellipse.
		{"pulsar answer", Last | Response, []byte{0x01, 0x00}, []byte{0x84, 0x22, 0x01, 0x00, 0x01}},
		{"notification", Last | Notify, []byte{0x06, 0x5c, 0x62, 0x02, 0x00, 0x00}, []byte{0x85, 0x66, 0x06, 0x5c, 0x62, 0x02, 0x00, 0x00, 0x3a}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Encode(c.typ, c.data); !bytes.Equal(got, c.want) {
				t.Errorf("Encode(%#x, % x) = % x, want % x", c.typ, c.data, got, c.want)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	msg := []byte{0x12, 0x01, 0x10, 0x01, 0x00, 0x00, 0x00, 0x08, 0x63, 0x04, 0xff, 0xff, 0x00, 0x01, 0x01, 0x02, 0x04, 0x01}
	fs := Split(Response, msg)
	var got []byte
	for _, f := range fs {
		got = append(got, f.Bytes()...)
	}
	// The device descriptor answer of the 2.8.0 session, frame by frame.
	want := []byte{
		0x04, 0x88, 0x12, 0x01, 0x10, 0x01, 0x00, 0x00, 0x00, 0x08, 0x0a,
		0x04, 0x88, 0x63, 0x04, 0xff, 0xff, 0x00, 0x01, 0x01, 0x02, 0x65,
		0x84, 0x22, 0x04, 0x01, 0x05,
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Split = % x\nwant    % x", got, want)
	}
	if len(Split(Response, nil)) != 0 {
		t.Error("empty message gave frames")
	}
}

func TestDecoderErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []byte
		want []EventKind
		err  error
	}{
		{"tokens", []byte{ACK, NAK, SyncOff, SyncComplete}, []EventKind{Token, Token, Token, Token}, nil},
		{"garbage", []byte{0x42}, []EventKind{Garbage}, nil},
		{"nibbles differ", []byte{0x84, 0x23}, []EventKind{None, Bad}, ErrLength},
		{"too long", []byte{0x84, 0x99}, []EventKind{None, Bad}, ErrLength},
		{"zero length", []byte{0x84, 0x00}, []EventKind{None, Bad}, ErrLength},
		{"checksum", []byte{0x84, 0x22, 0x01, 0x00, 0x00}, []EventKind{None, None, None, None, Bad}, ErrChecksum},
		{"good", []byte{0x84, 0x22, 0x01, 0x00, 0x01}, []EventKind{None, None, None, None, Complete}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var d Decoder
			for i, b := range c.in {
				ev := d.Feed(b)
				if ev.Kind != c.want[i] {
					t.Fatalf("byte %d (%#02x): kind %d, want %d", i, b, ev.Kind, c.want[i])
				}
				if ev.Kind == Bad && !errors.Is(ev.Err, c.err) {
					t.Fatalf("error %v, want %v", ev.Err, c.err)
				}
			}
			if d.Busy() {
				t.Error("decoder still busy")
			}
		})
	}
}

// Every byte either side wrote in the real 2.8.0 session decodes as a
// token or part of a good frame, and the frames re-encode to the bytes.
func TestDecodeSession(t *testing.T) {
	f, err := os.Open("testdata/nut-2.8.0-mge-shut-session.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ws, err := ReadTranscript(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []bool{true, false} {
		var d Decoder
		var re []byte
		frames := 0
		for _, b := range Stream(ws, host) {
			ev := d.Feed(b)
			switch ev.Kind {
			case Token:
				re = append(re, b)
			case Complete:
				re = append(re, ev.Frame.Bytes()...)
				frames++
			case Bad, Garbage:
				t.Fatalf("host=%v: %v (byte %#02x)", host, ev.Err, b)
			}
		}
		if want := Stream(ws, host); !bytes.Equal(re, want) {
			t.Errorf("host=%v: re-encoded stream differs", host)
		}
		if frames < 30 {
			t.Errorf("host=%v: only %d frames", host, frames)
		}
	}
}

// FuzzDecoder: any byte stream; no panic, every good frame re-encodes to
// exactly the bytes that made it, and the decoder never holds more than
// one frame.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte{0x81, 0x88, 0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00, 0x95})
	f.Add([]byte{0x18, 0x06, 0x84, 0x22, 0x01, 0x00, 0x01, 0x15})
	f.Fuzz(func(t *testing.T, in []byte) {
		var d Decoder
		start := -1
		for i, b := range in {
			if !d.Busy() {
				start = i
			}
			ev := d.Feed(b)
			switch ev.Kind {
			case Complete:
				if got := ev.Frame.Bytes(); !bytes.Equal(got, in[start:i+1]) {
					t.Fatalf("frame % x from bytes % x", got, in[start:i+1])
				}
			case Bad:
				if ev.Err == nil {
					t.Fatal("bad frame without error")
				}
			}
			if len(d.data) > MaxData {
				t.Fatalf("decoder holds %d bytes", len(d.data))
			}
		}
	})
}

// FuzzTranscript: the transcript reader never panics, and what it reads
// survives a round trip through Stream.
func FuzzTranscript(f *testing.F) {
	f.Add([]byte("# c\nH 18\nD 18\nH 81 88 80 06 00 01 00 00 12 00 95\n"))
	f.Add([]byte("X 00\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		ws, err := ReadTranscript(bytes.NewReader(in))
		if err != nil {
			return
		}
		n := 0
		for _, w := range ws {
			if len(w.Bytes) == 0 {
				t.Fatal("empty write accepted")
			}
			n += len(w.Bytes)
		}
		if len(Stream(ws, true))+len(Stream(ws, false)) != n {
			t.Fatal("Stream lost bytes")
		}
	})
}
