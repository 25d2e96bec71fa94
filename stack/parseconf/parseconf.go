// Package parseconf splits NUT's lines into words with NUT's "parseconf"
// rules, shared by every NUT configuration file, the network protocol on
// port 3493 and the driver socket:
//
//   - space, tab, CR, VT and FF separate words; a newline ends the line;
//   - "..." is one word (an empty pair is an empty word); a newline inside
//     quotes does not end the line, it is dropped;
//   - a backslash makes the next character literal, inside or outside
//     quotes; a backslash before a newline joins the next physical line;
//   - # outside quotes starts a comment to the end of the line;
//   - = outside quotes is a word of its own (a=b is a, =, b);
//   - bytes below 0x20 or above 0x7e are dropped from words;
//   - at most MaxWords words per line and MaxWordLen bytes per word.
//
// A # inside quotes is an error in NUT 2.8.0 (upsd then sends no reply);
// NUT after 2.8.5 (PR #3633) accepts it. Tokenizer.AllowHashInQuotes picks.
package parseconf

import (
	"errors"
	"strings"
)

// Default limits, as in NUT.
const (
	DefaultMaxWords   = 32
	DefaultMaxWordLen = 512
)

// ErrHashInQuotes is NUT's "Unbalanced word due to unescaped # in quotes".
var ErrHashInQuotes = errors.New("unbalanced word due to unescaped # in quotes")

// ErrUnterminated reports input that ended inside quotes or after a
// backslash.
var ErrUnterminated = errors.New("unterminated quoted word or escape at end of input")

type state uint8

const (
	stIdle state = iota
	stWord
	stQuoted
	stComment
)

// Tokenizer turns a byte stream into lines of words. It is incremental:
// Feed may be called with any chunks, and a line split across chunks (or
// continued inside quotes across newlines) comes out whole.
type Tokenizer struct {
	// MaxWords and MaxWordLen are the limits; zero means the default.
	MaxWords, MaxWordLen int
	// AllowHashInQuotes accepts # inside quotes (NUT > 2.8.5).
	AllowHashInQuotes bool
	// Positions makes every Line carry the position of each word (Pos)
	// and of its error (ErrPos), so config file errors can name a column.
	Positions bool

	st      state
	escaped bool
	word    []byte
	hasWord bool // a word is open (so "" gives an empty word)
	words   []string
	err     error
	line    int // physical line being read, 1-based
	start   int // physical line where the current logical line began

	// Positions bookkeeping (only when Positions is set).
	col    int   // 1-based column of the byte being read
	cur    Pos   // position of the byte being read
	escPos Pos   // position of the pending backslash
	wpos   Pos   // start of the open word
	poss   []Pos // start of each word of the line
	errPos Pos
}

// Pos is a 1-based physical line and byte column.
type Pos struct {
	Line, Col int
}

// Line is one logical line of words with the physical line it started on.
type Line struct {
	Words []string
	// Num is the 1-based physical line number where the line began.
	Num int
	// Err is set when the line could not be parsed (the words are then the
	// ones read before the error).
	Err error
	// Pos holds where each word began (same length as Words) and ErrPos
	// where the error was found; both only when Tokenizer.Positions is set.
	Pos    []Pos
	ErrPos Pos
}

func (t *Tokenizer) maxWords() int {
	if t.MaxWords > 0 {
		return t.MaxWords
	}
	return DefaultMaxWords
}

func (t *Tokenizer) maxWordLen() int {
	if t.MaxWordLen > 0 {
		return t.MaxWordLen
	}
	return DefaultMaxWordLen
}

// begin notes the start of a word at p when no word is open yet.
func (t *Tokenizer) begin(p Pos) {
	if !t.hasWord && t.Positions {
		t.wpos = p
	}
}

func (t *Tokenizer) setErr(err error, p Pos) {
	if t.err == nil {
		t.err = err
		t.errPos = p
	}
}

func (t *Tokenizer) addByte(c byte) {
	t.begin(t.cur)
	t.hasWord = true
	if c < 0x20 || c > 0x7e {
		return
	}
	if len(t.word) < t.maxWordLen() {
		t.word = append(t.word, c)
	}
}

func (t *Tokenizer) endWord() {
	if !t.hasWord {
		return
	}
	if len(t.words) < t.maxWords() {
		t.words = append(t.words, string(t.word))
		if t.Positions {
			t.poss = append(t.poss, t.wpos)
		}
	}
	t.word = t.word[:0]
	t.hasWord = false
}

