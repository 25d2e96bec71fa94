package conf

import "io"

// MagicCGIString is the word upsset.conf must contain before the upsset
// CGI program does anything (clients/upsset.c MAGIC_ENABLE_STRING).
const MagicCGIString = "I_HAVE_SECURED_MY_CGI_DIRECTORY"

// UpssetConf is upsset.conf.
type UpssetConf struct {
	File string
	// Secured is true when a line starts with I_HAVE_SECURED_MY_CGI_DIRECTORY.
	Secured bool
	Line    int // line of that word, 0 when absent
}

// ParseUpssetConf reads upsset.conf. upsset looks only at the first word
// of each line; other lines are ignored silently, as in NUT.
func ParseUpssetConf(r io.Reader, filename string) (*UpssetConf, []Warning, error) {
	p := &parser{file: filename}
	c := &UpssetConf{File: filename}
	lines, err := p.lines(r)
	if err != nil {
		return c, nil, err
	}
	for _, l := range lines {
		if l.Words[0] == MagicCGIString && !c.Secured {
			c.Secured, c.Line = true, l.Num
		}
	}
	return c, p.warns, p.err()
}
