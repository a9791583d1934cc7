//! Parking a worker: on the driver if it is free, else on the worker's own condvar.
//!
//! # The state word
//!
//! | value            | meaning                                                    |
//! |------------------|------------------------------------------------------------|
//! | `EMPTY`          | running, no unpark pending                                 |
//! | `PARKED_CONDVAR` | asleep on the condvar                                      |
//! | `PARKED_DRIVER`  | asleep inside the driver (mio `poll`)                      |
//! | `NOTIFIED`       | an unpark arrived; the next park returns at once           |
//!
//! `unpark` swaps in `NOTIFIED` and then wakes whatever the previous value says is
//! sleeping; `park` only sleeps after a CAS from `EMPTY`, so an unpark between "decided
//! to park" and "asleep" is never lost.

use crate::driver::Driver;
use crate::sync::{AtomicUsize, Condvar, Mutex};
use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

/// What a [`Parker`] needs from the driver. The runtime's is [`Driver`]; the trait lets the
/// loom models (`loom_park.rs`) check the parker's state machine with a stand-in for mio.
pub(crate) trait ParkDriver: Send + Sync + 'static {
    /// Proof of holding the driver.
    type Guard<'a>
    where
        Self: 'a;
    /// Takes the driver if nobody holds it.
    fn try_lock(&self) -> Option<Self::Guard<'_>>;
    /// Waits on the held driver until an unpark, an event or `timeout`.
    fn park_core(&self, guard: &mut Self::Guard<'_>, timeout: Option<Duration>);
    /// `try_lock` then `park_core`, if the driver is free.
    fn try_park(&self, timeout: Option<Duration>) -> bool;
    /// Wakes the thread parked on the driver (or makes its next park return).
    fn unpark(&self);
}

impl ParkDriver for Driver {
    type Guard<'a> = parking_lot::MutexGuard<'a, crate::driver::Core>;
    fn try_lock(&self) -> Option<Self::Guard<'_>> {
        Driver::try_lock(self)
    }
    fn park_core(&self, guard: &mut Self::Guard<'_>, timeout: Option<Duration>) {
        Driver::park_core(self, guard, timeout)
    }
    fn try_park(&self, timeout: Option<Duration>) -> bool {
        Driver::try_park(self, timeout)
    }
    fn unpark(&self) {
        Driver::unpark(self)
    }
}

pub(crate) struct Parker<D: ParkDriver = Driver> {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
    driver: Arc<D>,
}

impl<D: ParkDriver> Parker<D> {
    pub(crate) fn new(driver: Arc<D>) -> Parker<D> {
        Parker { state: AtomicUsize::new(EMPTY), mutex: Mutex::new(()), condvar: Condvar::new(), driver }
    }

    /// Sleeps until unparked, or `timeout` passes, or (on the driver) an event arrives.
    /// `Some(ZERO)` only polls the driver for events.
    pub(crate) fn park(&self, timeout: Option<Duration>) {
        if self.state.compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst).is_ok() {
            return;
        }
        if timeout == Some(Duration::ZERO) {
            self.driver.try_park(Some(Duration::ZERO));
            return;
        }
        if let Some(mut core) = self.driver.try_lock() {
            if self.state.compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst).is_err() {
                self.state.swap(EMPTY, SeqCst); // it was NOTIFIED
                return;
            }
            self.driver.park_core(&mut core, timeout);
            self.state.swap(EMPTY, SeqCst);
            return;
        }
        let mut guard = self.mutex.lock();
        if self.state.compare_exchange(EMPTY, PARKED_CONDVAR, SeqCst, SeqCst).is_err() {
            self.state.swap(EMPTY, SeqCst);
            return;
        }
        loop {
            match timeout {
                None => self.condvar.wait(&mut guard),
                Some(t) => {
                    self.condvar.wait_for(&mut guard, t);
                    self.state.swap(EMPTY, SeqCst);
                    return;
                }
            }
            if self.state.compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst).is_ok() {
                return;
            }
            // spurious wake-up: sleep again
        }
    }

    pub(crate) fn unpark(&self) {
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                drop(self.mutex.lock());
                self.condvar.notify_one();
            }
            PARKED_DRIVER => self.driver.unpark(),
            _ => unreachable!(),
        }
    }
}

#[cfg(all(test, loom))]
#[path = "loom_park.rs"]
mod loom_tests;
