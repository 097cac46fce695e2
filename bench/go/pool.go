// Task pool workloads (issue 13), the Go side of bench/bench_pool.cpp:
// goroutines joined by a sync.WaitGroup, the pattern lfgo_pool ports.
//
//	fib_25/go          fib(25) by recursive fork/join: each call with
//	                   n > fibCutoff starts both children as goroutines and
//	                   waits for them with a WaitGroup; serial below the
//	                   cutoff (the same cutoff as the C side); ns per fib(25)
//	spawn_join_1e6/go  10^6 trivial goroutines started from one goroutine,
//	                   each calling wg.Done(), then one wg.Wait(); tasks
//	                   per second
//
// forkjoin_2w/go and sizedwg_6/go, the other workloads of issue 13, are in
// wg.go.
package main

import "sync"

const fibN = 25
const fibCutoff = 10 // bench/bench_pool.cpp's kCutoff
const spawnTasks = 1000000

func poolBenches() []Bench {
	return []Bench{
		{Workload: "fib_25", Impl: "go", Unit: "ns", ItemsPerOp: 1, Run: fibBench},
		{Workload: "spawn_join_1e6", Impl: "go", Unit: "items/s", ItemsPerOp: spawnTasks, Run: spawnJoin},
	}
}

func fibSerial(n int) int {
	if n < 2 {
		return n
	}
	return fibSerial(n-1) + fibSerial(n-2)
}

func fibGo(n int) int {
	if n <= fibCutoff {
		return fibSerial(n)
	}
	var wg sync.WaitGroup
	var a, b int
	wg.Add(2)
	go func() { a = fibGo(n - 1); wg.Done() }()
	go func() { b = fibGo(n - 2); wg.Done() }()
	wg.Wait()
	return a + b
}

func fibBench(ops int) Extra {
	want := fibSerial(fibN)
	for i := 0; i < ops; i++ {
		if fibGo(fibN) != want {
			panic("fib_25: wrong result")
		}
	}
	return nil
}

func spawnJoin(ops int) Extra {
	for o := 0; o < ops; o++ {
		var wg sync.WaitGroup
		wg.Add(spawnTasks)
		for i := 0; i < spawnTasks; i++ {
			go func() { wg.Done() }()
		}
		wg.Wait()
	}
	return nil
}
