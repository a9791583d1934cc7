//! `cargo bench --bench compare`: weft against tokio, workload by workload.
//!
//! # Method
//!
//! - **Same code, same resources.** Each workload is one function generic over
//!   [`runtimes::Rt`], run once as weft and once as tokio. Multi-thread runtimes get the same
//!   number of workers on both sides ([`runtimes::WORKERS`] = 2); current-thread runtimes
//!   are compared with current-thread runtimes.
//! - **One runtime per side per workload**, built before warm-up and kept for all rounds,
//!   as tokio's own benches do; it is dropped (shut down) when the workload ends.
//! - **Warm-up**, then **alternating rounds**: weft, tokio, weft, tokio, ... Each round is
//!   one iteration of the workload, timed with [`Instant`] as wall time. Alternating
//!   spreads the machine's drift (frequency scaling, noisy neighbours) over both sides
//!   evenly instead of charging it to whichever ran second.
//! - **A thread per side.** Each side's rounds (and so its `block_on`) run on a thread of
//!   its own, never on a thread the other side also uses: how one runtime treats its
//!   calling thread (spinning before it parks, say) then cannot change how the OS
//!   schedules the other's rounds.
//! - **CPU time beside wall time.** Each round also measures the CPU time the whole
//!   process consumed during its measured part (`cpu.rs`): a runtime that finishes as
//!   fast by keeping more cores busy (spinning, ticking, waking threads that find nothing
//!   to do) shows it in `cpu_ratio`, not in `ratio`.
//! - **Medians**: the reported value per side is the median of its rounds, which ignores
//!   the occasional round hit by a preemption. The spread (min, quartiles, max) goes to stderr.
//! - **ratio = weft / tokio** of the medians: below 1 weft is faster (or, for `mem/*`,
//!   smaller). stderr also shows the median of the round-by-round ratios; when it
//!   disagrees with the ratio of medians, the run was too noisy to trust. The machines
//!   are small and noisy: compare ratios within one run, never absolute times across runs.
//!
//! # Output
//!
//! One line per workload on stdout, read by tools, then a markdown table of the same:
//!
//! ```text
//! compare <group>/<workload> weft_ns=<median> tokio_ns=<median> ratio=<weft/tokio> weft_cpu_ns=<median> tokio_cpu_ns=<median> cpu_ratio=<weft/tokio>
//! ```
//!
//! `*_ns` is the median wall time of a round, `*_cpu_ns` the median CPU time of a round
//! (every thread of the process, see `cpu.rs`). `scale/*` lines give both per item (per
//! task, per timer) instead of per round, so that their growth from 10³ to 10⁶ items reads
//! off directly. `mem/*` lines use the same keys but the wall values are bytes (the CPU
//! values stay the CPU time of the measured spawns). `http/*` lines (with `--features
//! http`, which builds hyper) give both per
//! request (`*_ns` = 1e9 / requests per second, so `ratio` = tokio's requests per second
//! over weft's; see `http.rs`). Progress and spreads go to
//! stderr. A workload that panics is reported on stderr and skipped (exit status 1); a
//! workload that stops making progress for [`HANG_LIMIT`] aborts the run (exit status 2).
//!
//! # Command line
//!
//! `cargo bench --bench compare [-- [--quick] [--loaded | --loaded-only] [--list] [FILTER...]]`:
//! `--quick` shortens every workload (a few minutes in all); a FILTER keeps the workloads
//! whose name contains it (e.g. `-- --quick ping_pong`); `--list` prints the names.
//! `--loaded` runs every selected workload twice: first on the quiet machine, then again
//! while two threads of this process burn CPU without pause (`cpu::Burners`), competing
//! with both runtimes for the cores; the second pass prints the same lines with a
//! `loaded/` prefix (`compare loaded/rt_multi/ping_pong ...`). `--loaded-only` runs only
//! the second pass. The burners' own CPU time is not charged to either side.
//! For a profiler: `--syscalls SIDE WORKLOAD ROUNDS` runs one side's server of
//! `net/echo` or `net/accept_rate` alone (`net.rs`), and, with `--features http`,
//! `--http-server weft|weft-bare|tokio SECS` serves http/hello alone (`http.rs`).
//! Other flags (cargo passes `--bench`) are ignored.
//!
//! # Adding a workload
//!
//! Write `fn my_workload<R: Rt>(rt: R) -> impl FnMut() -> Duration` in the group's module
//! (`rt.rs`, `time.rs`, or a new `sync.rs`, `group.rs`, ...): set up what the rounds share,
//! then return the closure that runs one round and returns the time it measured (usually
//! `timed(|| ...)`, which leaves untimed set-up and clean-up outside the measurement).
//! List it in that module's `WORKLOADS` with [`timed!`]. A new module also goes into
//! [`GROUPS`] below. If the two sides need different code (weft's primitives against
//! `tokio::sync`), write the two setup functions side by side and list them with
//! [`paired!`] (`sync.rs`, `group.rs`, `net.rs`).
//! Workloads that measure something other than time return an [`Outcome`] themselves
//! (see `mem.rs`).

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// A `scale/*` entry: rounds of `$setup::<Weft>(rt, $items)` against
/// `$setup::<Tokio>(rt, $items)`, reported per item.
macro_rules! scaled {
    ($name:literal, $flavor:expr_2021, $setup:ident, $items:expr_2021) => {
        crate::Workload {
            name: $name,
            run: |ctx| {
                use crate::runtimes::{Rt, Tokio, Weft};
                let weft = $setup::<Weft>(Weft::build($flavor), $items);
                let tokio = $setup::<Tokio>(Tokio::build($flavor), $items);
                ctx.alternate(weft, tokio).per_item($items)
            },
        }
    };
}

