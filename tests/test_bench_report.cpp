// bench/report.py on a fixed set of raw results: the report's arithmetic
// (medians of repetitions, per-item and items/s figures, extra metric rows,
// error rows, the Go peer's rows), the VM state it names, and the targets it
// marks met or missed; issue 12's ratio to the best peer (collapsed peers do
// not count), issue 14's ratio to the floor and spread of repetitions, the
// calibration points run beside each workload and after each program, and
// the issue sections: out of line against LFGO_INLINE and the WaitGroup's
// release against acq_rel (issue 10), the seq_cst build beside the normal
// one (issue 11), the barrier kinds, the task pool against its peers
// (issue 13), the batcher's policies (issue 12).  Needs python3
// (scripts/deps.sh installs it).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace {

std::string repo_root()
{
    std::string f = __FILE__; // .../tests/test_bench_report.cpp
    return f.substr(0, f.rfind("/tests/"));
}

void write(const std::string &path, const std::string &text)
{
    std::ofstream(path) << text;
}

std::string read(const std::string &path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// One Google Benchmark repetition as JSON; `extra` adds counter fields.
std::string rep(const std::string &name, double real, const char *unit, const std::string &extra = "")
{
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "{\"name\": \"%s/real_time\", \"run_name\": \"%s/real_time\", \"run_type\": "
                  "\"iteration\", \"iterations\": 1000, \"real_time\": %g, \"cpu_time\": 1.0, "
                  "\"time_unit\": \"%s\"%s}",
                  name.c_str(), name.c_str(), real, unit, extra.c_str());
    return buf;
}

std::string program(const std::string &reps)
{
    return "{\"context\": {\"load_avg\": [0.5, 0.4, 0.3]}, \"benchmarks\": [" + reps + "]}";
}

// report.py runs once for the whole suite (a second each); every test reads
// its output.
class BenchReport : public testing::Test {
protected:
    static void SetUpTestSuite()
    {
        char tmpl[] = "/tmp/lfgo-report-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        results_ = dir_ + "/results";
        out_ = dir_ + "/out";
        ASSERT_EQ(std::system(("mkdir -p " + results_).c_str()), 0);
        write_fixture();
        std::string cmd = "python3 " + repo_root() + "/bench/report.py --results " + results_ +
                          " --out " + out_ + " > /dev/null";
        ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
        summary_ = read(out_ + "/summary.csv");
        md_ = read(out_ + "/report.md");
    }
    static void TearDownTestSuite() { std::system(("rm -rf " + dir_).c_str()); }
    void SetUp() override { ASSERT_FALSE(md_.empty()) << "report.py wrote no report"; }

