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
use crate::sync::AtomicUsize;
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

pub(crate) struct Parker {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
    driver: Arc<Driver>,
}

impl Parker {
    pub(crate) fn new(driver: Arc<Driver>) -> Parker {
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
