// Package cnum reads integers the way C's libc does, for the values NUT
// itself reads with atoi, atol or strtol(s, NULL, 10): config words,
// driver socket arguments, range limits, tracking codes, timer seconds.
//
// Those functions never fail: they skip leading white space (isspace: space,
// \t, \n, \v, \f, \r), take an optional + or -, read decimal digits and stop
// at the first other byte; no digits at all is 0. So "275.9" is 275, "30s"
// is 30, " -5" is -5, "abc", "" and "- 5" are 0. The results are glibc's on
// a 64-bit Linux (LP64), where NUT's Debian binaries run; see each function
// for what happens on overflow.
//
// For input that must be a number, and whose garbage must be reported, use
// strconv.
package cnum

import "math"

// Atol is C's atol(s), i.e. strtol(s, NULL, 10) with a 64-bit long: a value
// beyond the int64 range saturates at math.MaxInt64 or math.MinInt64, as
// strtol returns LONG_MAX/LONG_MIN (setting ERANGE, which atol callers
// never look at).
func Atol(s string) int64 {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	// Accumulate as a negative number: its range holds MinInt64.
	var n int64
	overflow := false
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := int64(s[i] - '0')
		if n < (math.MinInt64+d)/10 {
			overflow = true
			continue // strtol consumes the remaining digits too
		}
		n = n*10 - d
	}
	switch {
	case overflow && neg:
		return math.MinInt64
	case overflow:
		return math.MaxInt64
	case neg:
		return n
	case n == math.MinInt64:
		return math.MaxInt64 // "9223372036854775808": one past MaxInt64
	}
	return -n
}

// Atoi is glibc's atoi(s), which is (int)strtol(s, NULL, 10): the low 32
// bits of Atol(s), sign-extended. A value that fits an int32 is read
// exactly; beyond that it wraps as the C cast does ("4294967297" is 1,
// "99999999999999999999" saturates to LONG_MAX and then is -1).
func Atoi(s string) int {
	return int(int32(Atol(s)))
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}