    static void write_fixture()
    {
        write(results_ + "/bench_calib.json",
              program(rep("calib_spin_rtt/floor", 120, "ns") + "," + rep("calib_spin_rtt/floor", 140, "ns") +
                      "," + rep("calib_spin_rtt/floor", 130, "ns")));
        // An aggregate row with a bogus value must be ignored.
        std::string agg = "{\"name\": \"wg_add_done/lfgo/real_time_median\", \"run_name\": "
                          "\"wg_add_done/lfgo/real_time\", \"run_type\": \"aggregate\", "
                          "\"aggregate_name\": \"median\", \"real_time\": 999, \"time_unit\": \"ns\"}";
        write(results_ + "/bench_wg.json",
              program(rep("wg_add_done/lfgo", 10.5, "ns") + "," + rep("wg_add_done/lfgo", 11.5, "ns") + "," +
                      rep("wg_add_done/lfgo", 10.9, "ns") + "," + agg + "," +
                      rep("wg_add_done/floor", 10, "ns") + "," + rep("forkjoin_2w/lfgo", 2, "us") + "," +
                      rep("forkjoin_2w/lfgo", 4, "us") + "," + rep("forkjoin_2w/lfgo", 3, "us")));
        write(results_ + "/bench_swg.json",
              program(rep("sizedwg_6/lfgo", 5e6, "ns", ", \"per_item\": 1e-07, \"p99:ns\": 700") + "," +
                      rep("sizedwg_6/lfgo", 5e6, "ns", ", \"per_item\": 3e-07, \"p99:ns\": 900") + "," +
                      rep("sizedwg_6/twin", 5e6, "ns", ", \"per_item\": 2e-06") + "," +
                      rep("batch_10/lfgo", 1, "s", ", \"items_per_s\": 3.3e7") + "," +
                      "{\"name\": \"mutex_8t/ck_ticket\", \"run_name\": \"mutex_8t/ck_ticket\", "
                      "\"run_type\": \"iteration\", \"error_occurred\": true, "
                      "\"error_message\": \"collapsed: 10 of 100 ops in 5 s\"}"));
        // A run killed mid-way: the file stops after two finished repetitions.
        std::string cut = program(rep("spsc/twin", 100, "ns") + "," + rep("spsc/twin", 300, "ns") + "," +
                                  rep("spsc/twin", 999, "ns"));
        write(results_ + "/bench_chan@1.json", cut.substr(0, cut.rfind("{\"name\"")));
        // The error row scripts/bench.sh writes for a killed benchmark.
        write(results_ + "/bench_chan@0.json.error.json",
              "{\"benchmarks\": [{\"name\": \"spsc/lfgo/real_time\", \"run_name\": "
              "\"spsc/lfgo/real_time\", \"run_type\": \"iteration\", \"error_occurred\": true, "
              "\"error_message\": \"killed after the 300 s limit\"}]}");
        // One repetition per file, interleaved (scripts/bench.sh): rows 5..7
        // of bench_chan, repetitions r1..r3.
        const char *lfgo_mpmc[] = {"30e-9", "40e-9", "36e-9"}, *floor_mpmc[] = {"6e-9", "6.2e-9", "5.9e-9"};
        for (int r = 0; r < 3; r++) {
            std::string n = std::to_string(r + 1);
            write(results_ + "/bench_chan@5.r" + n + ".json",
                  program(rep("mpmc_2p2c/lfgo", 1, "s", std::string(", \"per_item\": ") + lfgo_mpmc[r])));
            write(results_ + "/bench_chan@6.r" + n + ".json",
                  program(rep("mpmc_2p2c/floor", 1, "s", std::string(", \"per_item\": ") + floor_mpmc[r])));
            write(results_ + "/bench_chan@7.r" + n + ".json",
                  program(rep("mpmc_2p2c/dpdk_mp_mc", 1, "s", ", \"per_item\": 9e-09")));
        }
        write(results_ + "/bench_chan@8.json",
              program(rep("mpmc_8p8c/lfgo", 1, "s",
                          ", \"per_item\": 2e-08, \"p50:ns\": 100, \"p99:ns\": 2000, \"p999:ns\": 5000, "
                          "\"max:ns\": 9000") + "," +
                      rep("mpmc_8p8c/urcu", 1, "s", ", \"per_item\": 4e-07") + "," +
                      rep("mpmc_8p8c/dpdk_hts", 1, "s", ", \"per_item\": 2e-07") + "," +
                      rep("mpmc_8p8c/twin", 1, "s", ", \"per_item\": 1e-08") + "," +
                      "{\"name\": \"mpmc_8p8c/dpdk_mp_mc\", \"run_name\": \"mpmc_8p8c/dpdk_mp_mc\", "
                      "\"run_type\": \"iteration\", \"error_occurred\": true, "
                      "\"error_message\": \"collapsed: 5 of 10 items\"}"));
        // dpdk_mp_mc finished a fast first repetition before it collapsed:
        // a collapsed row is no best peer.
        write(results_ + "/bench_chan@9.r1.json", program(rep("mpmc_8p8c/dpdk_mp_mc", 1, "s", ", \"per_item\": 1e-09")));
        // Calibration points beside two workloads: fast, then slow.
        write(results_ + "/calib_at@1@bench_chan@mpmc_2p2c.json", program(rep("calib_spin_rtt/floor", 130, "ns")));
        write(results_ + "/calib_at@2@bench_chan@mpmc_8p8c.json", program(rep("calib_spin_rtt/floor", 500, "ns")));
        write(results_ + "/go.csv", "workload,impl,median,min,max,unit\n"
                                    "forkjoin_2w,go,500,450,550,ns\n"
                                    "batch_10,go,1e7,0.9e7,1.1e7,items/s\n"
                                    "fib_25,go,3e6,2.9e6,3.1e6,ns\n"
                                    "spawn_join_1e6,go,1e7,0.9e7,1.1e7,items/s\n");
        write_issue_sections();
    }

