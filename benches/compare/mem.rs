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
//! `compare mem/task_bytes weft_ns=<bytes> tokio_ns=<bytes> ratio=<weft/tokio>`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::runtimes::{Flavor, Rt, Tokio, Weft};
use crate::{Ctx, Outcome, Side, Unit, Workload, progress};

pub const WORKLOADS: &[Workload] = &[Workload { name: "mem/task_bytes", run: task_bytes }];

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
        let w = idle_task_bytes(&weft);
        progress(Side::Tokio);
        let t = idle_task_bytes(&tokio);
        progress(Side::None);
        eprintln!(
            "  round {round}: live bytes per idle task weft {} tokio {}; \
             allocated per task over its whole life weft {} tokio {}",
            w.0, t.0, w.1, t.1
        );
        if round > 0 {
            // round 0 warms up (queues grown to size, thread-locals set up)
            ws.push(w.0);
            ts.push(t.0);
        }
    }
    Outcome { weft: ws, tokio: ts, unit: Unit::Bytes }
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
