//! `cargo bench --bench timer_rounds -- <weft|tokio> [current|multi] [ROUNDS]`: timers at
//! low density, one runtime at a time, for counting what they cost the process.
//! `-- <weft|tokio> sleep1ms` instead times 200 `sleep(1 ms)` in a row on a current-thread
//! runtime (the median and the fastest): the precision a short sleep keeps.
//!
//! Each round spawns 1,000 tasks that each sleep once, for a duration spread evenly over
//! 1 to 100 ms (the same durations for both runtimes, from a fixed seed), and ends when
//! all have woken. It prints the median round's wall time and how late the sleeps ended
//! (median and 99th percentile past their deadline). Only one runtime runs per process, so
//! that system-call counters and CPU time measure it alone:
//!
//! ```text
//! strace -f -c -e trace=epoll_wait,epoll_pwait,timerfd_settime \
//!     target/release/deps/timer_rounds-* weft multi 20
//! perf stat -e task-clock,context-switches target/release/deps/timer_rounds-* tokio multi 20
//! ```
//!
//! Divide the counts by the number of rounds. (`compare`'s `time/sleep_many` measures the
//! opposite case: 100,000 sleeps of 1 ms, timers at high density.)

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Sleeps per round.
const TIMERS: usize = 1_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let side = args.first().map(String::as_str).unwrap_or("weft");
    if args.get(1).is_some_and(|a| a == "sleep1ms") {
        return sleep_1ms(side);
    }
    let multi = args.get(1).is_none_or(|f| f != "current");
    let rounds: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(20);
    let durations = durations();
    let (walls, lateness) = match side {
        "tokio" => run_tokio(multi, rounds, &durations),
        _ => run_weft(multi, rounds, &durations),
    };
    report(side, multi, walls, lateness);
}

/// TIMERS durations spread over 1..=100 ms, shuffled by a fixed xorshift.
fn durations() -> Vec<Duration> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..TIMERS)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Duration::from_micros(1_000 + x % 99_001)
        })
        .collect()
}

/// 200 `sleep(1 ms)` in a row, each timed.
fn sleep_1ms(side: &str) {
    const N: usize = 200;
    let ms = Duration::from_millis(1);
    let mut took: Vec<Duration> = if side == "tokio" {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let mut v = Vec::with_capacity(N);
            for _ in 0..N {
                let start = Instant::now();
                tokio::time::sleep(ms).await;
                v.push(start.elapsed());
            }
            v
        })
    } else {
        let rt = weft::Runtime::builder().current_thread().build().unwrap();
        rt.block_on(async {
            let mut v = Vec::with_capacity(N);
            for _ in 0..N {
                let start = Instant::now();
                let _ = weft::time::sleep(ms).await;
                v.push(start.elapsed());
            }
            v
        })
    };
    took.sort();
    println!("sleep1ms side={side} median_us={} fastest_us={}", took[N / 2].as_micros(), took[0].as_micros());
}

type Lateness = Arc<Mutex<Vec<Duration>>>;

fn run_weft(multi: bool, rounds: usize, durations: &[Duration]) -> (Vec<Duration>, Lateness) {
    let builder = weft::Runtime::builder();
    let rt = if multi { builder.multi_thread().worker_threads(2) } else { builder.current_thread() }
        .build()
        .unwrap();
    let late: Lateness = Arc::default();
    let walls = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            rt.block_on(async {
                let tasks: Vec<_> = durations
                    .iter()
                    .map(|&d| {
                        let late = late.clone();
                        weft::spawn(async move {
                            let deadline = Instant::now() + d;
                            let _ = weft::time::sleep(d).await;
                            late.lock().unwrap().push(Instant::now() - deadline);
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            });
            start.elapsed()
        })
        .collect();
    (walls, late)
}

fn run_tokio(multi: bool, rounds: usize, durations: &[Duration]) -> (Vec<Duration>, Lateness) {
    let mut builder = if multi {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    if multi {
        builder.worker_threads(2);
    }
    let rt = builder.enable_all().build().unwrap();
    let late: Lateness = Arc::default();
    let walls = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            rt.block_on(async {
                let tasks: Vec<_> = durations
                    .iter()
                    .map(|&d| {
                        let late = late.clone();
                        tokio::spawn(async move {
                            let deadline = Instant::now() + d;
                            tokio::time::sleep(d).await;
                            late.lock().unwrap().push(Instant::now() - deadline);
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            });
            start.elapsed()
        })
        .collect();
    (walls, late)
}

fn report(side: &str, multi: bool, mut walls: Vec<Duration>, late: Lateness) {
    walls.sort();
    let mut late = std::mem::take(&mut *late.lock().unwrap());
    late.sort();
    let pick = |v: &[Duration], q: f64| v[((v.len() - 1) as f64 * q) as usize];
    println!(
        "timer_rounds side={side} flavour={} rounds={} round_ms={:.1} late_p50_us={} late_p99_us={}",
        if multi { "multi" } else { "current" },
        walls.len(),
        pick(&walls, 0.5).as_secs_f64() * 1e3,
        pick(&late, 0.5).as_micros(),
        pick(&late, 0.99).as_micros(),
    );
}
