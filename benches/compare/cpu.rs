//! CPU time, and the threads that burn it in `--loaded` runs.
//!
//! A round's CPU time is the process's CPU time (every thread: both runtimes' workers,
//! the side thread that runs `block_on`, the blocking pools) consumed between the start
//! and the end of the round's measured part, minus what the [`Burners`] consumed in that
//! window. The two sides run one after the other, never together, and a runtime whose
//! round is not running is idle, so what the process spends during a weft round is
//! weft's: its workers, its driver, its spinning or parking `block_on`, all of it.
//!
//! [`timed`](crate::timed) records the CPU time of its window here ([`record`]); the side
//! thread picks it up after the round ([`take_recorded`]). Workloads that do not use
//! `timed` are charged the CPU time of their whole round.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::thread::JoinHandle;

/// The CPU clocks of the running burner threads, subtracted from the process's.
static BURNER_CLOCKS: Mutex<Vec<libc::clockid_t>> = Mutex::new(Vec::new());

/// The CPU time `timed` measured in the last round, or `u64::MAX` if none.
static RECORDED: AtomicU64 = AtomicU64::new(u64::MAX);

fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer; a bad clock id only makes the call fail.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return 0;
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// CPU time the process has consumed, less the burner threads', in nanoseconds.
pub fn now() -> u64 {
    let clocks = BURNER_CLOCKS.lock().unwrap();
    let burned: u64 = clocks.iter().map(|&c| clock_ns(c)).sum();
    clock_ns(libc::CLOCK_PROCESS_CPUTIME_ID).saturating_sub(burned)
}

/// Called by `timed` with the CPU time of its window.
pub fn record(cpu_ns: u64) {
    RECORDED.store(cpu_ns, Relaxed);
}

/// Forgets what the last round recorded (called before a round starts).
pub fn clear_recorded() {
    RECORDED.store(u64::MAX, Relaxed);
}

/// The CPU time `timed` recorded during the round that just ended, if it was called.
pub fn take_recorded() -> Option<u64> {
    match RECORDED.swap(u64::MAX, Relaxed) {
        u64::MAX => None,
        ns => Some(ns),
    }
}

/// Threads that spin on arithmetic until dropped: the competition of `--loaded` runs.
pub struct Burners {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Burners {
    /// Starts `n` burner threads and registers their CPU clocks.
    pub fn start(n: usize) -> Burners {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel();
        let threads = (0..n)
            .map(|i| {
                let (stop, tx) = (stop.clone(), tx.clone());
                std::thread::Builder::new()
                    .name(format!("compare-burner-{i}"))
                    .spawn(move || {
                        let mut clock: libc::clockid_t = 0;
                        // SAFETY: `pthread_self()` is this live thread; `clock` is a valid
                        // out-pointer.
                        let rc = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) };
                        assert_eq!(rc, 0, "pthread_getcpuclockid");
                        tx.send(clock).unwrap();
                        let mut x = 1u64;
                        while !stop.load(Relaxed) {
                            for _ in 0..10_000 {
                                x = black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                            }
                        }
                    })
                    .expect("compare: spawn a burner thread")
            })
            .collect();
        let clocks: Vec<_> = (0..n).map(|_| rx.recv().unwrap()).collect();
        // The burners' time is subtracted from a clock read only while they are registered
        // and alive: register them once all have started.
        *BURNER_CLOCKS.lock().unwrap() = clocks;
        Burners { stop, threads }
    }
}

impl Drop for Burners {
    fn drop(&mut self) {
        // Unregister first: a dead thread's clock cannot be read.
        BURNER_CLOCKS.lock().unwrap().clear();
        self.stop.store(true, Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