    // Rows of the issue sections (issues 10-13).
    static void write_issue_sections()
    {
        // Issue 10 part 1 and 5: bench_wg's inline and acq_rel rows, and the
        // mutex rows out of line and inline.
        write(results_ + "/bench_wg@20.r1.json", program(rep("wg_add_done/lfgo_inline", 4.9, "ns")));
        write(results_ + "/bench_wg@21.r1.json", program(rep("wg_add_done/lfgo_acq_rel", 12, "ns")));
        write(results_ + "/bench_mutex.json",
              program(rep("mutex_1t/lfgo", 1, "s", ", \"per_item\": 2e-08") + "," +
                      rep("mutex_1t/lfgo_inline", 1, "s", ", \"per_item\": 1.6e-08")));
        // Issue 11: the seq_cst build's rows (program bench_<group>_seqcst).
        write(results_ + "/bench_chan_seqcst@0.r1.json",
              program(rep("mpmc_2p2c/lfgo", 1, "s", ", \"per_item\": 7.2e-08")));
        write(results_ + "/bench_wg_seqcst@0.r1.json", program(rep("wg_add_done/lfgo", 21.8, "ns")));
        // Issue 10 part 4: the fence rows.
        write(results_ + "/bench_chan@30.r1.json",
              program(rep("mpmc_2p2c/lfgo_fence", 1, "s", ", \"per_item\": 4.5e-08, \"p50:ns\": 200, \"p99:ns\": 3000")));
        // Issue 13: the pool's rows (Go's are in go.csv).
        write(results_ + "/bench_pool.json",
              program(rep("forkjoin_2w/lfgo_pool", 400, "ns") + "," + rep("forkjoin_2w/tbb", 300, "ns") + "," +
                      rep("fib_25/lfgo_pool", 2, "ms") + "," + rep("fib_25/tbb", 1, "ms") + "," +
                      rep("fib_25/openmp", 4, "ms") + "," +
                      rep("spawn_join_1e6/lfgo_pool", 1, "s", ", \"items_per_s\": 2e7")));
        // Issue 12 part 3: the filling-thread policy (batch_1000 has none).
        write(results_ + "/bench_batch.json",
              program(rep("batch_10/lfgo_inline", 1, "s", ", \"items_per_s\": 4e7") + "," +
                      rep("batch_latency/lfgo", 1, "s", ", \"p99:ns\": 7e6") + "," +
                      rep("batch_latency/lfgo_inline", 1, "s", ", \"p99:ns\": 5.5e6")));
        // Calibration before bench_wg's workload and after its last one.
        write(results_ + "/calib_at@3@bench_wg@wg_add_done.json", program(rep("calib_spin_rtt/floor", 120, "ns")));
        write(results_ + "/calib_at@4@bench_wg@_end.json", program(rep("calib_spin_rtt/floor", 125, "ns")));
    }

    static bool has(const std::string &text, const std::string &what) { return text.find(what) != std::string::npos; }

    static std::string dir_, results_, out_, summary_, md_;
};

