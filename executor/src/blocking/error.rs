//! The two ways a blocking job can fail to give its caller a value.
//!
//! [`BlockingSpawnError`] is returned at once, by `spawn`, when the pool no longer takes
//! jobs. [`BlockingError`] arrives later, through the [`BlockingJoin`](super::BlockingJoin)
//! future, when an accepted job panicked or was dropped by shutdown before it ran.

use std::any::Any;
use std::error::Error;
use std::fmt;

/// Why a [`BlockingJoin`](super::BlockingJoin) resolved without the closure's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockingError {
    /// The closure panicked. The pool caught the panic, so the thread lives on; this holds
    /// the panic message when the payload was a `&str` or a `String` (what `panic!` with a
    /// message produces), and `"Box<dyn Any>"` otherwise (e.g. `std::panic::panic_any(42)`).
    Panicked(String),
    /// The pool shut down before the job ran, and the job was dropped unrun: its closure
    /// never started, so none of its effects happened.
    Shutdown,
}

impl fmt::Display for BlockingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockingError::Panicked(message) => write!(f, "blocking job panicked: {message}"),
            BlockingError::Shutdown => {
                f.write_str("blocking pool shut down before the job ran; the job was dropped")
            }
        }
    }
}

impl Error for BlockingError {}

/// Why the pool refused a new job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockingSpawnError {
    /// The pool is shutting down or has shut down; it accepts no new jobs. The closure
    /// was dropped without running.
    Shutdown,
}

impl fmt::Display for BlockingSpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockingSpawnError::Shutdown => f.write_str("blocking pool is shut down and accepts no new jobs"),
        }
    }
}

impl Error for BlockingSpawnError {}

/// The message of a caught panic, as [`BlockingError::Panicked`] reports it.
///
/// Takes the payload by `&dyn Any` on purpose: calling `downcast_ref` on a
/// `&Box<dyn Any>` would ask about the `Box` itself and never match.
pub(super) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}
