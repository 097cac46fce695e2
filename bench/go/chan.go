// The Go peer of bench/bench_chan.cpp: spsc, mpmc_NpNc and pingpong with Go
// channels of uint64 (8-byte items), the same shapes and sizes as the C side:
// producers send 1..n, consumers stop at a sentinel sent once per consumer
// after the producers finish; every 1024th item carries its send time and
// the delays give p50/p99/p99.9/max.  chan_sem_2t/8t: a chan struct{} of T/2 as a
// semaphore (acquire = send, release = recv), as bench_chan.cpp's rows.
package main

import (
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

const (
	chanItems    = 10_000_000
	chanCap      = 1024
	chanTrips    = 200_000
	chanSentinel = ^uint64(0)
	chanStamp    = uint64(1) << 62
)

func chanBenches() []Bench {
	out := []Bench{{
		Workload: "spsc", Impl: "go", Unit: "ns", ItemsPerOp: chanItems, FixedOps: 1,
		Run: func(ops int) Extra {
			var lat []float64
			for o := 0; o < ops; o++ {
				lat = chanPass(1, 1, true)
			}
			return chanPercentiles(lat)
		},
	}}
	for _, n := range []int{2, 4, 8} {
		n := n
		out = append(out, Bench{
			Workload: "mpmc_" + mutexItoa(n) + "p" + mutexItoa(n) + "c", Impl: "go", Unit: "ns",
			ItemsPerOp: chanItems, FixedOps: 1,
			Run: func(ops int) Extra {
				var lat []float64
				for o := 0; o < ops; o++ {
					lat = chanPass(n, n, true)
				}
				return chanPercentiles(lat)
			},
		})
	}
	for _, t := range []int{2, 8} {
		t := t
		out = append(out, Bench{
			Workload: "chan_sem_" + mutexItoa(t) + "t", Impl: "go", Unit: "ns",
			ItemsPerOp: chanSemPairs(), FixedOps: 1,
			Run: func(ops int) Extra {
				for o := 0; o < ops; o++ {
					chanSem(t)
				}
				return nil
			},
		})
	}
	out = append(out, Bench{
		Workload: "pingpong", Impl: "go", Unit: "ns", ItemsPerOp: chanTrips, FixedOps: 1,
		Run: func(ops int) Extra {
			var lat []float64
			for o := 0; o < ops; o++ {
				lat = chanPingPong()
			}
			return chanPercentiles(lat)
		},
	})
	return out
}

// chanPass moves chanItems items from p producers to c consumers; with
// stamp, every 1024th item carries its send time and the delays are returned.
func chanPass(p, c int, stamp bool) []float64 {
	ch := make(chan uint64, chanCap)
	start := time.Now()
	var lat []float64
	var got sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for k := 0; k < c; k++ {
		got.Add(1)
		go func() {
			defer got.Done()
			n := 0
			var mine []float64
			for v := range ch {
				if v == chanSentinel {
					break
				}
				if stamp && v&chanStamp != 0 {
					mine = append(mine, float64(time.Since(start).Nanoseconds()-int64(v&^chanStamp)))
				}
				n++
			}
			mu.Lock()
			total += n
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	var prod sync.WaitGroup
	per := chanItems / p
	for q := 0; q < p; q++ {
		q := q
		prod.Add(1)
		go func() {
			defer prod.Done()
			end := per * (q + 1)
			if q == p-1 {
				end = chanItems
			}
			for i := per * q; i < end; i++ {
				v := uint64(i + 1)
				if stamp && i&1023 == 0 {
					v = uint64(time.Since(start).Nanoseconds()) | chanStamp
				}
				ch <- v
			}
		}()
	}
	prod.Wait()
	for k := 0; k < c; k++ {
		ch <- chanSentinel
	}
	got.Wait()
	if total != chanItems {
		panic("chan: items lost")
	}
	return lat
}

func chanPingPong() []float64 {
	a, b := make(chan uint64), make(chan uint64)
	go func() {
		for v := range a {
			if v == chanSentinel {
				return
			}
			b <- v
		}
	}()
	lat := make([]float64, 0, chanTrips)
	for i := 0; i < chanTrips; i++ {
		t0 := time.Now()
		a <- uint64(i)
		if <-b != uint64(i) {
			panic("pingpong: wrong token")
		}
		lat = append(lat, float64(time.Since(t0).Nanoseconds()))
	}
	a <- chanSentinel
	return lat
}

func chanPercentiles(v []float64) Extra {
	if len(v) == 0 {
		return nil
	}
	sort.Float64s(v)
	q := func(f float64) float64 {
		r := int(f*float64(len(v))+0.999999) - 1
		if r < 0 {
			r = 0
		}
		return v[r]
	}
	return Extra{"p50:ns": q(0.50), "p99:ns": q(0.99), "p999:ns": q(0.999), "max:ns": v[len(v)-1]}
}

// chanSemPairs: acquire/release pairs per op, 2,000,000 (10,000,000 with
// LFGO_BENCH_FULL=1), as bench_chan.cpp's chan_sem rows.
func chanSemPairs() int {
	if os.Getenv("LFGO_BENCH_FULL") == "1" {
		return 10_000_000
	}
	return 2_000_000
}

// chanSem: t goroutines each acquire, count themselves in (checking that at
// most t/2 are in), count out and release.
func chanSem(t int) {
	permits := int32(t / 2)
	sem := make(chan struct{}, permits)
	var inside int32
	var tooMany atomic.Bool
	var wg sync.WaitGroup
	each := chanSemPairs() / t
	for g := 0; g < t; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				sem <- struct{}{}
				if atomic.AddInt32(&inside, 1) > permits {
					tooMany.Store(true)
				}
				atomic.AddInt32(&inside, -1)
				<-sem
			}
		}()
	}
	wg.Wait()
	if tooMany.Load() {
		panic("chan_sem: more holders than permits")
	}
}
