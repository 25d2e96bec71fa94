package upsd

import (
	"os/user"
	"strconv"
	"strings"
)

func lookupUser(name string) (*user.User, error) { return user.Lookup(name) }

// atoi is C's atoi: a leading integer, else 0.
func atoi(s string) int {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			if strings.HasPrefix(s, "-") {
				return -1 << 31
			}
			return 1<<31 - 1
		}
		return 0
	}
	return n
}