func (t *Tokenizer) endLine(emit func(Line)) {
	t.endWord()
	ws, poss := t.words, t.poss
	t.words, t.poss = nil, nil
	err, errPos := t.err, t.errPos
	t.err, t.errPos = nil, Pos{}
	num := t.start
	t.st = stIdle
	t.escaped = false
	if len(ws) > 0 || err != nil {
		l := Line{Words: ws, Num: num, Err: err}
		if t.Positions {
			l.Pos, l.ErrPos = poss, errPos
		}
		emit(l)
	}
}

// Feed tokenizes p and calls emit for each complete non-empty line. Lines
// that hold only blanks or a comment are not emitted; use FeedAll to see
// them.
func (t *Tokenizer) Feed(p []byte, emit func(Line)) {
	t.feed(p, emit, false)
}

// FeedAll is Feed, but it also emits empty lines (with no words), which the
// network protocol answers with ERR UNKNOWN-COMMAND.
func (t *Tokenizer) FeedAll(p []byte, emit func(Line)) {
	t.feed(p, emit, true)
}

func (t *Tokenizer) feed(p []byte, emit func(Line), all bool) {
	for _, c := range p {
		if t.line == 0 {
			t.line, t.start = 1, 1
		}
		if t.Positions {
			t.col++
			t.cur = Pos{Line: t.line, Col: t.col}
			if c == '\n' {
				t.col = 0
			}
		}
		if t.escaped {
			t.escaped = false
			if c == '\n' { // line continuation
				t.line++
				continue
			}
			if t.st == stIdle {
				t.st = stWord
			}
			t.begin(t.escPos)
			t.hasWord = true
			t.addByte(c)
			continue
		}
		switch t.st {
		case stComment:
			if c == '\n' {
				t.lineDone(emit, all)
			}
		case stQuoted:
			switch c {
			case '\\':
				t.escaped = true
				t.escPos = t.cur
			case '"':
				t.st = stIdle
				t.endWord()
			case '\n':
				t.line++ // dropped, the line goes on
			case '#':
				if t.AllowHashInQuotes {
					t.addByte(c)
				} else {
					t.setErr(ErrHashInQuotes, t.cur)
				}
			default:
				t.addByte(c)
			}
		default: // stIdle, stWord
			switch c {
			case '\n':
				t.lineDone(emit, all)
			case ' ', '\t', '\r', '\v', '\f':
				t.endWord()
				t.st = stIdle
			case '\\':
				t.escaped = true
				t.escPos = t.cur
			case '"':
				t.endWord()
				t.st = stQuoted
				t.begin(t.cur)
				t.hasWord = true
			case '#':
				t.endWord()
				t.st = stComment
			case '=':
				t.endWord()
				t.begin(t.cur)
				t.hasWord = true
				t.addByte('=')
				t.endWord()
				t.st = stIdle
			default:
				t.st = stWord
				t.addByte(c)
			}
		}
	}
}

func (t *Tokenizer) lineDone(emit func(Line), all bool) {
	empty := !t.hasWord && len(t.words) == 0 && t.err == nil
	num := t.start
	t.endLine(emit)
	if empty && all {
		emit(Line{Num: num})
	}
	t.line++
	t.start = t.line
}

// Flush ends the input: a last line without a newline is emitted, and input
// that ends inside quotes or after a backslash is reported as an error line.
func (t *Tokenizer) Flush(emit func(Line)) {
	if t.st == stQuoted || t.escaped {
		p := t.wpos
		if t.escaped {
			p = t.escPos
		}
		t.setErr(ErrUnterminated, p)
	}
	t.endLine(emit)
}

// Split tokenizes one line of text (which may hold escaped or quoted
// newlines) and returns its words.
func Split(s string) ([]string, error) {
	var t Tokenizer
	var words []string
	var err error
	emit := func(l Line) {
		words = append(words, l.Words...)
		if err == nil {
			err = l.Err
		}
	}
	t.Feed([]byte(s), emit)
	t.Flush(emit)
	return words, err
}

// Quote returns s in double quotes with NUT's three escapes: backslash,
// double quote and #.
func Quote(s string) string {
	return `"` + Escape(s) + `"`
}

// Escape backslash-escapes \, " and # as NUT does for quoted fields.
func Escape(s string) string {
	if !strings.ContainsAny(s, "\\\"#") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\', '"', '#':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
