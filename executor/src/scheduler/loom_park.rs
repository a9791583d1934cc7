//! loom models of the parker (`park.rs`): an unpark is never lost, whether the worker
//! sleeps on the driver or on its condvar, and whichever comes first.
//!
//! The driver is a stand-in ([`FakeDriver`]) with mio's semantics that matter here: one
//! thread at a time may hold it, and a wake-up sent while nobody waits in it is
//! remembered (mio's `Waker` is an eventfd) and ends the next wait at once. A lost
//! wake-up shows up as a deadlock, which loom reports.
//!
//! Run: `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" cargo test -p weft-executor --release --lib -- loom`

use super::{ParkDriver, Parker};
use crate::sync::{Condvar, Mutex};
use loom::sync::Arc;
use loom::sync::atomic::AtomicBool;
use loom::thread;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::time::Duration;

/// The driver's stand-in: a flag to hold it (workers only ever *try* to take the driver;
/// a loom `Mutex::try_lock` would be mistaken for a blocking lock by loom 0.7), and a
/// remembered wake-up.
struct FakeDriver {
    held: AtomicBool,
    woken: Mutex<bool>,
    condvar: Condvar,
}

/// Holding the stand-in driver.
struct Held<'a>(&'a AtomicBool);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.store(false, Release);
    }
}

impl FakeDriver {
    /// In a `std` Arc, as the parker holds its driver (loom's Arc wraps the parker).
    fn new() -> std::sync::Arc<FakeDriver> {
        std::sync::Arc::new(FakeDriver {
            held: AtomicBool::new(false),
            woken: Mutex::new(false),
            condvar: Condvar::new(),
        })
    }
}

impl ParkDriver for FakeDriver {
    type Guard<'a> = Held<'a>;

    fn try_lock(&self) -> Option<Self::Guard<'_>> {
        self.held.compare_exchange(false, true, Acquire, Relaxed).ok().map(|_| Held(&self.held))
    }

    fn park_core(&self, _guard: &mut Self::Guard<'_>, timeout: Option<Duration>) {
        let mut woken = self.woken.lock();
        // The models park without a timeout; a zero timeout only polls.
        if timeout != Some(Duration::ZERO) {
            while !*woken {
                self.condvar.wait(&mut woken);
            }
        }
        *woken = false;
    }

    fn try_park(&self, timeout: Option<Duration>) -> bool {
        match self.try_lock() {
            Some(mut g) => {
                self.park_core(&mut g, timeout);
                true
            }
            None => false,
        }
    }

    fn unpark(&self) {
        *self.woken.lock() = true;
        self.condvar.notify_one();
    }
}

/// The worker parks on the free driver while another thread unparks it: it wakes.
#[test]
fn loom_unpark_reaches_a_worker_parked_on_the_driver() {
    loom::model(|| {
        let parker = Arc::new(Parker::new(FakeDriver::new()));
        let p2 = parker.clone();
        let unparker = thread::spawn(move || p2.unpark());
        parker.park(None);
        unparker.join().unwrap();
    });
}

/// Another worker holds the driver, so this one sleeps on its condvar: the unpark still
/// reaches it.
#[test]
fn loom_unpark_reaches_a_worker_parked_on_its_condvar() {
    loom::model(|| {
        let driver = FakeDriver::new();
        let held = driver.try_lock().expect("free"); // another worker is in the driver
        let parker = Arc::new(Parker::new(driver.clone()));
        let p2 = parker.clone();
        let worker = thread::spawn(move || p2.park(None));
        parker.unpark();
        worker.join().unwrap();
        drop(held);
    });
}

/// The driver is released while the worker decides where to sleep: wherever it ends up,
/// the unpark reaches it.
#[test]
fn loom_unpark_races_the_choice_between_driver_and_condvar() {
    loom::model(|| {
        let driver = FakeDriver::new();
        let parker = Arc::new(Parker::new(driver.clone()));
        let p2 = parker.clone();
        let d2 = driver.clone();
        let other = thread::spawn(move || {
            // Another worker holds the driver for a moment, if it is free (workers only
            // ever try_lock it)...
            drop(d2.try_lock());
            // ...then wakes this one.
            p2.unpark();
        });
        parker.park(None);
        other.join().unwrap();
    });
}

/// An unpark that arrives before the park makes the park return at once, and is used
/// up: the parker is back to empty, so the next unpark is needed to wake it again.
#[test]
fn loom_an_early_unpark_is_remembered_once() {
    loom::model(|| {
        let parker = Arc::new(Parker::new(FakeDriver::new()));
        parker.unpark();
        parker.unpark();
        parker.park(None); // returns at once
        let p2 = parker.clone();
        let unparker = thread::spawn(move || p2.unpark());
        parker.park(None); // needs the second thread's unpark
        unparker.join().unwrap();
    });
}
