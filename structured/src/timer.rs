//! A waker that does nothing, for a probe that needs a `Context` but never waits
//! (`current_effective_deadline`).

use std::sync::Arc;

/// A `Waker` that does nothing, for probes that need a `Context` but never wait.
pub(crate) fn noop_waker() -> std::task::Waker {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    std::task::Waker::from(Arc::new(Noop))
}
