//! A timer that is not a checkpoint.
//!
//! weft's [`Sleep`] is a checkpoint: its `poll` first asks whether the task must see a
//! cancellation, and consumes a pending delivery if so. A timeout's own timer must not
//! keep that delivery: it belongs to the body the timeout runs. [`QuietTimer`] polls its
//! `Sleep` after the body has had its turn (so a pending delivery is normally already
//! taken), and in the rare case the sleep does take one, puts it back.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;
use weft_executor::time::{Sleep, sleep_until};

pub(crate) struct QuietTimer {
    sleep: Sleep,
}

impl QuietTimer {
    pub(crate) fn new(deadline: Instant) -> QuietTimer {
        QuietTimer { sleep: sleep_until(deadline) }
    }

    pub(crate) fn deadline(&self) -> Instant {
        self.sleep.deadline()
    }

    pub(crate) fn reset(&mut self, deadline: Instant) {
        self.sleep.reset(deadline);
    }

    /// Ready once the deadline has passed; never takes a cancellation away from the task
    /// (the timer is polled without the checkpoint).
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.sleep.poll_expired(cx)
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