std::string BenchReport::dir_, BenchReport::results_, BenchReport::out_, BenchReport::summary_, BenchReport::md_;

TEST_F(BenchReport, SummaryHasMediansOfRepetitionsInNs)
{
    EXPECT_TRUE(has(summary_, "workload,impl,median,min,max,unit\n")) << summary_;
    EXPECT_TRUE(has(summary_, "calib_spin_rtt,floor,130,120,140,ns\n")) << summary_;
    EXPECT_TRUE(has(summary_, "wg_add_done,lfgo,10.9,10.5,11.5,ns\n")) << summary_;
    EXPECT_TRUE(has(summary_, "forkjoin_2w,lfgo,3000,2000,4000,ns\n")) << summary_;
}

TEST_F(BenchReport, CountersSelectTheFigureAndAddRows)
{
    EXPECT_TRUE(has(summary_, "sizedwg_6,lfgo,200,100,300,ns\n")) << summary_;
    EXPECT_TRUE(has(summary_, "sizedwg_6.p99,lfgo,800,700,900,ns\n")) << summary_;
    EXPECT_TRUE(has(summary_, "batch_10,lfgo,3.3e+07,3.3e+07,3.3e+07,items/s\n")) << summary_;
}

TEST_F(BenchReport, GoRowsAndErrorRowsAreCarried)
{
    EXPECT_TRUE(has(summary_, "forkjoin_2w,go,500,450,550,ns\n")) << summary_;
    EXPECT_TRUE(has(summary_, "mutex_8t,ck_ticket,,,,error: collapsed: 10 of 100 ops in 5 s\n")) << summary_;
    EXPECT_TRUE(has(md_, "collapsed: 10 of 100 ops in 5 s")) << md_;
}

TEST_F(BenchReport, KeepsWhatAKilledRunFinished)
{
    EXPECT_TRUE(has(summary_, "spsc,twin,200,100,300,ns\n")) << summary_;
    EXPECT_TRUE(has(summary_, "spsc,lfgo,,,,error: killed after the 300 s limit\n")) << summary_;
    EXPECT_TRUE(has(md_, "![chan](chan.svg)")) << md_;
}

TEST_F(BenchReport, NamesTheVmState)
{
    EXPECT_TRUE(has(md_, "VM state **fast**")) << md_;
}

TEST_F(BenchReport, MarksTargetsMetMissedOrWithoutData)
{
    // 10.9 <= 1.1 x 10; 200 <= 0.1 x 2000; 3.3e7 >= 3 x 1e7: met.
    EXPECT_TRUE(has(md_, "| 2 | wg_add_done/lfgo <= 1.1 x floor | 10.9 ns vs wg_add_done/floor 10.0 ns: 1.09x | met |"))
        << md_;
    EXPECT_TRUE(has(md_, "sizedwg_6/lfgo >= 10x faster than twin | 200.0 ns vs sizedwg_6/twin 2000 ns: 0.1x | met |"))
        << md_;
    EXPECT_TRUE(has(md_, "batch_10/lfgo >= 3 x go (items/s) | 33 M items/s vs batch_10/go 10 M items/s: 3.3x | met |"))
        << md_;
    // 3000 > 500: missed by 6x.
    EXPECT_TRUE(has(md_, "3000 ns vs forkjoin_2w/go 500.0 ns: 6x; missed by 6.00x | **MISSED** |")) << md_;
    EXPECT_TRUE(has(md_, "| 3 | spsc/lfgo >= 6x faster than go | - | no data |")) << md_;
}

TEST_F(BenchReport, WritesOneSvgPerGroup)
{
    for (const char *g : {"calib", "wg", "swg"}) {
        std::string svg = read(out_ + "/" + g + ".svg");
        EXPECT_EQ(svg.rfind("<svg ", 0), 0u) << g;
        EXPECT_TRUE(has(svg, "</svg>")) << g;
        EXPECT_TRUE(has(md_, std::string("](") + g + ".svg)")) << g;
    }
}

