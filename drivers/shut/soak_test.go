package shut

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"testing/synctest"

	"github.com/upslab/upslab/drivers/usb"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/hidview"
	simshut "github.com/upslab/upslab/simulator/shut"
	"github.com/upslab/upslab/simulator/usbdev"
)

// TestSoak hunts for wrong values on noisy lines: for each of many seeds,
// open at N % noise and read every feature report a few times, with the
// model changing between rounds. UPSLAB_SHUT_SOAK sets the number of
// seeds (default 20, so the suite stays fast; thousands were run).
func TestSoak(t *testing.T) {
	seeds := 20
	if v, err := strconv.Atoi(os.Getenv("UPSLAB_SHUT_SOAK")); err == nil {
		seeds = v
	}
	for _, noise := range []int{1, 5, 10} {
		opened, reads, fails := 0, 0, 0
		for seed := int64(1); seed <= int64(seeds); seed++ {
			synctest.Test(t, func(t *testing.T) {
				dev := simulator.New(clock.NewVirtual(clock.Epoch), nil, 1)
				defer dev.Stop()
				view := hidview.New(dev)
				u := usbdev.New(view)
				host, line := net.Pipe()
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() {
					done <- simshut.New(u, simshut.Options{Noise: func() int { return noise }, Seed: seed}).Serve(ctx, line)
				}()
				defer func() { cancel(); line.Close(); host.Close(); <-done }()
				var log []string
				p, err := NewPort(host, Options{Notify: byte(0x16 + seed%3), Debugf: func(l int, f string, a ...any) {
					if os.Getenv("UPSLAB_SHUT_SOAK_LOG") != "" {
						log = append(log, fmt.Sprintf("H%d ", l)+fmt.Sprintf(f, a...))
					}
				}})
				if err != nil {
					return
				}
				defer p.Close()
				opened++
				if got, _ := p.ReportDescriptor(); !bytes.Equal(got, mustDesc(view)) {
					want := mustDesc(view)
					for _, l := range log {
						fmt.Println(l)
					}
					for i := range got {
						if got[i] != want[i] {
							fmt.Printf("first diff at %d (frame %d): got % x want % x\n", i, i/8, got[i/8*8:i/8*8+8], want[i/8*8:i/8*8+8])
							break
						}
					}
					t.Fatalf("%d%% seed %d: wrong descriptor", noise, seed)
				}
				direct, _ := usb.NewHID(u)
				for i, cmd := range []string{"mains off", "load 80%", "mains on"} {
					dev.Exec(cmd)
					for _, id := range featureIDs(t, view) {
						want, _ := direct.GetFeature(id)
						got, err := p.GetFeature(id)
						reads++
						if err != nil {
							fails++
							continue
						}
						if !bytes.Equal(got, want) {
							t.Fatalf("%d%% seed %d round %d: report 0x%02x: % x, want % x", noise, seed, i, id, got, want)
						}
					}
				}
			})
		}
		t.Logf("%d%% noise: %d/%d opened, %d/%d reads failed", noise, opened, seeds, fails, reads)
		if noise == 1 && (opened < seeds*9/10 || fails*20 > reads) {
			t.Errorf("1%% noise: too many failures")
		}
	}
}

func mustDesc(v *hidview.View) []byte {
	d, _ := v.ReportDescriptor()
	return d
}
