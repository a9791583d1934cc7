//! `mem/*`: memory, counted by this binary's global allocator.
//!
//! [`Counting`] wraps the system allocator. While counting is switched on it adds each
//! allocation's size to two counters (bytes live = allocated minus freed, and bytes
//! allocated in total) with relaxed atomic adds; while it is off, which is always except
//! inside a `mem/*` measurement, it costs one relaxed load of a flag nobody writes, so the
//! timed workloads of both runtimes pay the same negligible toll and no cache-line
//! contention. The counters are process-wide: they see the runtimes' worker threads too.
//!
//! The lines use the same keys as the timed ones, but the values are bytes:
//! `compare mem/task_bytes weft_ns=<bytes> tokio_ns=<bytes> ratio=<weft/tokio> ...`.
//!
//! Two measures, because they answer different questions:
//!
//! - `mem/task_bytes`: bytes *requested* from the allocator per idle task (10⁴ tasks),
//!   counted by [`Counting`]. It is exact and repeatable, but blind to what the allocator
//!   makes of a request: a 96-byte request and a 320-byte one may cost more than their
//!   sizes once rounded up to the allocator's size classes.
//! - `mem/task_rss`: *resident* bytes per idle task at 10⁶ tasks, what the machine pays.
//!   Each side is measured in a fresh child process of this binary (`--task-rss-child=`),
//!   so neither the other runtime nor a previous round's freed-but-kept memory is in the
//!   count: the child reads its resident set (`/proc/self/statm`) once its runtime is
//!   built and warm, spawns 10⁶ tasks that each wait on a oneshot, and reads it again
//!   when every task has reached its wait. The oneshots are made before the first
//!   reading, so the difference is the runtime's: the tasks and whatever its queues and
//!   registries hold for them.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::runtimes::{Flavor, Rt, Tokio, Weft};
use crate::{Ctx, Outcome, Sample, Side, Unit, Workload, cpu, progress};

pub const WORKLOADS: &[Workload] =
    &[Workload { name: "mem/task_bytes", run: task_bytes }, Workload { name: "mem/task_rss", run: task_rss }];

/// Idle tasks per measurement.
const TASKS: usize = 10_000;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The system allocator, counting bytes while [`COUNTING`] is on.
struct Counting;

/// Whether [`Counting`] counts.
static COUNTING: AtomicBool = AtomicBool::new(false);
/// The counters, on their own cache line, away from the flag that every allocation reads.
static COUNTERS: Counters = Counters { live: AtomicIsize::new(0), total: AtomicUsize::new(0) };

#[repr(align(128))]
struct Counters {
    /// Bytes allocated minus bytes freed while counting (negative if more was freed).
    live: AtomicIsize,
    /// Bytes allocated while counting.
    total: AtomicUsize,
}

impl Counting {
    #[inline]
    fn allocated(size: usize) {
        if COUNTING.load(Relaxed) {
            COUNTERS.live.fetch_add(size as isize, Relaxed);
            COUNTERS.total.fetch_add(size, Relaxed);
        }
    }

