package upssched

import (
	"testing"

	"github.com/upslab/upslab/internal/clock"
)

// TestStartSeconds: the daemon reads the seconds text as strtol does, and
// a huge offset is bounded instead of wrapping into the past.
func TestStartSeconds(t *testing.T) {
	tests := []struct {
		secs string
		kind EventKind
		text string
	}{
		{"30", Started, "(30 seconds)"},
		{" 30s", Started, "(30 seconds)"},
		{"x", Started, "(0 seconds)"},
		{"-5", Ignored, "bogus offset for timer, ignoring"},
		{"99999999999999999999", Started, "(1099511627776 seconds)"},
	}
	for _, tt := range tests {
		t.Run(tt.secs, func(t *testing.T) {
			clk := clock.NewVirtual(clock.Epoch)
			s := NewSched(clk)
			ev := s.Start("t", tt.secs, Env{}, false)
			if len(ev) != 1 || ev[0].Kind != tt.kind || ev[0].Text != tt.text {
				t.Fatalf("Start(%q) = %+v, want kind %v %q", tt.secs, ev, tt.kind, tt.text)
			}
			if tt.kind == Started && s.Next().Before(clk.Now()) {
				t.Errorf("timer expires in the past: %v", s.Next())
			}
		})
	}
}