/// A workload entry that times rounds of `$setup::<Weft>` against `$setup::<Tokio>`, each
/// given a fresh runtime of `$flavor`. `$setup` is a generic function in scope:
/// `fn $setup<R: Rt>(rt: R) -> impl FnMut() -> Duration`.
macro_rules! timed {
    ($name:literal, $flavor:expr_2021, $setup:ident) => {
        crate::Workload {
            name: $name,
            run: |ctx| {
                use crate::runtimes::{Rt, Tokio, Weft};
                let weft = $setup::<Weft>(Weft::build($flavor));
                let tokio = $setup::<Tokio>(Tokio::build($flavor));
                ctx.alternate(weft, tokio)
            },
        }
    };
}

/// A workload entry for two sides that need different code (weft's primitives against
/// `tokio::sync`, weft's sockets against tokio's): `$weft(Weft::build($flavor))` against
/// `$tokio(Tokio::build($flavor))`, two setup functions written side by side.
macro_rules! paired {
    ($name:literal, $flavor:expr_2021, $weft:ident, $tokio:ident) => {
        crate::Workload {
            name: $name,
            run: |ctx| {
                use crate::runtimes::{Rt, Tokio, Weft};
                ctx.alternate($weft(Weft::build($flavor)), $tokio(Tokio::build($flavor)))
            },
        }
    };
}

mod cpu;
mod group;
#[cfg(feature = "http")]
mod http;
mod mem;
mod net;
mod net_client;
mod rt;
mod runtimes;
mod scale;
mod sync;
mod time;

/// Every workload, group by group, in running order.
const GROUPS: &[&[Workload]] = &[
    rt::WORKLOADS,
    time::WORKLOADS,
    sync::WORKLOADS,
    group::WORKLOADS,
    net::WORKLOADS,
    #[cfg(feature = "http")]
    http::WORKLOADS,
    mem::WORKLOADS,
    scale::WORKLOADS,
];

/// A run aborts when no round finishes for this long (a hang, not a slow round).
const HANG_LIMIT: Duration = Duration::from_secs(60);

/// One named workload.
pub struct Workload {
    /// `<group>/<workload>`, as printed.
    pub name: &'static str,
    /// Builds both sides, runs the rounds, reports the medians.
    pub run: fn(&Ctx) -> Outcome,
}

/// How long to measure; shared by every workload of a run.
pub struct Ctx {
    /// `--quick` was given.
    pub quick: bool,
    /// Warm-up wall time per workload (both sides together).
    warmup: Duration,
    /// Measuring wall time per workload (both sides together), once `min_rounds` are done.
    budget: Duration,
    /// Rounds per side, at least.
    min_rounds: usize,
    /// Rounds per side, at most.
    max_rounds: usize,
}

