package protocol

import (
	"strings"
)

// ReadList reads the reply to "LIST <query...>": the BEGIN LIST line (or
// an ERR line, returned as *Error), the item lines, and the END LIST line.
// Each item is returned as its words after the query words, so for LIST
// VAR ups the item `VAR ups battery.charge "100"` gives
// ["battery.charge", "100"].
//
// Like libupsclient, the echoed query words are compared
// case-insensitively, while END LIST is recognised case-sensitively.
func ReadList(r *Reader, query []string) ([][]string, error) {
	line, err := r.ReadLine()
	if err != nil {
		return nil, err
	}
	if e := ParseError(line); e != nil {
		return nil, e
	}
	w, err := SplitReply(line)
	if err != nil {
		return nil, err
	}
	if len(w) < 2+len(query) || w[0] != "BEGIN" || w[1] != "LIST" || !wordsEqualFold(w[2:2+len(query)], query) {
		return nil, protoErrorf("expected BEGIN LIST %s, got %q", strings.Join(query, " "), line)
	}
	// Items repeat the query minus its first word's "LIST", e.g. query
	// VAR ups -> items "VAR ups ...". LIST UPS items start with "UPS".
	var items [][]string
	for {
		line, err := r.ReadLine()
		if err != nil {
			return nil, err
		}
		w, err := SplitReply(line)
		if err != nil {
			return nil, err
		}
		if len(w) >= 2 && w[0] == "END" && w[1] == "LIST" {
			return items, nil
		}
		if len(w) < len(query) || !wordsEqualFold(w[:len(query)], query) {
			return nil, protoErrorf("unexpected line in LIST %s: %q", strings.Join(query, " "), line)
		}
		items = append(items, w[len(query):])
	}
}

func wordsEqualFold(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}
