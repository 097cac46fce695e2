// The Go peer of bench/bench_mutex.cpp: mutex_2t/4t/8t with sync.Mutex.
// T goroutines each increment one shared counter under the lock,
// 10,000,000 increments in total per op.
package main

import "sync"

const mutexIncrements = 10_000_000

func mutexBenches() []Bench {
	var out []Bench
	for _, t := range []int{2, 4, 8} {
		t := t
		out = append(out, Bench{
			Workload: "mutex_" + mutexItoa(t) + "t", Impl: "go", Unit: "ns",
			ItemsPerOp: mutexIncrements, FixedOps: 1,
			Run: func(ops int) Extra {
				for o := 0; o < ops; o++ {
					mutexContended(t)
				}
				return nil
			},
		})
	}
	return out
}

func mutexContended(t int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	each := mutexIncrements / t
	for g := 0; g < t; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if counter != each*t {
		panic("mutex: wrong count")
	}
}

func mutexItoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return mutexItoa(n/10) + string(rune('0'+n%10))
}