TEST_F(BenchReport, ReadsOneRepetitionPerFile)
{
    EXPECT_TRUE(has(summary_, "mpmc_2p2c,lfgo,36,30,40,ns\n")) << summary_;
    EXPECT_TRUE(has(summary_, "mpmc_2p2c,floor,6,5.9,6.2,ns\n")) << summary_;
}

TEST_F(BenchReport, RatioToTheBestPeerSkipsCollapsedPeersAndTheTwin)
{
    // mpmc_2p2c: the only peer is dpdk_mp_mc (the floor is no peer): 36 / 9.
    EXPECT_TRUE(has(md_, "| `mpmc_2p2c` | lfgo | 36.0 ns | dpdk_mp_mc (spins) | 9.00 ns | 4.00x |  |")) << md_;
    // mpmc_8p8c: dpdk_mp_mc collapsed, the twin is faster but no peer:
    // the best is dpdk_hts, 20 / 200.
    EXPECT_TRUE(has(md_, "| `mpmc_8p8c` | lfgo | 20.0 ns | dpdk_hts (spins) | 200.0 ns | 0.10x | dpdk_mp_mc |")) << md_;
    // The killed spsc/lfgo row still gets its line.
    EXPECT_TRUE(has(md_, "| `spsc` | lfgo | **killed after the 300 s limit** |")) << md_;
}

TEST_F(BenchReport, FloorRatioAndSpreadOfTheMpmcRows)
{
    // 36 / 6 = 6x; spread 40 / 30 = 1.33 > 1.3; floor 6.2 / 5.9 = 1.05.
    EXPECT_TRUE(has(md_, "| `mpmc_2p2c` | 36.0 ns | 6.00 ns | 6.00x | 1.33 (**MISSED**) | 1.05 |")) << md_;
    EXPECT_TRUE(has(md_, "| 14 | mpmc_2p2c/lfgo <= 1.5 x floor | 36.0 ns vs mpmc_2p2c/floor 6.00 ns: 6x; missed by 4.00x | **MISSED** |"))
        << md_;
    // One repetition: no spread; no floor row: no ratio.
    EXPECT_TRUE(has(md_, "| `mpmc_8p8c` | 20.0 ns | - | - | - | - |")) << md_;
}

TEST_F(BenchReport, MarksSpinningImplsAndBestPeerTargets)
{
    EXPECT_TRUE(has(md_, "| chan | lfgo | lfgo_fence | lfgo_seqcst | twin | floor | urcu (spins) | dpdk_mp_mc (spins) | "
                         "dpdk_hts (spins) |")) << md_;
    // best:spsc has no lfgo figure (killed): no data, not a crash.
    EXPECT_TRUE(has(md_, "| 12 | spsc/lfgo <= 1.25 x best bounded SPSC peer | - | no data |")) << md_;
}

TEST_F(BenchReport, ShowsTheCalibrationBesideEachWorkload)
{
    EXPECT_TRUE(has(md_, "| bench_chan | `mpmc_2p2c` | 130.0 ns | fast |")) << md_;
    EXPECT_TRUE(has(md_, "| bench_chan | `mpmc_8p8c` | 500.0 ns | slow (changed) |")) << md_;
    EXPECT_TRUE(has(md_, "**The VM state changed during this run** (fast, slow)")) << md_;
    EXPECT_TRUE(has(summary_, "calib_at_bench_chan,floor,315,130,500,ns\n")) << summary_;
    // The points are not rows of the calibration workload itself.
    EXPECT_TRUE(has(summary_, "calib_spin_rtt,floor,130,120,140,ns\n")) << summary_;
}