/// What a side's rounds measured: nanoseconds, or bytes for `mem/*`.
pub struct Outcome {
    /// weft's samples, one per round.
    pub weft: Vec<u64>,
    /// tokio's samples, one per round.
    pub tokio: Vec<u64>,
    /// weft's CPU time per round, in nanoseconds.
    pub weft_cpu: Vec<u64>,
    /// tokio's CPU time per round, in nanoseconds.
    pub tokio_cpu: Vec<u64>,
    /// What the samples count.
    pub unit: Unit,
    /// Items per round: the printed medians are divided by it (`scale/*`), else 1.
    pub items: u64,
}

impl Outcome {
    /// Reports the medians per item, for a round that handles `items` items.
    pub fn per_item(self, items: usize) -> Outcome {
        Outcome { items: items as u64, ..self }
    }
}

/// One round's measurement: wall time (or bytes) and CPU time.
#[derive(Clone, Copy)]
pub struct Sample {
    /// Wall time in nanoseconds, or bytes.
    pub value: u64,
    /// CPU time in nanoseconds.
    pub cpu: u64,
}

/// The unit of an [`Outcome`]'s samples.
#[derive(Clone, Copy, PartialEq)]
pub enum Unit {
    /// Wall time of a round, in nanoseconds.
    Nanos,
    /// Bytes (of memory).
    Bytes,
}

/// Which side is running, for the hang report.
#[derive(Clone, Copy)]
#[repr(u8)]
pub enum Side {
    None = 0,
    Weft = 1,
    Tokio = 2,
}

/// Runs `f` once and returns its wall time; its CPU time goes to the round's record
/// (see `cpu.rs`).
pub fn timed(f: impl FnOnce()) -> Duration {
    let cpu_start = cpu::now();
    let start = Instant::now();
    f();
    let elapsed = start.elapsed();
    cpu::record(cpu::now().saturating_sub(cpu_start));
    elapsed
}

impl Ctx {
    fn new(quick: bool) -> Self {
        if quick {
            Ctx {
                quick,
                warmup: Duration::from_millis(300),
                budget: Duration::from_millis(2_500),
                min_rounds: 5,
                max_rounds: 300,
            }
        } else {
            Ctx {
                quick,
                warmup: Duration::from_millis(1_500),
                budget: Duration::from_secs(10),
                min_rounds: 20,
                max_rounds: 2_000,
            }
        }
    }

    /// Warms up both sides, then runs rounds weft, tokio, weft, tokio, ... until the
    /// budget is spent, each closure returning the time its round measured.
    pub fn alternate(
        &self,
        weft: impl FnMut() -> Duration + Send,
        tokio: impl FnMut() -> Duration + Send,
    ) -> Outcome {
        // Each side's rounds run on a thread of its own, so that the two runtimes never
        // share a thread: what one side's `block_on` does to its calling thread (spin,
        // sleep, how much CPU the OS has seen it use) cannot change how the OS schedules
        // the other side's rounds. The main thread only hands out the turns.
        std::thread::scope(|scope| {
            let weft = side_thread(scope, "compare-weft", weft);
            let tokio = side_thread(scope, "compare-tokio", tokio);
            self.alternate_on(|| weft.round(), || tokio.round())
        })
    }

    fn alternate_on(&self, mut weft: impl FnMut() -> Sample, mut tokio: impl FnMut() -> Sample) -> Outcome {
        let only = ONLY.load(Relaxed);
        let skipped = Sample { value: 0, cpu: 0 };
        let mut round = |samples: Option<(&mut Vec<Sample>, &mut Vec<Sample>)>| {
            progress(Side::Weft);
            let w = if only != Side::Tokio as u8 { weft() } else { skipped };
            progress(Side::Tokio);
            let t = if only != Side::Weft as u8 { tokio() } else { skipped };
            progress(Side::None);
            if let Some((ws, ts)) = samples {
                ws.push(w);
                ts.push(t);
            }
        };

        let start = Instant::now();
        let mut warm = 0;
        while warm < 2 || start.elapsed() < self.warmup {
            round(None);
            warm += 1;
        }

        // Until the budget is spent and `min_rounds` are done; a pathologically slow side
        // settles for 3 rounds once three budgets are spent.
        let (mut ws, mut ts) = (Vec::new(), Vec::new());
        let start = Instant::now();
        let done = |rounds: usize, spent: Duration| {
            rounds >= self.max_rounds
                || (spent >= self.budget && rounds >= self.min_rounds)
                || (spent >= 3 * self.budget && rounds >= 3)
        };
        while !done(ws.len(), start.elapsed()) {
            round(Some((&mut ws, &mut ts)));
        }
        Outcome::from_samples(&ws, &ts, Unit::Nanos)
    }

