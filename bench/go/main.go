// The Go peer of lfgo's benchmark report: the same workloads, written with
// Go's standard library, run with GOMAXPROCS=2 (or the GOMAXPROCS in the
// environment), writing CSV rows
//
//	workload,impl,median,min,max,unit
//
// with medians, minima and maxima over repetitions, as bench/report.py reads
// them.  Standard library only, no module file:
//
//	go run bench/go/*.go -reps 5 -min-time 0.2 -out build/bench/go.csv
//
// Every workload group lives in its own file (wg.go, chan.go, mutex.go,
// batch.go, ...) as a function returning []Bench; add it to `groups` below.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"sort"
	"time"
)

// The registry: one entry per workload group, in report order.
var groups = []struct {
	name    string
	benches func() []Bench
}{
	{"wg", wgBenches},
	{"chan", chanBenches},
	{"mutex", mutexBenches},
	{"batch", batchBenches},
	{"pool", poolBenches},
}

// Bench is one workload/impl pair.
type Bench struct {
	Workload string // stable key, as in the C benchmarks ("forkjoin_2w")
	Impl     string // "go", or "go_<variant>" for an extra Go row
	// Unit of the row's figure: "ns" (wall time per item, lower is
	// better) or "items/s" (items per second, higher is better).
	Unit string
	// Items moved by one op; the figure is per item.
	ItemsPerOp int
	// If > 0, every repetition runs exactly this many ops; otherwise the
	// count is scaled until one repetition lasts at least -min-time.
	FixedOps int
	// Run performs ops ops and may return extra figures, each written as a
	// row "<workload>.<name>" (keys are "name:unit", e.g. "p99:ns").
	Run func(ops int) Extra
}

// Extra figures of one repetition, keyed "name:unit".
type Extra map[string]float64

type options struct {
	reps    int
	minTime time.Duration
	filter  *regexp.Regexp
	list    bool
}

func main() {
	var o options
	var minTime float64
	var filter, out string
	flag.IntVar(&o.reps, "reps", 5, "repetitions per workload")
	flag.Float64Var(&minTime, "min-time", 0.2, "minimum seconds per repetition (scaled workloads)")
	flag.StringVar(&filter, "filter", ".", "regexp on workload/impl")
	flag.StringVar(&out, "out", "-", "CSV output file (- for stdout)")
	flag.BoolVar(&o.list, "list", false, "list the workloads and exit")
	flag.Parse()
	o.minTime = time.Duration(minTime * float64(time.Second))
	o.filter = regexp.MustCompile(filter)
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(2)
	}
	w, closeOut := openOut(out)
	defer closeOut()
	fmt.Fprintln(w, "workload,impl,median,min,max,unit")
	for _, g := range groups {
		for _, b := range g.benches() {
			if o.filter.MatchString(b.Workload + "/" + b.Impl) {
				runOne(w, b, o)
			}
		}
	}
}

func openOut(path string) (*bufio.Writer, func()) {
	f := os.Stdout
	if path != "-" {
		var err error
		if f, err = os.Create(path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	w := bufio.NewWriter(f)
	return w, func() { w.Flush(); f.Close() }
}

// runOne measures b: a warm-up, then o.reps repetitions of the same op count.
func runOne(w *bufio.Writer, b Bench, o options) {
	name := b.Workload + "/" + b.Impl
	if o.list {
		fmt.Fprintln(os.Stderr, name)
		return
	}
	ops := b.FixedOps
	if ops <= 0 {
		ops = calibrate(b, o.minTime)
	} else {
		b.Run(ops) // warm-up
	}
	figs := make([]float64, 0, o.reps)
	extras := map[string][]float64{}
	for r := 0; r < o.reps; r++ {
		start := time.Now()
		ex := b.Run(ops)
		el := time.Since(start)
		figs = append(figs, figure(b, ops, el))
		for k, v := range ex {
			extras[k] = append(extras[k], v)
		}
	}
	med, lo, hi := stats(figs)
	fmt.Fprintf(os.Stderr, "%-32s %14.1f %s  (%d ops x %d reps)\n", name, med, b.Unit, ops, o.reps)
	fmt.Fprintf(w, "%s,%s,%g,%g,%g,%s\n", b.Workload, b.Impl, med, lo, hi, b.Unit)
	writeExtras(w, b, extras)
	w.Flush()
}

// calibrate grows the op count until one run lasts at least minTime.
func calibrate(b Bench, minTime time.Duration) int {
	ops := 1
	for {
		start := time.Now()
		b.Run(ops)
		el := time.Since(start)
		if el >= minTime || ops >= 1<<30 {
			return ops
		}
		next := ops * 10
		if el > minTime/100 {
			next = int(float64(ops) * 1.2 * float64(minTime) / float64(el))
		}
		if next <= ops {
			next = ops + 1
		}
		ops = next
	}
}

func figure(b Bench, ops int, el time.Duration) float64 {
	items := float64(ops) * float64(max(b.ItemsPerOp, 1))
	if b.Unit == "items/s" {
		return items / el.Seconds()
	}
	return float64(el.Nanoseconds()) / items
}

func writeExtras(w *bufio.Writer, b Bench, extras map[string][]float64) {
	keys := make([]string, 0, len(extras))
	for k := range extras {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name, unit := splitKey(k)
		med, lo, hi := stats(extras[k])
		fmt.Fprintf(w, "%s.%s,%s,%g,%g,%g,%s\n", b.Workload, name, b.Impl, med, lo, hi, unit)
	}
}

func splitKey(k string) (string, string) {
	for i := len(k) - 1; i >= 0; i-- {
		if k[i] == ':' {
			return k[:i], k[i+1:]
		}
	}
	return k, ""
}

// stats returns the median, minimum and maximum of v.
func stats(v []float64) (float64, float64, float64) {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return med, s[0], s[n-1]
}

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}
