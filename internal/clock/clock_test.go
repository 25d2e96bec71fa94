package clock

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestVirtualOrderAndFIFO(t *testing.T) {
	v := NewVirtual(Epoch)
	var got []string
	add := func(name string, d time.Duration) {
		v.AfterFunc(d, func() { got = append(got, fmt.Sprintf("%s@%s", name, v.Since(Epoch))) })
	}
	add("c", 3*time.Second)
	add("a", time.Second)
	add("b1", 2*time.Second)
	add("b2", 2*time.Second)
	add("b3", 2*time.Second)
	v.Advance(10 * time.Second)
	want := []string{"a@1s", "b1@2s", "b2@2s", "b3@2s", "c@3s"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if d := v.Since(Epoch); d != 10*time.Second {
		t.Fatalf("clock at %v after Advance(10s)", d)
	}
}

func TestVirtualTimersFromCallbacks(t *testing.T) {
	v := NewVirtual(Epoch)
	var got []string
	var tick func()
	n := 0
	tick = func() {
		n++
		got = append(got, fmt.Sprintf("tick%d@%s", n, v.Since(Epoch)))
		if n < 3 {
			v.AfterFunc(5*time.Second, tick)
		}
		// A zero-delay timer set from a callback fires in the same advance,
		// after the ones already due at this instant.
		v.AfterFunc(0, func() { got = append(got, fmt.Sprintf("now%d@%s", n, v.Since(Epoch))) })
	}
	v.AfterFunc(5*time.Second, tick)
	v.AfterFunc(5*time.Second, func() { got = append(got, "other@5s") })
	v.Advance(time.Hour)
	want := []string{"tick1@5s", "other@5s", "now1@5s", "tick2@10s", "now2@10s", "tick3@15s", "now3@15s"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

func TestVirtualStopReset(t *testing.T) {
	v := NewVirtual(Epoch)
	fired := 0
	tm := v.AfterFunc(time.Minute, func() { fired++ })
	v.Advance(30 * time.Second)
	if !tm.Stop() {
		t.Fatal("Stop of a pending timer reported inactive")
	}
	if tm.Stop() {
		t.Fatal("second Stop reported active")
	}
	v.Advance(time.Hour)
	if fired != 0 {
		t.Fatal("stopped timer fired")
	}
	tm.Reset(10 * time.Second)
	v.Advance(9 * time.Second)
	if fired != 0 {
		t.Fatal("fired early")
	}
	v.Advance(time.Second)
	if fired != 1 {
		t.Fatalf("fired %d times after Reset", fired)
	}
}

func TestVirtualChannelsAndTicker(t *testing.T) {
	v := NewVirtual(Epoch)
	tm := v.NewTimer(10 * time.Minute)
	select {
	case <-tm.C():
		t.Fatal("timer fired before its time")
	default:
	}
	v.Advance(10 * time.Minute)
	if got := <-tm.C(); !got.Equal(Epoch.Add(10 * time.Minute)) {
		t.Fatalf("timer delivered %v", got)
	}
	tk := v.NewTicker(time.Second)
	v.Advance(time.Second)
	<-tk.C()
	v.Advance(5 * time.Second) // a slow reader loses ticks, as with time.Ticker
	if got := <-tk.C(); !got.Equal(Epoch.Add(10*time.Minute + 2*time.Second)) {
		t.Fatalf("ticker kept %v", got)
	}
	tk.Stop()
	if v.Pending() != 0 {
		t.Fatalf("%d timers pending after Stop", v.Pending())
	}
}

func TestVirtualSleepFromGoroutine(t *testing.T) {
	v := NewVirtual(Epoch)
	done := make(chan time.Time)
	go func() {
		v.Sleep(time.Hour)
		done <- v.Now()
	}()
	for v.Pending() == 0 { // the goroutine has registered its timer
		waitABit()
	}
	v.Advance(time.Hour)
	if got := <-done; !got.Equal(Epoch.Add(time.Hour)) {
		t.Fatalf("woke at %v", got)
	}
}

// waitABit yields to other goroutines without relying on wall time.
func waitABit() {
	ch := make(chan struct{})
	go close(ch)
	<-ch
}

func TestVirtualDeterminism(t *testing.T) {
	run := func() string {
		v := NewVirtual(Epoch)
		var b strings.Builder
		for i := 0; i < 50; i++ {
			i := i
			d := time.Duration((i*7919)%13) * time.Second
			v.AfterFunc(d, func() {
				fmt.Fprintf(&b, "%d@%s ", i, v.Since(Epoch))
				if i%5 == 0 {
					v.AfterFunc(time.Duration(i)*time.Millisecond, func() { fmt.Fprintf(&b, "r%d@%s ", i, v.Since(Epoch)) })
				}
			})
		}
		v.Advance(time.Minute)
		return b.String()
	}
	first := run()
	for i := 0; i < 20; i++ {
		if got := run(); got != first {
			t.Fatalf("run %d differs:\n%s\n%s", i, got, first)
		}
	}
}

func TestVirtualTenMinuteTimerIsFast(t *testing.T) {
	v := NewVirtual(Epoch)
	fired := false
	v.AfterFunc(10*time.Minute, func() { fired = true })
	v.RunFor(24 * time.Hour)
	if !fired || v.Since(Epoch) != 10*time.Minute {
		t.Fatalf("fired=%v at %v", fired, v.Since(Epoch))
	}
}

func TestSettleCalledBeforeJumps(t *testing.T) {
	v := NewVirtual(Epoch)
	var log []string
	v.SetSettle(func() { log = append(log, "settle@"+v.Since(Epoch).String()) })
	v.AfterFunc(time.Second, func() { log = append(log, "a") })
	v.AfterFunc(time.Second, func() { log = append(log, "b") })
	v.AfterFunc(2*time.Second, func() { log = append(log, "c") })
	v.Advance(5 * time.Second)
	want := []string{"settle@0s", "a", "b", "settle@1s", "c"}
	if !reflect.DeepEqual(log, want) {
		t.Fatalf("got %v, want %v", log, want)
	}
}

func BenchmarkVirtualDay(b *testing.B) {
	for i := 0; i < b.N; i++ {
		v := NewVirtual(Epoch)
		var tick func()
		tick = func() { v.AfterFunc(time.Second, tick) }
		v.AfterFunc(time.Second, tick)
		v.Advance(24 * time.Hour)
	}
}