    /// Rounds for workloads that are slow to repeat and barely noisy (`mem/*`).
    pub fn few_rounds(&self) -> usize {
        if self.quick { 3 } else { 7 }
    }
}

impl Outcome {
    /// Splits per-round samples into the outcome's columns.
    pub fn from_samples(weft: &[Sample], tokio: &[Sample], unit: Unit) -> Outcome {
        Outcome {
            weft: weft.iter().map(|s| s.value).collect(),
            tokio: tokio.iter().map(|s| s.value).collect(),
            weft_cpu: weft.iter().map(|s| s.cpu).collect(),
            tokio_cpu: tokio.iter().map(|s| s.cpu).collect(),
            unit,
            items: 1,
        }
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Progress for the hang watchdog: bumped at every round boundary.
static PROGRESS: AtomicU64 = AtomicU64::new(0);
/// The side whose round is running (a [`Side`]).
static SIDE: AtomicU8 = AtomicU8::new(0);
/// The side `--only=` restricts the rounds to ([`Side`] as u8; 0 for both).
static ONLY: AtomicU8 = AtomicU8::new(0);
/// The workload being run, and the lines printed so far (for the table, also on abort).
static STATE: Mutex<State> = Mutex::new(State { current: String::new(), rows: Vec::new() });

struct State {
    current: String,
    rows: Vec<Row>,
}

struct Row {
    name: String,
    weft: u64,
    tokio: u64,
    weft_cpu: u64,
    tokio_cpu: u64,
    unit: Unit,
}

/// Marks a round boundary; `side` is about to run (or nothing, [`Side::None`]).
pub fn progress(side: Side) {
    SIDE.store(side as u8, Relaxed);
    PROGRESS.fetch_add(1, Relaxed);
}

/// Aborts the run when no round boundary passes for [`HANG_LIMIT`].
fn spawn_watchdog() {
    std::thread::Builder::new()
        .name("compare-watchdog".into())
        .spawn(|| {
            let mut seen = PROGRESS.load(Relaxed);
            let mut since = Instant::now();
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let now = PROGRESS.load(Relaxed);
                if now != seen {
                    (seen, since) = (now, Instant::now());
                } else if since.elapsed() >= HANG_LIMIT {
                    let side = match SIDE.load(Relaxed) {
                        1 => "weft",
                        2 => "tokio",
                        _ => "set-up or clean-up",
                    };
                    let state = STATE.lock().unwrap_or_else(|e| e.into_inner());
                    eprintln!(
                        "compare: {} made no progress for {} s (in {side}): aborting",
                        state.current,
                        HANG_LIMIT.as_secs()
                    );
                    print_table(&state.rows);
                    let _ = std::io::stdout().flush();
                    std::process::exit(2);
                }
            }
        })
        .expect("spawn watchdog");
}

fn median(samples: &[u64]) -> u64 {
    let mut s = samples.to_vec();
    s.sort_unstable();
    match s.len() {
        0 => 0,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2,
    }
}

fn ratio(weft: u64, tokio: u64) -> f64 {
    weft as f64 / tokio.max(1) as f64
}

/// The median of round-by-round ratios: a cross-check on the ratio of medians that is
/// blind to drift between rounds. When the two disagree much, the run was too noisy.
fn paired_ratio(weft: &[u64], tokio: &[u64]) -> f64 {
    let mut r: Vec<f64> = weft.iter().zip(tokio).map(|(&w, &t)| ratio(w, t)).collect();
    r.sort_unstable_by(f64::total_cmp);
    match r.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => r[n / 2],
        n => (r[n / 2 - 1] + r[n / 2]) / 2.0,
    }
}

