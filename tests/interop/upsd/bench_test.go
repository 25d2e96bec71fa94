package upsd_test

import (
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/nutref"
	"github.com/upslab/upslab/stack/protocol"
)

// BenchmarkUpsd measures GET VAR and LIST VAR with 1, 100 and 1000
// concurrent clients against NUT 2.8.0's upsd and ours (same dummy-ups),
// and prints our time per request relative to NUT's. Benchmarks never run
// under plain `go test`; run it with
//
//	go test ./tests/interop/upsd -run '^$' -bench Upsd -benchtime 200x
//
// (NUT's LIST VAR with one client costs ~48 ms per request: it writes
// each line separately, and Nagle delays them.)
func BenchmarkUpsd(b *testing.B) {
	k := nutref.Require(b)
	inst := k.NewInstance(b)
	inst.WriteFile("ups.conf", upsConf)
	inst.WriteFile("dummy.dev", devFile)
	inst.WriteFile("upsd.users", usersConf)
	// MAXCONN above 1000 clients (NUT counts drivers and listeners too).
	inst.WriteFile("upsd.conf", inst.Listen()+"MAXCONN 1100\n")
	results := map[string]float64{}
	run := func(server, addr string) {
		for _, req := range []string{"GET VAR dummy ups.status", "LIST VAR dummy"} {
			for _, n := range []int{1, 100, 1000} {
				name := fmt.Sprintf("%s/%s/clients=%d", server, strings.Fields(req)[0], n)
				b.Run(name, func(b *testing.B) {
					ns := benchClients(b, addr, req, n)
					results[name] = ns
				})
			}
		}
	}
	drv := startDriver(b, inst)
	nut := inst.Start(b, "upsd")
	nutref.WaitPort(b, inst.Addr(), 10*time.Second)
	waitReady(b, inst.Addr())
	run("nut", inst.Addr())
	nut.Stop()
	drv.Stop()
	os.Remove(inst.DriverSocket("dummy-ups", "dummy"))
	startDriver(b, inst)
	addr := ourServer(b, k, inst)
	waitReady(b, addr)
	run("ours", addr)
	var keys []string
	for k := range results {
		if strings.HasPrefix(k, "ours/") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		n := results["nut/"+strings.TrimPrefix(k, "ours/")]
		if n > 0 {
			fmt.Printf("ratio ours/nut %-28s %.2f  (ours %.0f ns/req, nut %.0f ns/req)\n", strings.TrimPrefix(k, "ours/"), results[k]/n, results[k], n)
		}
	}
}

// benchClients opens n connections and spreads b.N requests over them;
// it returns the wall time per request.
func benchClients(b *testing.B, addr, req string, n int) float64 {
	conns := make([]net.Conn, n)
	readers := make([]*protocol.Reader, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatalf("connection %d: %v", i, err)
		}
		conns[i] = c
		readers[i] = protocol.NewReader(c)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	list := strings.HasPrefix(req, "LIST")
	line := []byte(req + "\n")
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		ops := b.N / n
		if i < b.N%n {
			ops++
		}
		wg.Add(1)
		go func(c net.Conn, r *protocol.Reader, ops int) {
			defer wg.Done()
			for j := 0; j < ops; j++ {
				if _, err := c.Write(line); err != nil {
					errs <- err
					return
				}
				for {
					l, err := r.ReadLine()
					if err != nil {
						errs <- err
						return
					}
					if !list || strings.HasPrefix(l, "END LIST") || strings.HasPrefix(l, "ERR") {
						break
					}
				}
			}
		}(conns[i], readers[i], ops)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	return float64(elapsed.Nanoseconds()) / float64(b.N)
}