    #[inline]
    fn freed(size: usize) {
        if COUNTING.load(Relaxed) {
            COUNTERS.live.fetch_sub(size as isize, Relaxed);
        }
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees are ours; the counting only reads sizes and touches atomics.
unsafe impl GlobalAlloc for Counting {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's contract.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            Self::allocated(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's contract.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            Self::allocated(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's contract.
        unsafe { System.dealloc(ptr, layout) };
        Self::freed(layout.size());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's contract.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            // Counted as freeing the old block and allocating the new one.
            Self::freed(layout.size());
            Self::allocated(new_size);
        }
        new
    }
}

/// The counters now: (live, total).
fn snapshot() -> (isize, usize) {
    (COUNTERS.live.load(Relaxed), COUNTERS.total.load(Relaxed))
}

// --- mem/task_bytes: bytes held per idle spawned task ----------------------------------

/// Alternates rounds of [`idle_task_bytes`] on a multi-thread runtime per side.
fn task_bytes(ctx: &Ctx) -> Outcome {
    let weft = Weft::build(Flavor::MultiThread);
    let tokio = Tokio::build(Flavor::MultiThread);
    let rounds = ctx.few_rounds();
    let (mut ws, mut ts) = (Vec::new(), Vec::new());
    for round in 0..=rounds {
        progress(Side::Weft);
        let (w, w_cpu) = with_cpu(|| idle_task_bytes(&weft));
        progress(Side::Tokio);
        let (t, t_cpu) = with_cpu(|| idle_task_bytes(&tokio));
        progress(Side::None);
        eprintln!(
            "  round {round}: live bytes per idle task weft {} tokio {}; \
             allocated per task over its whole life weft {} tokio {}",
            w.0, t.0, w.1, t.1
        );
        if round > 0 {
            // round 0 warms up (queues grown to size, thread-locals set up)
            ws.push(Sample { value: w.0, cpu: w_cpu });
            ts.push(Sample { value: t.0, cpu: t_cpu });
        }
    }
    Outcome::from_samples(&ws, &ts, Unit::Bytes)
}

/// Runs `f` and returns its result with the CPU time it took.
fn with_cpu<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let start = cpu::now();
    let v = f();
    (v, cpu::now().saturating_sub(start))
}

/// Tasks that have been polled once, i.e. have reached their first await.
static STARTED: AtomicUsize = AtomicUsize::new(0);

