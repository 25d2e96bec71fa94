package shut

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/drivers/shut/frame"
	"github.com/upslab/upslab/drivers/usb"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/hidview"
	simshut "github.com/upslab/upslab/simulator/shut"
	"github.com/upslab/upslab/simulator/usbdev"
)

// rig is a simulated ECO 650 served over SHUT on an in-memory line, with
// our host side on the other end. It runs inside a synctest bubble, so
// the protocol's real timeouts (seconds) cost no wall time.
type rig struct {
	dev  *simulator.Device
	view *hidview.View
	usb  *usbdev.Device
	port *Port
	stop func()
}

func newRig(t *testing.T, so simshut.Options, ho Options) *rig {
	t.Helper()
	dev := simulator.New(clock.NewVirtual(clock.Epoch), nil, 1)
	view := hidview.New(dev)
	u := usbdev.New(view)
	host, line := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	srv := simshut.New(u, so)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, line) }()
	r := &rig{dev: dev, view: view, usb: u}
	r.stop = func() {
		if r.port != nil {
			r.port.Close()
		}
		cancel()
		line.Close()
		host.Close()
		<-served
		dev.Stop()
	}
	p, err := NewPort(host, ho)
	if err != nil {
		r.stop()
		t.Fatal(err)
	}
	r.port = p
	return r
}

// featureIDs lists the feature report IDs of the ECO descriptor.
func featureIDs(t *testing.T, v *hidview.View) []byte {
	seen := map[byte]bool{}
	var ids []byte
	for _, f := range v.Layout().Fields {
		if f.Kind == hidview.Feature && !seen[f.ReportID] {
			seen[f.ReportID] = true
			ids = append(ids, f.ReportID)
		}
	}
	if len(ids) < 10 {
		t.Fatalf("only %d feature reports", len(ids))
	}
	return ids
}

// readAll compares every feature report, the descriptor and the identity
// as our host reads them over SHUT with what the simulator's USB level
// gives. It returns how many reads failed; a wrong value fails the test.
func readAll(t *testing.T, r *rig, ids []byte) (fails int) {
	t.Helper()
	direct, err := usb.NewHID(r.usb)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		want, err := direct.GetFeature(id)
		if err != nil {
			t.Fatalf("direct report 0x%02x: %v", id, err)
		}
		got, err := r.port.GetFeature(id)
		if err != nil {
			fails++
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("report 0x%02x: SHUT % x, USB % x", id, got, want)
		}
	}
	return fails
}

func TestSameValuesAsUSB(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, simshut.Options{}, Options{})
		defer r.stop()
		desc, _ := r.port.ReportDescriptor()
		want, _ := r.view.ReportDescriptor()
		if !bytes.Equal(desc, want) {
			t.Errorf("descriptor: %d bytes over SHUT, %d bytes in the view", len(desc), len(want))
		}
		if len(want) == frame.MaxData*128+4 || len(want)>>8 == len(want)&0xff {
			t.Errorf("the ECO descriptor (%d bytes) would not show NUT #2022", len(want))
		}
		info, _ := r.port.Identity()
		vi, _ := r.view.Identity()
		if info.Manufacturer != vi.Manufacturer || info.Product != vi.Product || info.Serial != vi.Serial || info.VendorID != vi.VendorID || info.ProductID != vi.ProductID {
			t.Errorf("identity over SHUT %+v, view %+v", info, vi)
		}
		ids := featureIDs(t, r.view)
		if n := readAll(t, r, ids); n != 0 {
			t.Errorf("%d reads failed on a clean line", n)
		}
		// A write goes through: the beeper (report of AudibleAlarmControl).
		if err := r.dev.Exec("mains off"); err != nil {
			t.Fatal(err)
		}
		if n := readAll(t, r, ids); n != 0 {
			t.Errorf("%d reads failed on a clean line", n)
		}
	})
}

// With the descriptor padded for NUT 2.8.0, our host reads the padded
// length too (it is what the HID descriptor announces).
func TestPaddedDescriptor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, simshut.Options{Pad: true}, Options{})
		defer r.stop()
		desc, _ := r.port.ReportDescriptor()
		real, _ := r.view.ReportDescriptor()
		if len(desc) != simshut.PadLength || !bytes.Equal(desc[:len(real)], real) || !bytes.Equal(desc[len(real):], make([]byte, simshut.PadLength-len(real))) {
			t.Errorf("descriptor %d bytes, want the %d real ones zero-padded to %d", len(desc), len(real), simshut.PadLength)
		}
	})
}

