package protocol

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/upslab/upslab/stack/parseconf"
)

// DefaultMaxLine is the default maximum length of one line, in bytes,
// without its LF. upsd's own buffers are 512 bytes per reply line and 512
// per word; a request of 32 words of 512 bytes is the most NUT's
// tokenizer keeps, so 16 KiB leaves room for anything meaningful while
// bounding memory per connection.
const DefaultMaxLine = 16 << 10

// ErrLineTooLong is returned when a line exceeds the reader's maximum.
var ErrLineTooLong = ProtocolError("line too long")

// Reader reads lines from one connection. Make exactly one per connection
// and keep it: it buffers, so a second reader on the same connection would
// lose the bytes the first one had read ahead.
type Reader struct {
	// MaxLine is the maximum line length in bytes; zero means
	// DefaultMaxLine.
	MaxLine int

	br  *bufio.Reader
	tok parseconf.Tokenizer
	q   []parseconf.Line
}

// NewReader returns a Reader buffering r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReader(r)}
}

// Buffered returns the underlying buffered reader, so that a caller
// switching the connection to TLS can let the handshake read what was
// already buffered.
func (r *Reader) Buffered() *bufio.Reader { return r.br }

func (r *Reader) max() int {
	if r.MaxLine > 0 {
		return r.MaxLine
	}
	return DefaultMaxLine
}

// readRaw returns the next physical line including its LF (or the bytes
// before EOF). A line longer than the maximum is consumed to its end and
// reported as ErrLineTooLong.
func (r *Reader) readRaw() ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(line)+len(chunk) > r.max()+1 {
			// Discard the rest of the line so the next read starts clean.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = r.br.ReadSlice('\n')
			}
			if err != nil && !errors.Is(err, bufio.ErrBufferFull) && err != io.EOF {
				return nil, err
			}
			return nil, ErrLineTooLong
		}
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return line, err
	}
}

// ReadLine reads one reply line and returns it without the trailing LF
// (and without a CR before it). A last line without LF before EOF is
// returned with a nil error; the next call returns io.EOF.
func (r *Reader) ReadLine() (string, error) {
	b, err := r.readRaw()
	if err != nil && (err != io.EOF || len(b) == 0) {
		if err == io.EOF {
			return "", io.EOF
		}
		return "", err
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	return string(b), nil
}

// ReadRequest reads one request and returns its words, with NUT's
// tokenizer rules: a newline inside quotes or after a backslash does not
// end the request. An empty line gives no words and a nil error (upsd
// answers it with ERR UNKNOWN-COMMAND). A line that cannot be parsed (#
// inside quotes in NUT 2.8.0) is returned with its error. The maximum
// length applies to the whole request across continuation lines.
func (r *Reader) ReadRequest() ([]string, error) {
	total := 0
	for len(r.q) == 0 {
		b, err := r.readRaw()
		if err != nil && (err != io.EOF || len(b) == 0) {
			return nil, err
		}
		total += len(b)
		if total > r.max()+1 {
			r.tok = parseconf.Tokenizer{AllowHashInQuotes: r.tok.AllowHashInQuotes}
			return nil, ErrLineTooLong
		}
		r.tok.FeedAll(b, func(l parseconf.Line) { r.q = append(r.q, l) })
		if err == io.EOF && len(r.q) == 0 {
			// A partial request at EOF is never answered, as in upsd.
			return nil, io.EOF
		}
	}
	l := r.q[0]
	r.q = r.q[1:]
	if l.Err != nil {
		return l.Words, ProtocolError("parse error: " + l.Err.Error())
	}
	return l.Words, nil
}

// SplitReply splits a reply line into words with NUT's tokenizer.
func SplitReply(line string) ([]string, error) {
	w, err := parseconf.Split(line)
	if err != nil {
		return w, protoErrorf("cannot parse %q: %v", line, err)
	}
	return w, nil
}

// Quote returns s in double quotes with NUT's escapes (\ " #).
func Quote(s string) string { return parseconf.Quote(s) }

// Escape backslash-escapes \, " and # as upsd does in quoted fields.
func Escape(s string) string { return parseconf.Escape(s) }

// EncodeArg encodes one request argument the way libupsclient does: the
// three escapes always, and double quotes when the argument contains a
// space. An empty argument is quoted too, so that it survives as a word
// (libupsclient would lose it).
func EncodeArg(s string) string {
	if s == "" || strings.ContainsAny(s, " \t") {
		return Quote(s)
	}
	return Escape(s)
}

// ErrUnsafe is returned for an argument that cannot be carried on NUT's
// protocol: it holds a newline or another control byte, which would end
// the request early (request injection) or be dropped by the tokenizer.
var ErrUnsafe = errors.New("argument holds a control character (newline, CR, NUL...) that NUT's protocol cannot carry")

// CheckArg reports ErrUnsafe for arguments with control bytes (tab is
// allowed: it is carried inside quotes, though upsd drops it).
func CheckArg(s string) error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return ErrUnsafe
		}
	}
	return nil
}

// Request builds a request line (with its LF) from a command and its
// arguments, encoding each argument with EncodeArg. It refuses arguments
// with control characters.
func Request(cmd string, args ...string) (string, error) {
	var b strings.Builder
	b.WriteString(cmd)
	for _, a := range args {
		if err := CheckArg(a); err != nil {
			return "", err
		}
		b.WriteByte(' ')
		b.WriteString(EncodeArg(a))
	}
	b.WriteByte('\n')
	return b.String(), nil
}
