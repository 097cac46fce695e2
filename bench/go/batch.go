// The Go peer of bench/bench_batch.cpp: the seed's batcher, a
// mutex-guarded slice flushed when it holds N items or by a
// time.AfterFunc timer T after its first item.  The dump runs under the
// mutex, so batches never overlap and stay in order.  A size flush runs on
// the goroutine whose add filled the batch, as lfgo's inline policy does
// (row lfgo_inline); lfgo's default policy hands every item to a flusher
// thread instead (row lfgo).  Unlike lfgo_inline, every add here takes the
// one mutex, and adders wait while a dump runs.
package main

import (
	"sort"
	"sync"
	"time"
)

type seedBatcher struct {
	mu    sync.Mutex
	items []uint64
	n     int
	t     time.Duration
	gen   uint64 // batch generation: a late timer of an old batch does nothing
	timer *time.Timer
	dump  func([]uint64)
}

func (b *seedBatcher) add(v uint64) {
	b.mu.Lock()
	b.items = append(b.items, v)
	if len(b.items) == 1 {
		g := b.gen
		b.timer = time.AfterFunc(b.t, func() { b.flushGen(g) })
	}
	if len(b.items) >= b.n {
		b.flushLocked()
	}
	b.mu.Unlock()
}

func (b *seedBatcher) flushGen(g uint64) {
	b.mu.Lock()
	if b.gen == g && len(b.items) > 0 {
		b.flushLocked()
	}
	b.mu.Unlock()
}

func (b *seedBatcher) flushLocked() {
	if b.timer != nil {
		b.timer.Stop()
	}
	b.gen++
	b.dump(b.items)
	b.items = b.items[:0]
}

func (b *seedBatcher) close() {
	b.mu.Lock()
	if len(b.items) > 0 {
		b.flushLocked()
	}
	b.mu.Unlock()
}

const batchItems = 5_000_000

func batchBenches() []Bench {
	return []Bench{
		{Workload: "batch_10", Impl: "go", Unit: "items/s", ItemsPerOp: batchItems, FixedOps: 1,
			Run: func(ops int) Extra { return batchThroughput(ops, 10) }},
		{Workload: "batch_1000", Impl: "go", Unit: "items/s", ItemsPerOp: batchItems, FixedOps: 1,
			Run: func(ops int) Extra { return batchThroughput(ops, 1000) }},
		{Workload: "batch_latency", Impl: "go", Unit: "ns", ItemsPerOp: 300, FixedOps: 1,
			Run: func(ops int) Extra { return batchLatency(ops) }},
	}
}

func batchThroughput(ops, n int) Extra {
	for o := 0; o < ops; o++ {
		var sum uint64
		b := &seedBatcher{n: n, t: 5 * time.Millisecond, items: make([]uint64, 0, n),
			dump: func(v []uint64) {
				for _, x := range v {
					sum += x
				}
			}}
		var wg sync.WaitGroup
		each := batchItems / 2
		for p := 0; p < 2; p++ {
			wg.Add(1)
			go func(p int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					b.add(uint64(p*each + i))
				}
			}(p)
		}
		wg.Wait()
		b.close()
		total := uint64(2 * each)
		if sum != total*(total-1)/2 {
			panic("batch: wrong sum")
		}
	}
	return nil
}

func batchLatency(ops int) Extra {
	var lat []float64
	for o := 0; o < ops; o++ {
		var mu sync.Mutex
		b := &seedBatcher{n: 1000, t: 5 * time.Millisecond,
			dump: func(v []uint64) {
				now := uint64(time.Now().UnixNano())
				mu.Lock()
				for _, x := range v {
					lat = append(lat, float64(now-x))
				}
				mu.Unlock()
			}}
		next := time.Now()
		for i := 0; i < 300; i++ {
			next = next.Add(time.Millisecond)
			time.Sleep(time.Until(next))
			b.add(uint64(time.Now().UnixNano()))
		}
		b.close()
	}
	sort.Float64s(lat)
	q := func(p float64) float64 { return lat[int(p*float64(len(lat)-1))] }
	return Extra{"p50:ns": q(0.5), "p99:ns": q(0.99), "p999:ns": q(0.999), "max:ns": lat[len(lat)-1]}
}
