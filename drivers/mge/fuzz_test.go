package mge_test

import (
	"testing"

	"github.com/upslab/upslab/drivers/mge"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/dstate"
)

// FuzzReports feeds arbitrary device answers (any length, any ID byte) to
// the walk and to Input: the subdriver must never panic on what a broken
// or hostile device sends.
func FuzzReports(f *testing.F) {
	s := loadSession(f)
	for id, r := range s.features {
		f.Add(id, r)
	}
	f.Add(byte(0x06), []byte{0x06, 0x5c, 0x62, 0x02, 0x00, 0x00})
	f.Add(byte(0x01), []byte{0x01})
	f.Add(byte(0x10), []byte{})
	f.Fuzz(func(t *testing.T, id byte, rep []byte) {
		fd := newFake(s)
		fd.features[id] = rep
		tab := &dstate.Table{}
		sd := mge.New(identFake{fd}, tab, opts(clock.NewVirtual(clock.Epoch)))
		if err := sd.Init(); err != nil {
			return
		}
		_ = sd.Update(true)
		_ = sd.Input(rep)
		_ = sd.Update(false)
	})
}

// BenchmarkFullUpdate measures one full refresh of the Ellipse ECO layout
// (every report re-read: the cache is invalidated by a SET-like change).
func BenchmarkFullUpdate(b *testing.B) {
	s := loadSession(b)
	fd := newFake(s)
	clk := clock.NewVirtual(clock.Epoch)
	sd := mge.New(identFake{fd}, &dstate.Table{}, opts(clk))
	if err := sd.Init(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clk.Advance(3e9) // reports older than pollinterval are read again
		if err := sd.Update(true); err != nil {
			b.Fatal(err)
		}
	}
}
