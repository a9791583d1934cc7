//! Telling a cancellation from a failure.
//!
//! asyncio tells them apart by exception type: a coroutine that raised `CancelledError`
//! was cancelled, one that raised anything else failed. weft does the same with Rust's
//! error types: an error *is a cancellation* when it is a [`Cancelled`], a
//! [`JoinError::Cancelled`], or an error whose [`source()`](Error::source) chain leads to
//! one. The last rule covers your own error enums: a variant that wraps `Cancelled` and
//! reports it as its source (what `thiserror`'s `#[from]` does) propagates a
//! cancellation, exactly as `raise` after `except CancelledError` does. An `io::Error`
//! counts through the error it wraps (`get_ref`), which is how a cancelled socket
//! operation (`weft::net`, `weft::io`) reports itself.

use std::error::Error;
use weft_executor::{Cancelled, JoinError};

/// Whether `error` is a cancellation propagating (see the module docs).
///
/// ```
/// use weft::is_cancellation;
/// use weft::Cancelled;
/// assert!(is_cancellation(&Cancelled::new(None)));
/// let io = std::io::Error::new(std::io::ErrorKind::Other, "disk full");
/// assert!(!is_cancellation(&io));
/// let interrupted = std::io::Error::new(std::io::ErrorKind::Interrupted, Cancelled::new(None));
/// assert!(is_cancellation(&interrupted));
/// ```
pub fn is_cancellation(error: &(dyn Error + 'static)) -> bool {
    find_cancelled(error).is_some()
}

/// The `Cancelled` inside `error`, if it is a cancellation. The clone keeps the
/// delivery marks of the original (a task or scope that holds it still counts as
/// cancelled).
pub(crate) fn find_cancelled(error: &(dyn Error + 'static)) -> Option<Cancelled> {
    let mut node = Some(error);
    while let Some(e) = node {
        if let Some(c) = e.downcast_ref::<Cancelled>() {
            return Some(c.clone());
        }
        if let Some(j) = e.downcast_ref::<JoinError>() {
            return j.as_cancelled().cloned();
        }
        // An `io::Error` hides the error it wraps from `source()`: weft's I/O reports a
        // cancellation as one of kind `Interrupted` around the `Cancelled`.
        if let Some(inner) = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            node = Some(inner);
            continue;
        }
        node = e.source();
    }
    None
}

/// The message a panic payload carries.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_string()
    }
}