/// `min / q1 / median / q3 / max` of `samples`, in a readable unit.
fn spread(samples: &[u64], unit: Unit) -> String {
    if samples.is_empty() {
        return "-".to_string(); // the side `--only` left out
    }
    let mut s = samples.to_vec();
    s.sort_unstable();
    let at = |q: usize| s[(s.len() - 1) * q / 4];
    let fmt = |v: u64| match unit {
        Unit::Nanos => format!("{:.3}ms", v as f64 / 1e6),
        Unit::Bytes => format!("{v}B"),
    };
    [0, 1, 2, 3, 4].map(|q| fmt(at(q))).join(" / ")
}

fn print_table(rows: &[Row]) {
    println!();
    println!(
        "| workload | weft | tokio | unit | ratio (weft/tokio) | weft CPU ns | tokio CPU ns | CPU ratio |"
    );
    println!("|---|---:|---:|---|---:|---:|---:|---:|");
    for r in rows {
        let unit = match r.unit {
            Unit::Nanos => "ns",
            Unit::Bytes => "bytes",
        };
        println!(
            "| {} | {} | {} | {unit} | {:.3} | {} | {} | {:.3} |",
            r.name,
            r.weft,
            r.tokio,
            ratio(r.weft, r.tokio),
            r.weft_cpu,
            r.tokio_cpu,
            ratio(r.weft_cpu, r.tokio_cpu)
        );
    }
}

/// The median of `samples` divided by `items`, rounded.
fn median_per(samples: &[u64], items: u64) -> u64 {
    (median(samples) as f64 / items.max(1) as f64).round() as u64
}

/// Prints a line (and adds a table row) for an outcome a workload measured beside its
/// own (`net/echo`'s p99): values of the workload's unit, with no CPU time of their own.
pub fn report_extra(name: &'static str, outcome: &Outcome) {
    // In the `--loaded` pass the line carries the pass's prefix, as the workload's own does.
    let loaded = STATE.lock().unwrap().current.starts_with("loaded/");
    let name = if loaded { format!("loaded/{name}") } else { name.to_string() };
    let (weft, tokio) = (median(&outcome.weft), median(&outcome.tokio));
    println!("compare {name} weft_ns={weft} tokio_ns={tokio} ratio={:.3}", ratio(weft, tokio));
    let _ = std::io::stdout().flush();
    eprintln!(
        "  {name}: weft {}; tokio {}",
        spread(&outcome.weft, outcome.unit),
        spread(&outcome.tokio, outcome.unit)
    );
    let row = Row { name, weft, tokio, weft_cpu: 0, tokio_cpu: 0, unit: outcome.unit };
    STATE.lock().unwrap().rows.push(row);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--net-client") {
        return net_client::main();
    }
    #[cfg(feature = "http")]
    if let Some(i) = args.iter().position(|a| a == "--http-server") {
        let arg = |k: usize| args.get(i + k).map(String::as_str).unwrap_or("");
        return http::server_mode(arg(1), arg(2), arg(3));
    }
    if let Some(i) = args.iter().position(|a| a == "--syscalls") {
        let rounds = args.get(i + 3).and_then(|r| r.parse().ok()).unwrap_or(10);
        return net::syscalls_mode(&args[i + 1], &args[i + 2], rounds);
    }
    let mut quick = false;
    let mut list = false;
    let (mut quiet_pass, mut loaded_pass) = (true, false);
    let mut filters = Vec::new();
    for arg in std::env::args().skip(1) {
        if let Some(side) = arg.strip_prefix(mem::RSS_CHILD_FLAG) {
            mem::rss_child(side); // a child process of `mem/task_rss`: measures and exits
            return;
        }
        match arg.as_str() {
            "--quick" => quick = true,
            "--list" => list = true,
            "--loaded" => loaded_pass = true,
            "--loaded-only" => (quiet_pass, loaded_pass) = (false, true),
            "--only=weft" => ONLY.store(Side::Weft as u8, Relaxed),
            "--only=tokio" => ONLY.store(Side::Tokio as u8, Relaxed),
            flag if flag.starts_with('-') => {} // `--bench` from cargo, and anything else
            filter => filters.push(filter.to_owned()),
        }
    }

    let selected: Vec<&Workload> = GROUPS
        .iter()
        .flat_map(|group| group.iter())
        .filter(|w| filters.is_empty() || filters.iter().any(|f| w.name.contains(f.as_str())))
        .collect();
    if list || selected.is_empty() {
        if selected.is_empty() {
            eprintln!("compare: no workload matches {filters:?}; the workloads are:");
        }
        for w in GROUPS.iter().flat_map(|group| group.iter()) {
            println!("{}", w.name);
        }
        return;
    }

    let ctx = Ctx::new(quick);
    spawn_watchdog();
    let run_start = Instant::now();
    let mut failed = 0;
    if quiet_pass {
        failed += run_pass(&ctx, &selected, "");
    }
    if loaded_pass {
        eprintln!("compare: the loaded pass: two threads burn CPU beside every round");
        let burners = cpu::Burners::start(2);
        failed += run_pass(&ctx, &selected, "loaded/");
        drop(burners);
    }

    print_table(&STATE.lock().unwrap().rows);
    eprintln!("compare: done in {:.1}s", run_start.elapsed().as_secs_f64());
    if failed > 0 {
        std::process::exit(1);
    }
}

