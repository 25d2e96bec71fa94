package clock

import (
	"container/heap"
	"sync"
	"time"
)

// Virtual is a deterministic clock for tests and replays. Time stands still
// until Advance, RunUntil or Step moves it; then the clock jumps from one
// deadline to the next and, at each, fires what is due in deadline order,
// first-in first-out for equal deadlines. AfterFunc callbacks run
// synchronously in the goroutine that advances the clock, without the
// clock's lock held, so they may read the time and set new timers (a timer
// set for a time already reached fires in the same advance, after those
// already queued for that instant).
//
// Channel timers and tickers deliver without blocking (capacity 1, as the
// real ones), so a channel ticker drops ticks across a long jump just as a
// real one does when its reader is slow. Code that must see every tick
// should use AfterFunc and re-arm itself; the lab does.
//
// Goroutines that wait on channel timers run concurrently with the
// advancing goroutine; SetSettle installs a function (for example one that
// waits for those goroutines to block again) that the clock calls before
// each jump, which is how "advance only when the code under test is idle"
// is obtained for goroutine-style code.
//
// A Virtual is safe for concurrent use.
type Virtual struct {
	mu     sync.Mutex
	now    time.Time
	seq    uint64
	queue  eventQueue
	settle func()
	fired  uint64
}

// NewVirtual returns a virtual clock reading start.
func NewVirtual(start time.Time) *Virtual {
	return &Virtual{now: start}
}

// Epoch is a fixed start time for tests and replays that do not care about
// the date: 2026-01-01T00:00:00Z.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// SetSettle installs f, called before every jump to a later deadline.
func (v *Virtual) SetSettle(f func()) {
	v.mu.Lock()
	v.settle = f
	v.mu.Unlock()
}

// Now returns the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// Since returns the virtual time elapsed since t.
func (v *Virtual) Since(t time.Time) time.Duration { return v.Now().Sub(t) }

// Sleep blocks until another goroutine has advanced the clock by d. Do not
// call it from the goroutine that advances the clock (it would wait for
// ever); callbacks should set timers instead.
func (v *Virtual) Sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	<-v.NewTimer(d).C()
}

// NewTimer returns a timer that delivers on its channel after d.
func (v *Virtual) NewTimer(d time.Duration) Timer {
	ch := make(chan time.Time, 1)
	e := &event{clock: v, ch: ch}
	v.schedule(e, d)
	return e
}

// AfterFunc calls f in the advancing goroutine once d has elapsed.
func (v *Virtual) AfterFunc(d time.Duration, f func()) Timer {
	e := &event{clock: v, fn: f}
	v.schedule(e, d)
	return e
}

// NewTicker returns a ticker delivering on its channel every d.
func (v *Virtual) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("clock: non-positive interval for NewTicker")
	}
	ch := make(chan time.Time, 1)
	e := &event{clock: v, ch: ch, period: d}
	v.schedule(e, d)
	return &virtualTicker{e}
}

// Pending returns the number of timers waiting to fire.
func (v *Virtual) Pending() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.queue)
}

// Fired returns how many timer events have fired so far.
func (v *Virtual) Fired() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.fired
}

// Next returns the deadline of the next timer, if any.
func (v *Virtual) Next() (time.Time, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.queue) == 0 {
		return time.Time{}, false
	}
	return v.queue[0].when, true
}

// Advance moves the clock forward by d, firing everything due on the way,
// and leaves it at exactly now+d.
func (v *Virtual) Advance(d time.Duration) {
	v.RunUntil(v.Now().Add(d))
}

// RunUntil fires, in order, every timer due at or before t and leaves the
// clock at t (or where it is, if t is in the past).
func (v *Virtual) RunUntil(t time.Time) {
	for v.step(t, true) {
	}
	v.mu.Lock()
	if t.After(v.now) {
		v.now = t
	}
	v.mu.Unlock()
}

// Step jumps to the next deadline and fires the first timer due there. It
// reports false when no timer is pending.
func (v *Virtual) Step() bool { return v.step(time.Time{}, false) }

// RunFor fires timers one by one until none is pending or the clock would
// pass limit; it returns the number fired. It is for runs that should end
// when everything settles (a replay) but never spin for ever.
func (v *Virtual) RunFor(limit time.Duration) int {
	end := v.Now().Add(limit)
	n := 0
	for v.step(end, true) {
		n++
	}
	return n
}

func (v *Virtual) step(limit time.Time, bounded bool) bool {
	v.mu.Lock()
	if len(v.queue) == 0 || (bounded && v.queue[0].when.After(limit)) {
		v.mu.Unlock()
		return false
	}
	if settle := v.settle; settle != nil && v.queue[0].when.After(v.now) {
		v.mu.Unlock()
		settle()
		v.mu.Lock()
		if len(v.queue) == 0 || (bounded && v.queue[0].when.After(limit)) {
			v.mu.Unlock()
			return false
		}
	}
	e := heap.Pop(&v.queue).(*event)
	if e.when.After(v.now) {
		v.now = e.when
	}
	now := v.now
	v.fired++
	if e.period > 0 {
		e.when = e.when.Add(e.period)
		e.seq = v.seq
		v.seq++
		heap.Push(&v.queue, e)
	}
	v.mu.Unlock()
	if e.fn != nil {
		e.fn()
	} else {
		select {
		case e.ch <- now:
		default:
		}
	}
	return true
}

func (v *Virtual) schedule(e *event, d time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if d < 0 {
		d = 0
	}
	e.when = v.now.Add(d)
	e.seq = v.seq
	v.seq++
	heap.Push(&v.queue, e)
}

// event is a pending timer, ticker or callback.
type event struct {
	clock  *Virtual
	when   time.Time
	seq    uint64
	index  int // in the heap; -1 when not queued
	fn     func()
	ch     chan time.Time
	period time.Duration
}

func (e *event) C() <-chan time.Time { return e.ch }

func (e *event) Stop() bool {
	v := e.clock
	v.mu.Lock()
	defer v.mu.Unlock()
	if e.index < 0 {
		return false
	}
	heap.Remove(&v.queue, e.index)
	return true
}

func (e *event) Reset(d time.Duration) bool {
	active := e.Stop()
	e.clock.schedule(e, d)
	return active
}

type virtualTicker struct{ e *event }

func (t *virtualTicker) C() <-chan time.Time { return t.e.ch }
func (t *virtualTicker) Stop()               { t.e.Stop() }
func (t *virtualTicker) Reset(d time.Duration) {
	if d <= 0 {
		panic("clock: non-positive interval for Ticker.Reset")
	}
	t.e.Stop()
	t.e.period = d
	t.e.clock.schedule(t.e, d)
}

// eventQueue is a min-heap by (when, seq).
type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].when.Equal(q[j].when) {
		return q[i].seq < q[j].seq
	}
	return q[i].when.Before(q[j].when)
}
func (q eventQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index = i
	q[j].index = j
}
func (q *eventQueue) Push(x any) {
	e := x.(*event)
	e.index = len(*q)
	*q = append(*q, e)
}
func (q *eventQueue) Pop() any {
	old := *q
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	e.index = -1
	*q = old[:n-1]
	return e
}