/// Spawns TASKS tasks that wait on a oneshot, lets them all reach that wait, and returns
/// (live bytes per task while they wait, bytes allocated per task from spawn to join).
///
/// The channels and the handle vector are allocated before counting starts, so the live
/// delta is what the runtime holds for an idle task: the task's allocation (header, future,
/// output slot) plus any per-task share of its queues and registries.
fn idle_task_bytes<R: Rt>(rt: &R) -> (u64, u64) {
    let (mut senders, mut receivers) = (Vec::with_capacity(TASKS), Vec::with_capacity(TASKS));
    for _ in 0..TASKS {
        let (tx, rx) = oneshot::channel::<()>();
        senders.push(tx);
        receivers.push(rx);
    }
    let mut handles = Vec::with_capacity(TASKS);
    STARTED.store(0, Relaxed);
    settle();

    COUNTING.store(true, Relaxed);
    let before = snapshot();
    for rx in receivers.drain(..) {
        handles.push(rt.spawn_remote(async move {
            STARTED.fetch_add(1, Relaxed);
            let _ = rx.await;
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while STARTED.load(Relaxed) < TASKS {
        assert!(Instant::now() < deadline, "idle tasks never all started");
        std::thread::sleep(Duration::from_millis(1));
    }
    settle();
    let idle = snapshot();

    for tx in senders.drain(..) {
        tx.send(()).unwrap();
    }
    rt.block_on(async {
        for handle in handles.drain(..) {
            handle.await.unwrap();
        }
    });
    let after = snapshot();
    COUNTING.store(false, Relaxed);
    let (live, total) = (idle.0 - before.0, after.1 - before.1);

    let per_task = |bytes: f64| (bytes / TASKS as f64).round().max(0.0) as u64;
    (per_task(live as f64), per_task(total as f64))
}

/// Gives the workers time to finish what they were doing and go idle.
fn settle() {
    std::thread::sleep(Duration::from_millis(20));
}

// --- mem/task_rss: resident bytes per idle task at 10⁶ tasks, in child processes ------

/// The flag that makes this binary a `mem/task_rss` child: `--task-rss-child=weft`.
pub const RSS_CHILD_FLAG: &str = "--task-rss-child=";

/// Idle tasks per `mem/task_rss` child.
const RSS_TASKS: usize = 1_000_000;

/// Tasks spawned before the child waits for them to reach their first await: it keeps
/// the runtimes' queues short (a queue that held 10⁶ entries at once would be counted).
const RSS_BATCH: usize = 10_000;

/// Alternates child processes, weft's then tokio's, and reports their resident bytes per
/// idle task.
fn task_rss(ctx: &Ctx) -> Outcome {
    let exe = std::env::current_exe().expect("compare: find this binary for mem/task_rss");
    let (mut ws, mut ts) = (Vec::new(), Vec::new());
    let child = |side: &str| -> Sample {
        let out = std::process::Command::new(&exe)
            .arg(format!("{RSS_CHILD_FLAG}{side}"))
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("compare: run a mem/task_rss child");
        assert!(out.status.success(), "compare: the mem/task_rss child for {side} failed");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().expect("child output"));
        let (value, cpu) = (fields.next().expect("bytes"), fields.next().expect("cpu"));
        Sample { value, cpu }
    };
    for round in 0..ctx.few_rounds() {
        progress(Side::Weft);
        let w = child("weft");
        progress(Side::Tokio);
        let t = child("tokio");
        progress(Side::None);
        eprintln!("  round {round}: resident bytes per idle task weft {} tokio {}", w.value, t.value);
        ws.push(w);
        ts.push(t);
    }
    Outcome::from_samples(&ws, &ts, Unit::Bytes)
}

/// The child's side: prints `<resident bytes per task> <CPU ns of the spawns>` and
/// returns (the process then exits without shutting the runtime down).
pub fn rss_child(side: &str) {
    let (bytes, cpu) = match side {
        "weft" => idle_task_rss(Weft::build(Flavor::MultiThread)),
        "tokio" => idle_task_rss(Tokio::build(Flavor::MultiThread)),
        other => panic!("compare: unknown side {other:?}"),
    };
    println!("{bytes} {cpu}");
    let _ = std::io::Write::flush(&mut std::io::stdout());
    std::process::exit(0); // leave the 10⁶ tasks to the OS: their teardown is not measured
}

/// Resident bytes of this process, from `/proc/self/statm` (its second field, in pages).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("compare: read /proc/self/statm");
    let pages: u64 =
        statm.split_whitespace().nth(1).and_then(|f| f.parse().ok()).expect("statm's resident field");
    // SAFETY: sysconf has no memory-safety preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * page.max(1) as u64
}

fn idle_task_rss<R: Rt>(rt: R) -> (u64, u64) {
    // Warm the runtime up: threads started, queues and thread-locals in place.
    for _ in 0..3 {
        let _ = idle_task_bytes(&rt);
    }
    let mut receivers = Vec::with_capacity(RSS_TASKS);
    let mut senders = Vec::with_capacity(RSS_TASKS);
    for _ in 0..RSS_TASKS {
        let (tx, rx) = oneshot::channel::<()>();
        senders.push(tx);
        receivers.push(rx);
    }
    STARTED.store(0, Relaxed);
    settle();
    let before = resident_bytes();
    let cpu_start = cpu::now();
    let mut spawned = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    for rx in receivers.drain(..) {
        drop(rt.spawn_remote(async move {
            STARTED.fetch_add(1, Relaxed);
            let _ = rx.await;
        }));
        spawned += 1;
        if spawned % RSS_BATCH == 0 {
            while STARTED.load(Relaxed) < spawned {
                assert!(Instant::now() < deadline, "idle tasks never all started");
                std::thread::yield_now();
            }
        }
    }
    while STARTED.load(Relaxed) < RSS_TASKS {
        assert!(Instant::now() < deadline, "idle tasks never all started");
        std::thread::sleep(Duration::from_millis(1));
    }
    let cpu = cpu::now().saturating_sub(cpu_start);
    settle();
    let after = resident_bytes();
    std::hint::black_box(&senders);
    (after.saturating_sub(before) / RSS_TASKS as u64, cpu)
}
