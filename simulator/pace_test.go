package simulator

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/upslab/upslab/internal/clock"
)

// TestPace runs the pacer inside a synctest bubble, where the real clock
// is fake: one second of "real" time at speed 60 is a simulated minute.
func TestPace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := clock.NewVirtual(clock.Epoch)
		d := New(v, nil, 1)
		defer d.Stop()
		exec(t, d, "load 50%", "mains off")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			Pace(ctx, v, clock.Real(), 60, 10*time.Millisecond)
			close(done)
		}()
		time.Sleep(time.Second + 5*time.Millisecond)
		synctest.Wait()
		if el := v.Now().Sub(clock.Epoch); el < 59*time.Second || el > 61*time.Second {
			t.Errorf("after 1 s at speed 60: %v simulated", el)
		}
		if r := d.State().Runtime; r > 480-58 || r < 480-62 {
			t.Errorf("runtime after a simulated minute at 50%%: %d s, want about 420", r)
		}
		cancel()
		<-done
	})
}
