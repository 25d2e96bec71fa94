package protocol

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadRequest(t *testing.T) {
	in := "GET VAR ups ups.status\r\n\nGET UPSDESC \"du\nmmy\"\nSET VAR u v \"a \\\"b\\\" \\\\ c\"\nLIST \\\nUPS\nGET \"#\"\nVER"
	r := NewReader(strings.NewReader(in))
	want := []string{
		"GET|VAR|ups|ups.status",
		"",
		"GET|UPSDESC|dummy",
		`SET|VAR|u|v|a "b" \ c`,
		"LIST|UPS",
		"ERR",
	}
	for _, w := range want {
		words, err := r.ReadRequest()
		got := strings.Join(words, "|")
		if err != nil {
			var pe ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("err %v", err)
			}
			got = "ERR"
		}
		if got != w {
			t.Errorf("got %q, want %q", got, w)
		}
	}
	// A last request without its newline is never answered, as in upsd.
	if _, err := r.ReadRequest(); err != io.EOF {
		t.Errorf("at end: %v", err)
	}
}

func TestMaxLine(t *testing.T) {
	r := NewReader(strings.NewReader(strings.Repeat("a", 100) + "\nVER\n"))
	r.MaxLine = 50
	if _, err := r.ReadRequest(); err != ErrLineTooLong {
		t.Fatalf("err = %v", err)
	}
	w, err := r.ReadRequest()
	if err != nil || len(w) != 1 || w[0] != "VER" {
		t.Fatalf("after long line: %v %v", w, err)
	}
}

func TestEncodeArg(t *testing.T) {
	cases := map[string]string{
		"plain":     "plain",
		"two words": `"two words"`,
		`q"uote`:    `q\"uote`,
		`a#b`:       `a\#b`,
		`b\s`:       `b\\s`,
		"":          `""`,
	}
	for in, want := range cases {
		if got := EncodeArg(in); got != want {
			t.Errorf("EncodeArg(%q) = %q, want %q", in, got, want)
		}
	}
	if _, err := Request("USERNAME", "a\nb"); !errors.Is(err, ErrUnsafe) {
		t.Errorf("newline accepted: %v", err)
	}
}

func TestParseError(t *testing.T) {
	e := ParseError("ERR DATA-STALE")
	if e == nil || e.Code != "DATA-STALE" || ClientText(e.Code) != "Data stale" {
		t.Fatalf("%+v", e)
	}
	if ParseError("VAR x y \"ERR\"") != nil {
		t.Error("non-error parsed as error")
	}
	if !IsCode(e, ErrDataStale) {
		t.Error("IsCode")
	}
}

// FuzzReadRequest feeds arbitrary bytes to the request reader: it must
// never panic, never return more than 32 words or words longer than 512
// bytes, and never return control bytes inside words.
func FuzzReadRequest(f *testing.F) {
	for _, s := range []string{
		"GET VAR dummy ups.status\n",
		"LIST VAR dummy\nLOGOUT\n",
		"SET VAR nodriver ups.id \"123456789\"\n",
		"INSTCMD nodriver load.off 10\n",
		"GET UPSDESC \"dummy\n\"\n",
		"GET \"#\"\n",
		"USERNAME a\\\nb\n",
		"\x00\xff\"\\",
		"PASSWORD \"p\\\"w\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(strings.NewReader(string(data)))
		r.MaxLine = 4096
		for i := 0; i < 1000; i++ {
			words, err := r.ReadRequest()
			if err == io.EOF {
				return
			}
			if len(words) > 32 {
				t.Fatalf("%d words", len(words))
			}
			for _, w := range words {
				if len(w) > 512 {
					t.Fatalf("word of %d bytes", len(w))
				}
				for j := 0; j < len(w); j++ {
					if w[j] < 0x20 || w[j] > 0x7e {
						t.Fatalf("control byte in %q", w)
					}
				}
			}
			if err != nil && err != ErrLineTooLong {
				var pe ProtocolError
				if !errors.As(err, &pe) {
					return
				}
			}
		}
	})
}

// FuzzSplitReply: splitting a reply built with Quote gives the value back.
func FuzzSplitReply(f *testing.F) {
	f.Add(`Fake "Q" \ model # 1`)
	f.Add("OL CHRG")
	f.Add("")
	f.Fuzz(func(t *testing.T, v string) {
		if CheckArg(v) != nil || strings.ContainsAny(v, "\t") {
			return
		}
		for i := 0; i < len(v); i++ {
			if v[i] > 0x7e || len(v) > 500 {
				return
			}
		}
		w, err := SplitReply("VAR ups x " + Quote(v))
		if err != nil || len(w) != 4 || w[3] != v {
			t.Fatalf("round trip of %q: %q %v", v, w, err)
		}
	})
}