TEST_F(BenchReport, ScalingTableAndPlotFromTheThreadCountRows)
{
    // items/s = 1e9 / ns: mpmc_2p2c 36 ns, mpmc_8p8c 20 ns; twin: spsc 200 ns
    // (the 1+1 point), mpmc_8p8c 10 ns.
    EXPECT_TRUE(has(md_, "| lfgo | - | 27.8 M items/s | - | 50 M items/s |")) << md_;
    EXPECT_TRUE(has(md_, "| twin | 5 M items/s | - | - | 100 M items/s |")) << md_;
    std::string svg = read(out_ + "/scaling_chan.svg");
    EXPECT_EQ(svg.rfind("<svg ", 0), 0u);
    EXPECT_TRUE(has(svg, "<polyline")) << svg;
    EXPECT_TRUE(has(md_, "![scaling chan](scaling_chan.svg)")) << md_;
}

TEST_F(BenchReport, LatencyPercentilesOfChannelRows)
{
    EXPECT_TRUE(has(md_, "| workload | impl | p50 | p99 | p99.9 | max |")) << md_;
    EXPECT_TRUE(has(md_, "| `mpmc_8p8c` | lfgo | 100.0 ns | 2000 ns | 5000 ns | 9000 ns |")) << md_;
}

TEST_F(BenchReport, OutOfLineAgainstInline)
{
    // wg_add_done: 10.9 / 4.9 = 2.22x, (10.9 - 4.9) / 2 calls = 3 ns a call.
    EXPECT_TRUE(has(md_, "| `wg_add_done` | add + done | 10.9 ns [10.5 ns, 11.5 ns] | 4.90 ns | 2.22x | +3.00 ns |"))
        << md_;
    EXPECT_TRUE(has(md_, "| `mutex_1t` | lock + unlock | 20.0 ns | 16.0 ns | 1.25x | +2.00 ns |")) << md_;
}

TEST_F(BenchReport, WaitGroupReleaseAgainstAcqRel)
{
    // 12 / 10.9 = 1.10; no floor_acq_rel row, no forkjoin_2w/lfgo_acq_rel: no line.
    EXPECT_TRUE(has(md_, "| `wg_add_done` | lfgo (out of line) | 10.9 ns [10.5 ns, 11.5 ns] | 12.0 ns | 1.10x |")) << md_;
    EXPECT_FALSE(has(md_, "| `forkjoin_2w` | lfgo (out of line) |")) << md_;
}

TEST_F(BenchReport, SeqCstBuildBesideTheNormalOne)
{
    // bench_chan_seqcst's mpmc_2p2c/lfgo is the row mpmc_2p2c/lfgo_seqcst of the chan group.
    EXPECT_TRUE(has(summary_, "mpmc_2p2c,lfgo_seqcst,72,72,72,ns\n")) << summary_;
    EXPECT_TRUE(has(summary_, "wg_add_done,lfgo_seqcst,21.8,21.8,21.8,ns\n")) << summary_;
    EXPECT_TRUE(has(md_, "| `mpmc_2p2c` | lfgo | 36.0 ns [30.0 ns, 40.0 ns] | 72.0 ns | 2.00x |")) << md_;
    EXPECT_TRUE(has(md_, "| `wg_add_done` | lfgo | 10.9 ns [10.5 ns, 11.5 ns] | 21.8 ns | 2.00x |")) << md_;
    // Its calibration is the base program's point before that workload.
    EXPECT_TRUE(has(md_, "| `mpmc_2p2c` | lfgo_seqcst | 72 | 72 | 72 | ns | 2.00x | 130.0 ns (fast) |")) << md_;
}

TEST_F(BenchReport, BarrierKindsSideBySide)
{
    // 45 / 36 = 1.25; the fence row's latency percentiles beside it.
    EXPECT_TRUE(has(md_, "| `mpmc_2p2c` | fences (`lfgo_fence`) | 45.0 ns | 1.25x | 200.0 ns | 3000 ns | - | - |"))
        << md_;
    EXPECT_TRUE(has(md_, "| `mpmc_2p2c` | membarrier (default) | 36.0 ns [30.0 ns, 40.0 ns] |  | - | - | - | - |"))
        << md_;
}

