//! The driver: mio's `Poll` plus the timer wheel, i.e. everything that wakes tasks from
//! outside the runtime.
//!
//! One thread at a time *holds* the driver: a worker with nothing to do takes it (a
//! `try_lock`) and parks inside `mio::Poll::poll`, with a timeout that ends when the next
//! timers must fire (see `time/driver.rs` for how that is chosen). The other idle workers
//! sleep on their own condvars. Anyone can unpark the holder through the `mio::Waker`.
//! While every worker is busy, nobody holds it; workers then poll it without blocking as
//! part of their periodic maintenance. The current-thread loop polls it once per turn.
//!
//! Polling collects wakers (of tasks whose I/O became ready, then of timers that are due,
//! in deadline order) into a list; the caller decides when to wake them. A parked worker
//! wakes them at once ([`Driver::park_core`]); the current-thread loop wakes them after
//! the tasks that were ready when its turn began, as asyncio runs I/O and timer callbacks
//! after the callbacks already in its ready queue.
//!
//! On a paused clock (`time/clock.rs`) a park never sleeps waiting for a timer: when the
//! runtime is idle it moves the clock to the next timer instead (auto-advance), and
//! otherwise it waits for the runtime to go idle.

use crate::io::IoDriver;
use crate::time::TimeDriver;
use crate::time::alarm::{ALARM_TOKEN, Alarm};
use crate::time::driver::AlarmPlan;
use parking_lot::Mutex;
use std::io;
use std::sync::{Arc, OnceLock};
use std::task::Waker;
use std::time::Duration;

const WAKER_TOKEN: mio::Token = mio::Token(usize::MAX);

/// Says whether every task of the runtime is idle (nothing queued, nothing being polled,
/// no blocking job unfinished): only then may a paused clock auto-advance. Set by the
/// scheduler that owns the driver.
pub(crate) type IdleProbe = Box<dyn Fn() -> bool + Send + Sync>;

pub(crate) struct Driver {
    core: Mutex<Core>,
    waker: mio::Waker,
    pub(crate) time: TimeDriver,
    pub(crate) io: IoDriver,
    idle_probe: OnceLock<IdleProbe>,
}

pub(crate) struct Core {
    poll: mio::Poll,
    events: mio::Events,
    fired: Vec<Waker>,
    /// Ends a park at its exact deadline (see time/alarm.rs); `None` where unavailable.
    alarm: Option<Alarm>,
}

impl Driver {
    pub(crate) fn new(start_paused: bool, workers: usize) -> io::Result<Arc<Driver>> {
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
            time: TimeDriver::new(start_paused, workers),
            io: IoDriver::new(registry),
            idle_probe: OnceLock::new(),
        }))
    }

    /// Installs the scheduler's idle probe (once; later calls are ignored).
    pub(crate) fn set_idle_probe(&self, probe: IdleProbe) {
        let _ = self.idle_probe.set(probe);
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
        let mut fired = std::mem::take(&mut core.fired);
        self.poll(core, timeout, &mut fired);
        for w in fired.drain(..) {
            w.wake();
        }
        core.fired = fired;
    }

    /// Waits for events, at most `timeout`, and pushes onto `sink` the wakers of the tasks
    /// they concern: I/O readiness first, then due timers in deadline order. A zero
    /// timeout only looks; on a paused clock see the module docs.
    pub(crate) fn poll(&self, core: &mut Core, timeout: Option<Duration>, sink: &mut Vec<Waker>) {
        if timeout == Some(Duration::ZERO) {
            self.poll_ready(core, sink);
            return;
        }
        if self.time.clock.is_paused() {
            self.poll_paused(core, timeout, sink);
            return;
        }
        let now = self.time.now();
        let armed = core.alarm.as_ref().and_then(Alarm::armed);
        let plan = self.time.prepare_park(now, timeout, armed);
        if let Some(alarm) = core.alarm.as_mut() {
            match plan.alarm {
                AlarmPlan::Keep => {}
                AlarmPlan::Arm { at, after } => {
                    // Rings at `at` itself; the poll's own timeout (rounded up to a
                    // millisecond by epoll) stays as the backstop.
                    alarm.arm(at, after);
                }
                AlarmPlan::Disarm => alarm.disarm(),
            }
        }
        self.poll_io(core, plan.timeout, sink);
        self.time.end_park();
        self.time.process(sink);
    }

    /// What the current-thread loop does each turn while tasks are ready: collects I/O
    /// readiness (only if a resource is registered: otherwise there is nothing to poll for)
    /// and due timers, without waiting. Costs an atomic load or two when nothing is due.
    pub(crate) fn poll_ready_now(&self, sink: &mut Vec<Waker>) {
        if self.io.has_sources() {
            if let Some(mut core) = self.core.try_lock() {
                self.poll_io(&mut core, Some(Duration::ZERO), sink);
            }
        }
        self.time.process_due(sink);
    }

    /// [`poll`](Self::poll) with a zero timeout, on the held driver.
    fn poll_ready(&self, core: &mut Core, sink: &mut Vec<Waker>) {
        if self.io.has_sources() {
            self.poll_io(core, Some(Duration::ZERO), sink);
        }
        self.time.process_due(sink);
    }

    /// A park on a paused clock: see the module docs of `time/clock.rs`.
    fn poll_paused(&self, core: &mut Core, timeout: Option<Duration>, sink: &mut Vec<Waker>) {
        // What is ready now, without waiting: events, and timers the clock already passed.
        let event = self.poll_io(core, Some(Duration::ZERO), sink);
        self.time.process(sink);
        if event || !sink.is_empty() {
            return;
        }
        let idle = timeout.is_none() && self.idle_probe.get().is_some_and(|idle| idle());
        if idle {
            // Nothing can run before the next timer: move the clock there at once.
            while let Some(next) = self.time.next_expiration() {
                self.time.clock.advance_to(next);
                self.time.process(sink);
                if !sink.is_empty() {
                    return;
                }
            }
        }
        // Time stands still: wait for an event or an unpark (a new timer unparks too), and
        // while some task is busy, look again shortly whether the runtime went idle.
        let wait = if idle { None } else { Some(timeout.map_or(PAUSED_RECHECK, |t| t.min(PAUSED_RECHECK))) };
        self.time.park_paused();
        self.poll_io(core, wait, sink);
        self.time.end_park();
        self.time.process(sink);
    }

    /// Polls mio for at most `timeout` and dispatches what arrived; returns whether
    /// anything did (an unpark included).
    fn poll_io(&self, core: &mut Core, timeout: Option<Duration>, sink: &mut Vec<Waker>) -> bool {
        let Core { poll, events, alarm, .. } = core;
        match poll.poll(events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => panic!("weft: the I/O driver failed: {e}"),
        }
        let mut any = false;
        // Locked at the first event for a resource, once for the whole batch.
        let mut resources = None;
        for event in events.iter() {
            any = true;
            match event.token() {
                WAKER_TOKEN => {}
                ALARM_TOKEN => {
                    if let Some(alarm) = alarm.as_mut() {
                        alarm.rang();
                    }
                }
                _ => {
                    let table = resources.get_or_insert_with(|| self.io.lock_resources());
                    IoDriver::dispatch(table, event, sink);
                }
            }
        }
        any
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

/// How long a park on a paused clock lasts, in real time, while some task is busy: the
/// thread then looks again whether the runtime has gone idle and time may move.
const PAUSED_RECHECK: Duration = Duration::from_millis(1);
