//! The driver's alarm clock: ends a park at the exact instant the next timer is due.
//!
//! The driver's holder sleeps in `mio::Poll::poll`, whose timeout on Linux is epoll's: a
//! whole number of milliseconds, which mio rounds **up**. A park that should end in 1.3 ms
//! would end after 2 ms. So on Linux the driver registers a `timerfd` with the poller, and
//! when a park must end at an instant that no whole number of milliseconds reaches (see
//! `time/driver.rs` for the choice), arms it with the remaining time to the nanosecond:
//! the poll returns when the timerfd becomes readable, and keeps its rounded-up timeout as
//! a backstop. (`epoll_pwait2` takes a nanosecond timeout, but mio does not call it.)
//!
//! Arming replaces the previous deadline and resets the timerfd's expiry count, so the
//! descriptor is never read: with the poller's edge-triggered registration, each expiry
//! is one event. An alarm armed for a time at which nothing is due any more (its timer
//! was cancelled) is disarmed by the next park that does not need it, or, if it rings
//! first, ends one park early; the holder sees nothing due and parks again.
//!
//! Where there is no timerfd (other systems, or a failing `timerfd_create`), the driver
//! parks on the poll's timeout alone; kqueue's timeout already takes nanoseconds.

use std::time::{Duration, Instant};

/// The poller token of the alarm's event; the driver ignores it (the wake-up is the point).
pub(crate) const ALARM_TOKEN: mio::Token = mio::Token(usize::MAX - 1);

#[cfg(all(target_os = "linux", not(miri)))]
pub(crate) struct Alarm {
    fd: std::os::fd::OwnedFd,
    /// The instant the timerfd is armed for, if it has not rung since.
    armed: Option<Instant>,
}

#[cfg(all(target_os = "linux", not(miri)))]
impl Alarm {
    /// A disarmed alarm registered with `registry`; `None` if the system refuses one.
    pub(crate) fn new(registry: &mio::Registry) -> Option<Alarm> {
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        // SAFETY: timerfd_create takes no pointers; a non-negative result is a descriptor
        // that nothing else owns, so OwnedFd may take it.
        let fd = unsafe {
            let raw = libc::timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_NONBLOCK | libc::TFD_CLOEXEC);
            if raw < 0 {
                return None;
            }
            OwnedFd::from_raw_fd(raw)
        };
        let raw = fd.as_raw_fd();
        registry.register(&mut mio::unix::SourceFd(&raw), ALARM_TOKEN, mio::Interest::READABLE).ok()?;
        Some(Alarm { fd, armed: None })
    }

    /// Makes the alarm ring at `deadline`, which is `after` from now (`after` > 0).
    /// Returns false if the timerfd refused, in which case the caller relies on the poll's
    /// own timeout.
    pub(crate) fn arm(&mut self, deadline: Instant, after: Duration) -> bool {
        use std::os::fd::AsRawFd;
        if self.armed == Some(deadline) {
            return true;
        }
        debug_assert!(!after.is_zero(), "a zero it_value disarms a timerfd");
        let spec = libc::itimerspec {
            it_interval: libc::timespec { tv_sec: 0, tv_nsec: 0 },
            it_value: libc::timespec {
                tv_sec: after.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
                tv_nsec: after.subsec_nanos() as libc::c_long,
            },
        };
        // SAFETY: `spec` is a valid itimerspec that outlives the call; a null old-value
        // pointer is allowed; the descriptor is ours and open.
        let r = unsafe { libc::timerfd_settime(self.fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()) };
        self.armed = (r == 0).then_some(deadline);
        r == 0
    }

    /// The alarm's event arrived: it is no longer armed.
    pub(crate) fn rang(&mut self) {
        self.armed = None;
    }

    /// The instant the alarm is armed for, if it has not rung since.
    pub(crate) fn armed(&self) -> Option<Instant> {
        self.armed
    }

    /// Stops the alarm from ringing.
    pub(crate) fn disarm(&mut self) {
        use std::os::fd::AsRawFd;
        if self.armed.is_none() {
            return;
        }
        // A zero it_value disarms a timerfd.
        let spec = libc::itimerspec {
            it_interval: libc::timespec { tv_sec: 0, tv_nsec: 0 },
            it_value: libc::timespec { tv_sec: 0, tv_nsec: 0 },
        };
        // SAFETY: as in `arm`: a valid itimerspec that outlives the call, a null old-value
        // pointer, and our own open descriptor.
        let r = unsafe { libc::timerfd_settime(self.fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()) };
        if r == 0 {
            self.armed = None;
        }
    }
}

/// Systems without a timerfd, and Miri (which has none): the poll's timeout is the alarm.
#[cfg(any(not(target_os = "linux"), miri))]
pub(crate) struct Alarm(());

#[cfg(any(not(target_os = "linux"), miri))]
impl Alarm {
    pub(crate) fn new(_registry: &mio::Registry) -> Option<Alarm> {
        None
    }

    pub(crate) fn arm(&mut self, _deadline: Instant, _after: Duration) -> bool {
        false
    }

    pub(crate) fn rang(&mut self) {}

    pub(crate) fn armed(&self) -> Option<Instant> {
        None
    }

    pub(crate) fn disarm(&mut self) {}
}