TEST_F(BenchReport, TaskPoolAgainstGoTbbOpenmp)
{
    // Ratios are lfgo's time over the peer's: 400 / 500, 400 / 300; fib 2 / 3,
    // 2 / 1, 2 / 4 ms; spawn_join in items/s: 1e7 / 2e7.
    EXPECT_TRUE(has(md_, "| `forkjoin_2w` | lfgo_pool | 400.0 ns | 500.0 ns | 300.0 ns | - | - | 0.80x | 1.33x | - |"))
        << md_;
    EXPECT_TRUE(has(md_, "| `fib_25` | lfgo_pool | 2000 µs | 3000 µs | 1000 µs | 4000 µs | - | 0.67x | 2.00x | 0.50x |"))
        << md_;
    EXPECT_TRUE(has(md_, "| `spawn_join_1e6` | lfgo_pool | 20 M items/s | 10 M items/s | - | - | - | 0.50x | - | - |"))
        << md_;
    // The thread-based row of the same workload, and the targets.
    EXPECT_TRUE(has(md_, "| `forkjoin_2w` | lfgo | 3000 ns [2000 ns, 4000 ns] | 500.0 ns | 300.0 ns | - | - | 6.00x | 10.00x | - |"))
        << md_;
    EXPECT_TRUE(has(md_, "| fib_25/lfgo_pool <= go | 2000 µs vs fib_25/go 3000 µs: 0.667x | met |")) << md_;
    EXPECT_TRUE(has(md_, "| forkjoin_2w/lfgo_pool <= tbb | 400.0 ns vs forkjoin_2w/tbb 300.0 ns: 1.33x; missed by 1.33x | **MISSED** |"))
        << md_;
}

TEST_F(BenchReport, BatcherPoliciesAndOptionalTargets)
{
    // 3.3e7 / 1e7 = 3.3x, 4e7 / 1e7 = 4x.
    EXPECT_TRUE(has(md_, "| `batch_10` | 33 M items/s | 40 M items/s | 10 M items/s | - | 3.30x | 4.00x |")) << md_;
    EXPECT_TRUE(has(md_, "| lfgo | - | 7000 µs | - | - | **MISSED** |")) << md_;
    EXPECT_TRUE(has(md_, "| lfgo_inline | - | 5500 µs | - | - | met |")) << md_;
    EXPECT_TRUE(has(md_, "| 12 | batch_10/lfgo_inline >= 3 x go (items/s) | 40 M items/s vs batch_10/go 10 M items/s: 4x | met |"))
        << md_;
    // No batch_1000/lfgo_inline row in this run: its target is left out.
    EXPECT_FALSE(has(md_, "batch_1000/lfgo_inline >= 3 x go")) << md_;
    // A target on a row every build has stays, marked "no data".
    EXPECT_TRUE(has(md_, "| 12 | batch_1000/lfgo (flusher) >= go (items/s) | - | no data |")) << md_;
}

TEST_F(BenchReport, CalibrationBeforeAndAfterEachProgram)
{
    EXPECT_TRUE(has(md_, "| bench_wg | 120.0 ns | 125.0 ns | 120.0 ns | 125.0 ns | 2 | fast |")) << md_;
    EXPECT_TRUE(has(md_, "| bench_chan | 130.0 ns | - | 130.0 ns | 500.0 ns | 2 | fast → slow (**changed inside**) |"))
        << md_;
    EXPECT_TRUE(has(md_, "| bench_wg | (after the last workload) | 125.0 ns | fast |")) << md_;
    // Every row of the details table names the calibration before its workload.
    EXPECT_TRUE(has(md_, "| `wg_add_done` | lfgo | 10.9 | 10.5 | 11.5 | ns |  | 120.0 ns (fast) |")) << md_;
}

} // namespace
