// Package clock is the time seam of upslab: every daemon, the simulator and
// the lab take a Clock instead of calling time.Now, time.Sleep or
// time.NewTimer directly.
//
// Real returns the wall clock. Virtual is a deterministic event queue for
// tests and replays: it never moves on its own; Advance, RunUntil and Step
// jump straight to the next deadline and run what is due there, in deadline
// order and first-in first-out for equal deadlines, so hours of simulated
// power failure run in milliseconds and give the same timeline every run.
package clock

import "time"

// Clock tells the time and makes timers.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Since returns the time elapsed since t.
	Since(t time.Time) time.Duration
	// Sleep blocks until d has elapsed on this clock.
	Sleep(d time.Duration)
	// NewTimer returns a timer that sends the time on its channel after d.
	NewTimer(d time.Duration) Timer
	// AfterFunc calls f after d. On the virtual clock f runs synchronously,
	// inside the call that advances time.
	AfterFunc(d time.Duration, f func()) Timer
	// NewTicker returns a ticker that sends the time every d.
	NewTicker(d time.Duration) Ticker
}

// Timer is a one-shot timer from a Clock.
type Timer interface {
	// C is the channel the time is delivered on; nil for AfterFunc timers.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it was active.
	Stop() bool
	// Reset changes the timer to fire after d; it reports whether it was active.
	Reset(d time.Duration) bool
}

// Ticker delivers ticks at an interval.
type Ticker interface {
	// C is the channel the ticks are delivered on.
	C() <-chan time.Time
	// Stop turns the ticker off.
	Stop()
	// Reset stops the ticker and restarts it with period d.
	Reset(d time.Duration)
}
