package cnum

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestAtolAtoi: each row was checked against glibc 2.36 (a C program
// printing atol and atoi of the same strings).
func TestAtolAtoi(t *testing.T) {
	tests := []struct {
		name string
		in   string
		atol int64
		atoi int
	}{
		{"empty", "", 0, 0},
		{"plain", "3493", 3493, 3493},
		{"zero", "0", 0, 0},
		{"leading zeros", "007", 7, 7},
		{"plus", "+12", 12, 12},
		{"minus", "-12", -12, -12},
		{"blanks", " \t\n\v\f\r42", 42, 42},
		{"blank after sign", "- 5", 0, 0},
		{"two signs", "+-5", 0, 0},
		{"sign only", "-", 0, 0},
		{"trailing garbage", "30s", 30, 30},
		{"decimal", "275.9", 275, 275},
		{"trailing blank", "5 ", 5, 5},
		{"garbage", "abc", 0, 0},
		{"hex is not read", "0x10", 0, 0},
		{"non-ascii blank", "\u00a05", 0, 0},
		{"int32 max", "2147483647", math.MaxInt32, math.MaxInt32},
		{"int32 max+1 wraps in atoi", "2147483648", 2147483648, math.MinInt32},
		{"2^32+1 wraps in atoi", "4294967297", 4294967297, 1},
		{"int64 max", "9223372036854775807", math.MaxInt64, -1},
		{"int64 max+1 saturates", "9223372036854775808", math.MaxInt64, -1},
		{"int64 min", "-9223372036854775808", math.MinInt64, 0},
		{"int64 min-1 saturates", "-9223372036854775809", math.MinInt64, 0},
		{"far beyond", "99999999999999999999999x", math.MaxInt64, -1},
		{"far below", "-99999999999999999999999", math.MinInt64, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Atol(tt.in); got != tt.atol {
				t.Errorf("Atol(%q) = %d, want %d", tt.in, got, tt.atol)
			}
			if got := Atoi(tt.in); got != tt.atoi {
				t.Errorf("Atoi(%q) = %d, want %d", tt.in, got, tt.atoi)
			}
		})
	}
}

// FuzzAtol checks Atol against strconv on the leading number it finds, and
// Atoi against the C cast of Atol.
func FuzzAtol(f *testing.F) {
	for _, s := range []string{"", "42", " -7x", "+", "9223372036854775808", "-9223372036854775809", "\v\f12.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Atol(s)
		if Atoi(s) != int(int32(got)) {
			t.Fatalf("Atoi(%q) = %d, not the int32 of Atol %d", s, Atoi(s), got)
		}
		rest := strings.TrimLeft(s, " \t\n\v\f\r")
		end := 0
		if end < len(rest) && (rest[end] == '+' || rest[end] == '-') {
			end++
		}
		digits := end
		for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
			end++
		}
		if end == digits {
			if got != 0 {
				t.Fatalf("Atol(%q) = %d without digits", s, got)
			}
			return
		}
		// strconv saturates out-of-range values as strtol does.
		want, _ := strconv.ParseInt(rest[:end], 10, 64)
		if got != want {
			t.Fatalf("Atol(%q) = %d, want %d", s, got, want)
		}
	})
}