/// Runs every selected workload once, printing its line with `prefix` before the name.
/// Returns how many failed.
fn run_pass(ctx: &Ctx, selected: &[&Workload], prefix: &str) -> usize {
    let mut failed = 0;
    for w in selected {
        let name = format!("{prefix}{}", w.name);
        STATE.lock().unwrap().current = name.clone();
        eprintln!("compare: running {name} ...");
        let start = Instant::now();
        let outcome = match catch_unwind(AssertUnwindSafe(|| (w.run)(ctx))) {
            Ok(outcome) => outcome,
            Err(_) => {
                eprintln!("compare: {name} FAILED (panicked); skipped");
                failed += 1;
                continue;
            }
        };
        if outcome.weft.is_empty() && outcome.tokio.is_empty() {
            eprintln!("compare: {name} skipped (it said why above)");
            continue;
        }
        let n = outcome.items;
        let (weft, tokio) = (median_per(&outcome.weft, n), median_per(&outcome.tokio, n));
        let (weft_cpu, tokio_cpu) = (median_per(&outcome.weft_cpu, n), median_per(&outcome.tokio_cpu, n));
        println!(
            "compare {name} weft_ns={weft} tokio_ns={tokio} ratio={:.3} weft_cpu_ns={weft_cpu} \
             tokio_cpu_ns={tokio_cpu} cpu_ratio={:.3}",
            ratio(weft, tokio),
            ratio(weft_cpu, tokio_cpu)
        );
        let _ = std::io::stdout().flush();
        eprintln!(
            "  {} rounds per side in {:.1}s; weft {}; tokio {}  (min / q1 / median / q3 / max, per round); \
             median of per-round ratios {:.3}, of CPU ratios {:.3}",
            outcome.weft.len(),
            start.elapsed().as_secs_f64(),
            spread(&outcome.weft, outcome.unit),
            spread(&outcome.tokio, outcome.unit),
            paired_ratio(&outcome.weft, &outcome.tokio),
            paired_ratio(&outcome.weft_cpu, &outcome.tokio_cpu),
        );
        let row = Row { name, weft, tokio, weft_cpu, tokio_cpu, unit: outcome.unit };
        STATE.lock().unwrap().rows.push(row);
    }
    failed
}

/// One side's rounds, run on a dedicated thread: `round()` asks it for one round and
/// waits for the measured duration.
struct SideThread {
    go: std::sync::mpsc::Sender<()>,
    done: std::sync::mpsc::Receiver<Sample>,
}

impl SideThread {
    fn round(&self) -> Sample {
        self.go.send(()).expect("compare: a side's thread stopped");
        self.done.recv().expect("compare: a side's thread stopped")
    }
}

fn side_thread<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    name: &str,
    mut run: impl FnMut() -> Duration + Send + 'scope,
) -> SideThread {
    let (go, go_rx) = std::sync::mpsc::channel::<()>();
    let (done_tx, done) = std::sync::mpsc::channel::<Sample>();
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn_scoped(scope, move || {
            while go_rx.recv().is_ok() {
                // The CPU time of `timed`'s window if the round used it, else of the round.
                cpu::clear_recorded();
                let cpu_start = cpu::now();
                let wall = run();
                let cpu = cpu::take_recorded().unwrap_or_else(|| cpu::now().saturating_sub(cpu_start));
                if done_tx.send(Sample { value: nanos(wall), cpu }).is_err() {
                    break;
                }
            }
        })
        .expect("compare: spawn a side's thread");
    SideThread { go, done }
}
