package parseconf

import (
	"errors"
	"reflect"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		err  error
	}{
		{"plain", "GET VAR ups ups.status", []string{"GET", "VAR", "ups", "ups.status"}, nil},
		{"quoted", `SET VAR ups x "a b"`, []string{"SET", "VAR", "ups", "x", "a b"}, nil},
		{"empty quotes", `a "" b`, []string{"a", "", "b"}, nil},
		{"escapes", `"a \"q\" b\\c"`, []string{`a "q" b\c`}, nil},
		{"escape outside", `a\ b \#c`, []string{"a b", "#c"}, nil},
		{"comment", "a b # c d", []string{"a", "b"}, nil},
		{"equals", "a=b c = d", []string{"a", "=", "b", "c", "=", "d"}, nil},
		{"quoted equals", `"a=b"`, []string{"a=b"}, nil},
		{"control dropped", "du\x00mmy \"a\tb\"", []string{"dummy", "ab"}, nil},
		{"utf8 dropped", "caf\xc3\xa9", []string{"caf"}, nil},
		{"newline in quotes", "\"a\nb\"", []string{"ab"}, nil},
		{"continuation", "a \\\nb", []string{"a", "b"}, nil},
		{"hash in quotes", `"a#b"`, []string{"ab"}, ErrHashInQuotes},
		{"unterminated", `"abc`, []string{"abc"}, ErrUnterminated},
		{"tabs", "a\tb\r", []string{"a", "b"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Split(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Split(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Split(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	tok := Tokenizer{MaxWords: 2, MaxWordLen: 3}
	var got []Line
	tok.Feed([]byte("abcdef b c\n"), func(l Line) { got = append(got, l) })
	want := []Line{{Words: []string{"abc", "b"}, Num: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestLineNumbersAndChunks(t *testing.T) {
	in := "# comment\n\n[ups]\n  driver = \"usbhid-ups\"\n  desc = \"two\nlines\"\nport=auto"
	var tok Tokenizer
	var got []Line
	emit := func(l Line) { got = append(got, l) }
	for i := 0; i < len(in); i++ { // byte by byte
		tok.Feed([]byte{in[i]}, emit)
	}
	tok.Flush(emit)
	want := []Line{
		{Words: []string{"[ups]"}, Num: 3},
		{Words: []string{"driver", "=", "usbhid-ups"}, Num: 4},
		{Words: []string{"desc", "=", "twolines"}, Num: 5},
		{Words: []string{"port", "=", "auto"}, Num: 7},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestFeedAllEmitsEmptyLines(t *testing.T) {
	var tok Tokenizer
	var got []Line
	tok.FeedAll([]byte("\n# c\nVER\n"), func(l Line) { got = append(got, l) })
	want := []Line{{Num: 1}, {Num: 2}, {Words: []string{"VER"}, Num: 3}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestQuote(t *testing.T) {
	if got, want := Quote(`Fake "Q" \ model #1`), `"Fake \"Q\" \\ model \#1"`; got != want {
		t.Fatalf("Quote = %s, want %s", got, want)
	}
	for _, s := range []string{"", "plain", `a"b\c#d`} {
		words, err := Split(Quote(s))
		if err != nil || len(words) != 1 || words[0] != s {
			t.Fatalf("round trip %q: %q %v", s, words, err)
		}
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"GET VAR ups ups.status", `SET VAR u v "a \"b\""`, "a=b # c", "\"x\ny\"", `\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, _ := Split(s)
		if len(words) > DefaultMaxWords {
			t.Fatalf("%d words", len(words))
		}
		for _, w := range words {
			if len(w) > DefaultMaxWordLen {
				t.Fatalf("word of %d bytes", len(w))
			}
			words2, err := Split(Quote(w))
			if err != nil || len(words2) != 1 || words2[0] != w {
				t.Fatalf("quote round trip of %q: %q %v", w, words2, err)
			}
		}
	})
}

func TestPositions(t *testing.T) {
	in := "# c\n  MONITOR \"my ups\" 1\\\n x=\\#y\nSHUTDOWNCMD \"a#b\"\n\"open"
	tok := Tokenizer{Positions: true}
	var got []Line
	emit := func(l Line) { got = append(got, l) }
	tok.Feed([]byte(in), emit)
	tok.Flush(emit)
	want := []Line{
		{Words: []string{"MONITOR", "my ups", "1", "x", "=", "#y"}, Num: 2,
			Pos: []Pos{{2, 3}, {2, 11}, {2, 20}, {3, 2}, {3, 3}, {3, 4}}},
		{Words: []string{"SHUTDOWNCMD", "ab"}, Num: 4, Err: ErrHashInQuotes,
			Pos: []Pos{{4, 1}, {4, 13}}, ErrPos: Pos{4, 15}},
		{Words: []string{"open"}, Num: 5, Err: ErrUnterminated,
			Pos: []Pos{{5, 1}}, ErrPos: Pos{5, 1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}
