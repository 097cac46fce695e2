// WaitGroup workloads (issue 2), the Go side of bench/bench_wg.cpp and
// bench/bench_swg.cpp.
//
//	wg_add_done/go        wg.Add(1); wg.Done() on one goroutine, ns per pair
//	forkjoin_2w/go        2 persistent worker goroutines; each round main adds
//	                      2, hands each worker its job over its channel (the
//	                      idiomatic Go handoff), workers call Done, main
//	                      Waits; ns per round
//	forkjoin_2w/go_polled the same with the C side's handoff: main bumps each
//	                      worker's sequence number, workers poll it, yielding
//	                      with runtime.Gosched
//	sizedwg_6/go          100,000 trivial tasks, at most 6 in flight, one
//	                      goroutine per task (remeh's usage); ns per task
//	sizedwg_6/go_workers  the same tasks handed to 2 persistent workers
//	                      through the polled queue the C side uses
package main

import (
	"runtime"
	"sync"
	"sync/atomic"
)

const sizedTasks = 100000
const sizedLimit = 6

func wgBenches() []Bench {
	return []Bench{
		{Workload: "wg_add_done", Impl: "go", Unit: "ns", ItemsPerOp: 1, Run: wgAddDone},
		{Workload: "forkjoin_2w", Impl: "go", Unit: "ns", ItemsPerOp: 1, Run: forkJoinChan},
		{Workload: "forkjoin_2w", Impl: "go_polled", Unit: "ns", ItemsPerOp: 1, Run: forkJoinPolled},
		{Workload: "sizedwg_6", Impl: "go", Unit: "ns", ItemsPerOp: sizedTasks, Run: sizedSpawn},
		{Workload: "sizedwg_6", Impl: "go_workers", Unit: "ns", ItemsPerOp: sizedTasks, Run: sizedWorkers},
	}
}

func wgAddDone(ops int) Extra {
	var wg sync.WaitGroup
	for i := 0; i < ops; i++ {
		wg.Add(1)
		wg.Done()
	}
	return nil
}

// pollUntil is the C side's spin_yield_until: poll, yielding the P between
// polls so that the goroutine being waited for can run.
func pollUntil(ready func() bool) {
	for !ready() {
		runtime.Gosched()
	}
}

// A cache line of its own per worker, as on the C side.
type paddedSeq struct {
	v atomic.Uint64
	_ [120]byte
}

func forkJoinPolled(ops int) Extra {
	const stop = ^uint64(0)
	var wg sync.WaitGroup
	var jobs [2]paddedSeq
	var exited sync.WaitGroup
	exited.Add(2)
	for i := range jobs {
		go func(seq *atomic.Uint64) {
			defer exited.Done()
			var seen, s uint64
			for {
				pollUntil(func() bool { s = seq.Load(); return s != seen })
				if s == stop {
					return
				}
				seen = s
				wg.Done()
			}
		}(&jobs[i].v)
	}
	for r := 1; r <= ops; r++ {
		wg.Add(2)
		jobs[0].v.Store(uint64(r))
		jobs[1].v.Store(uint64(r))
		wg.Wait()
	}
	jobs[0].v.Store(stop)
	jobs[1].v.Store(stop)
	exited.Wait()
	return nil
}

func forkJoinChan(ops int) Extra {
	var wg sync.WaitGroup
	var jobs [2]chan struct{}
	for i := range jobs {
		jobs[i] = make(chan struct{}, 1)
		go func(job chan struct{}) {
			for range job {
				wg.Done()
			}
		}(jobs[i])
	}
	for r := 0; r < ops; r++ {
		wg.Add(2)
		jobs[0] <- struct{}{}
		jobs[1] <- struct{}{}
		wg.Wait()
	}
	close(jobs[0])
	close(jobs[1])
	return nil
}

// sizedWaitGroup is remeh/sizedwaitgroup's design: a buffered channel as a
// counting semaphore bounding the tasks in flight, plus a WaitGroup.
type sizedWaitGroup struct {
	slots chan struct{}
	wg    sync.WaitGroup
}

func newSizedWaitGroup(limit int) *sizedWaitGroup {
	return &sizedWaitGroup{slots: make(chan struct{}, limit)}
}

func (s *sizedWaitGroup) Add() {
	s.slots <- struct{}{}
	s.wg.Add(1)
}

func (s *sizedWaitGroup) Done() {
	<-s.slots
	s.wg.Done()
}

func (s *sizedWaitGroup) Wait() { s.wg.Wait() }

func sizedSpawn(ops int) Extra {
	var sum atomic.Uint64
	for op := 0; op < ops; op++ {
		swg := newSizedWaitGroup(sizedLimit)
		for i := 0; i < sizedTasks; i++ {
			swg.Add()
			go func(arg uint64) {
				sum.Add(arg)
				swg.Done()
			}(uint64(i))
		}
		swg.Wait()
	}
	checkSum(sum.Load(), ops)
	return nil
}

// taskQueue is the C side's queue: one producer, consumers claim tasks with
// a CAS on head; the slot ring is larger than the in-flight limit, so a
// slot is never overwritten before its task has been claimed.
type taskQueue struct {
	tail  atomic.Uint64
	_     [120]byte
	head  atomic.Uint64
	_     [120]byte
	slots [16]atomic.Uint64
}

func (q *taskQueue) push(v uint64) {
	t := q.tail.Load()
	q.slots[t%16].Store(v)
	q.tail.Store(t + 1)
}

func (q *taskQueue) pop() (uint64, bool) {
	for {
		h := q.head.Load()
		if h == q.tail.Load() {
			return 0, false
		}
		v := q.slots[h%16].Load()
		if q.head.CompareAndSwap(h, h+1) {
			return v, true
		}
	}
}

func sizedWorkers(ops int) Extra {
	var q taskQueue
	var stop atomic.Bool
	var sum atomic.Uint64
	var exited sync.WaitGroup
	swg := newSizedWaitGroup(sizedLimit)
	exited.Add(2)
	for w := 0; w < 2; w++ {
		go func() {
			defer exited.Done()
			var local uint64
			for {
				var v uint64
				var ok bool
				pollUntil(func() bool { v, ok = q.pop(); return ok || stop.Load() })
				if !ok {
					sum.Add(local)
					return
				}
				local += v
				swg.Done()
			}
		}()
	}
	for op := 0; op < ops; op++ {
		for i := 0; i < sizedTasks; i++ {
			swg.Add()
			q.push(uint64(i))
		}
		swg.Wait()
	}
	stop.Store(true)
	exited.Wait()
	checkSum(sum.Load(), ops)
	return nil
}

func checkSum(got uint64, ops int) {
	want := uint64(ops) * uint64(sizedTasks) * uint64(sizedTasks-1) / 2
	if got != want {
		panic("sizedwg_6: a task was lost or run twice")
	}
}
