//! The driver: mio's `Poll` plus the timer wheel, i.e. everything that wakes tasks from
//! outside the runtime.
//!
//! One thread at a time *holds* the driver: a worker with nothing to do takes it (a
//! `try_lock`) and parks inside `mio::Poll::poll`, with a timeout that ends at the next
//! timer. The other idle workers sleep on their own condvars. Anyone can unpark the holder
//! through the `mio::Waker`. While every worker is busy, nobody holds it; workers then
//! poll it without blocking as part of their periodic maintenance.

use crate::io::IoDriver;
use crate::time::TimeDriver;
use crate::time::alarm::{ALARM_TOKEN, Alarm};
use parking_lot::Mutex;
use std::io;
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

const WAKER_TOKEN: mio::Token = mio::Token(usize::MAX);

pub(crate) struct Driver {
    core: Mutex<Core>,
    waker: mio::Waker,
    pub(crate) time: TimeDriver,
    pub(crate) io: IoDriver,
}

pub(crate) struct Core {
    poll: mio::Poll,
    events: mio::Events,
    fired: Vec<Waker>,
    /// Ends a park at its exact deadline (see time/alarm.rs); `None` where unavailable.
    alarm: Option<Alarm>,
}

impl Driver {
    pub(crate) fn new() -> io::Result<Arc<Driver>> {
        let poll = mio::Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), WAKER_TOKEN)?;
        let registry = poll.registry().try_clone()?;
        let alarm = Alarm::new(poll.registry());
        Ok(Arc::new(Driver {
            core: Mutex::new(Core {
                poll,
                events: mio::Events::with_capacity(1024),
                fired: Vec::new(),
                alarm,
            }),
            waker,
            time: TimeDriver::new(),
            io: IoDriver::new(registry),
        }))
    }

    /// Parks on the driver if no other thread holds it: waits for I/O events, a timer or
    /// an unpark, at most `timeout`, then wakes the tasks that became ready. Returns false
    /// (at once) if another thread holds the driver.
    pub(crate) fn try_park(&self, timeout: Option<Duration>) -> bool {
        let Some(mut core) = self.core.try_lock() else { return false };
        self.park_core(&mut core, timeout);
        true
    }

    /// Takes the driver if nobody holds it.
    pub(crate) fn try_lock(&self) -> Option<parking_lot::MutexGuard<'_, Core>> {
        self.core.try_lock()
    }

    /// Waits for events (at most `timeout`) and wakes the tasks they concern.
    pub(crate) fn park_core(&self, core: &mut Core, timeout: Option<Duration>) {
        let (timeout, deadline) = self.time.prepare_park(timeout);
        let Core { poll, events, fired, alarm } = core;
        if let (Some(alarm), Some(after), Some(deadline)) = (alarm.as_mut(), timeout, deadline) {
            if !after.is_zero() {
                // Rings at the deadline itself; the poll's own timeout (rounded up to a
                // millisecond by epoll) stays as the backstop.
                alarm.arm(deadline, after);
            }
        }
        match poll.poll(events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => panic!("weft: the I/O driver failed: {e}"),
        }
        self.time.end_park();
        for event in events.iter() {
            match event.token() {
                WAKER_TOKEN => {}
                ALARM_TOKEN => {
                    if let Some(alarm) = alarm.as_mut() {
                        alarm.rang();
                    }
                }
                _ => self.io.dispatch(event, fired),
            }
        }
        self.time.process(fired);
        for w in fired.drain(..) {
            w.wake();
        }
    }

    /// Wakes the thread parked on the driver, if any (or makes its next park return).
    pub(crate) fn unpark(&self) {
        let _ = self.waker.wake();
    }

    /// Runtime shutdown: every I/O wait and every timer ends (I/O waits report it).
    pub(crate) fn shutdown(&self) {
        let mut fired = Vec::new();
        self.io.shutdown(&mut fired);
        self.time.shutdown(&mut fired);
        for w in fired {
            w.wake();
        }
    }
}