// At 1 % byte noise (corrupt, drop, delay) in both directions our host
// reads the same values as the USB level: reads may fail after their
// retries, but no value is ever wrong.
func TestNoiseNeverWrong(t *testing.T) {
	for _, c := range []struct {
		name   string
		noise  int
		rounds int
		notify byte
	}{
		{"1% polling only", 1, 6, frame.SyncOff},
		{"1% with notifications", 1, 6, frame.SyncComplete},
		{"5%", 5, 3, frame.SyncComplete},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var noise atomic.Int32 // clean line while opening
				r := newRig(t, simshut.Options{Noise: func() int { return int(noise.Load()) }, Seed: 7}, Options{Notify: c.notify})
				defer r.stop()
				noise.Store(int32(c.noise))
				ids := featureIDs(t, r.view)
				fails, total := 0, 0
				states := []string{"mains off", "mains on", "load 120%", "load 30%"}
				for i := range c.rounds {
					if err := r.dev.Exec(states[i%len(states)]); err != nil {
						t.Fatal(err)
					}
					fails += readAll(t, r, ids)
					total += len(ids)
				}
				t.Logf("%d of %d reads failed after retries", fails, total)
				if fails*10 > total {
					t.Errorf("%d of %d reads failed", fails, total)
				}
			})
		})
	}
}

// A pulled cable: requests fail with hiddev.ErrGone after NUT's timeouts
// (4 × 3 s without an ACK, then 4 sync tries), and the device is found
// again when it answers.
func TestCablePulled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, simshut.Options{}, Options{})
		defer r.stop()
		if err := r.dev.Exec("cable unplug"); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err := r.port.GetFeature(0x06)
		if !errors.Is(err, hiddev.ErrGone) {
			t.Fatalf("pulled cable: %v, want ErrGone", err)
		}
		if d := time.Since(start); d < 12*time.Second || d > 20*time.Second {
			t.Errorf("lost after %v, want NUT's ~16 s", d)
		}
		if _, err := r.port.GetFeature(0x06); !errors.Is(err, hiddev.ErrGone) {
			t.Fatalf("still pulled: %v", err)
		}
		if err := r.dev.Exec("cable replug"); err != nil {
			t.Fatal(err)
		}
		if _, err := r.port.GetFeature(0x06); err != nil {
			t.Fatalf("after replug: %v", err)
		}
	})
}

// Notifications: with 0x16 the device sends input reports as the model
// changes; our host acknowledges them and delivers them via ReadInput.
// With 0x18 (mge-shut 2.8.0) it sends none.
func TestNotifications(t *testing.T) {
	for _, c := range []struct {
		name   string
		notify byte
		want   bool
	}{
		{"complete", frame.SyncComplete, true},
		{"off", frame.SyncOff, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, simshut.Options{}, Options{Notify: c.notify})
				defer r.stop()
				notified := make(chan struct{}, 64)
				r.port.NotifyInput(func() {
					select {
					case notified <- struct{}{}:
					default:
					}
				})
				if err := r.dev.Exec("mains off"); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				var got [][]byte
				for {
					rep, err := r.port.ReadInput(time.Second)
					if err != nil {
						break
					}
					got = append(got, rep)
				}
				if c.want != (len(got) > 0) {
					t.Fatalf("notifications %x, want some: %v", got, c.want)
				}
				for _, rep := range got {
					if rep[0] == 0x01 {
						direct, _ := r.view.InputReport(0x01)
						if !bytes.Equal(rep, direct) {
							t.Errorf("notified status % x, now % x", rep, direct)
						}
					}
				}
				// The line still works after them.
				if _, err := r.port.GetFeature(0x06); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// Opening on a noisy line: the descriptors and strings come through whole
// or the open fails; never a wrong descriptor.
func TestOpenUnderNoise(t *testing.T) {
	for _, c := range []struct {
		noise, seeds, min int
	}{{1, 30, 29}, {5, 10, 8}} {
		t.Run(fmt.Sprintf("%d%%", c.noise), func(t *testing.T) { openUnderNoise(t, c.noise, c.seeds, c.min) })
	}
}

func openUnderNoise(t *testing.T, noise, seeds, min int) {
	opened := 0
	for seed := int64(1); seed <= int64(seeds); seed++ {
		synctest.Test(t, func(t *testing.T) {
			dev := simulator.New(clock.NewVirtual(clock.Epoch), nil, 1)
			defer dev.Stop()
			view := hidview.New(dev)
			host, line := net.Pipe()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- simshut.New(usbdev.New(view), simshut.Options{Noise: func() int { return noise }, Seed: seed}).Serve(ctx, line)
			}()
			defer func() { cancel(); line.Close(); host.Close(); <-done }()
			p, err := NewPort(host, Options{})
			if err != nil {
				t.Logf("seed %d: open failed: %v", seed, err)
				return
			}
			defer p.Close()
			opened++
			got, _ := p.ReportDescriptor()
			want, _ := view.ReportDescriptor()
			if !bytes.Equal(got, want) {
				t.Errorf("seed %d: wrong descriptor", seed)
			}
			info, _ := p.Identity()
			if vi, _ := view.Identity(); info.Manufacturer != vi.Manufacturer || info.Product != vi.Product || info.Serial != vi.Serial {
				t.Errorf("seed %d: identity %+v, want %+v", seed, info, vi)
			}
		})
	}
	if opened < min {
		t.Errorf("only %d of %d opens at %d %% noise succeeded", opened, seeds, noise)
	}
}
