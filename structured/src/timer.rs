//! A timer that is not a checkpoint.
//!
//! weft's [`Sleep`] is a checkpoint: its `poll` first asks whether the task must see a
//! cancellation, and consumes a pending delivery if so. A timeout's own timer must not do
//! that: the delivery belongs to the body the timeout runs. [`QuietTimer`] polls its
//! `Sleep` inside a private, shielded, never-cancelled cancel scope: a checkpoint's walk
//! stops at a shield, and a shield defers asyncio-style deliveries, so the poll only
//! looks at the clock.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;
use weft_executor::cancel::ScopeCore;
use weft_executor::time::{sleep_until, Sleep};

pub(crate) struct QuietTimer {
    sleep: Sleep,
    quiet: Arc<ScopeCore>,
}

impl QuietTimer {
    pub(crate) fn new(deadline: Instant) -> QuietTimer {
        let quiet = ScopeCore::new();
        quiet.set_shield(true);
        QuietTimer { sleep: sleep_until(deadline), quiet }
    }

    pub(crate) fn deadline(&self) -> Instant {
        self.sleep.deadline()
    }

    pub(crate) fn reset(&mut self, deadline: Instant) {
        self.sleep.reset(deadline);
    }

    /// Ready once the deadline has passed; never consumes a cancellation.
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.sleep.deadline() {
            return Poll::Ready(());
        }
        let sleep = &mut self.sleep;
        self.quiet.poll_inside(cx, |cx| Pin::new(sleep).poll(cx)).map(|_| ())
    }
}

/// A `Waker` that does nothing, for probes that need a `Context` but never wait.
pub(crate) fn noop_waker() -> std::task::Waker {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    std::task::Waker::from(Arc::new(Noop))
}
