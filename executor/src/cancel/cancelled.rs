//! The `Cancelled` error every checkpoint can return.

use super::delivery::DeliveryMark;
use crate::task::{Header, RawTask};
use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;

/// Why a checkpoint returned [`Cancelled`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CancelKind {
    /// `cancel(msg)` was called on the task (asyncio's `Task.cancel`).
    Requested,
    /// A cancel scope around the checkpoint was cancelled or reached its deadline.
    Scope,
    /// The task was aborted with `abort()` (its future was dropped).
    Aborted,
    /// The runtime shut down while the task was alive.
    Shutdown,
}

/// The task is being cancelled: asyncio's `CancelledError`.
///
/// Returned by every await point weft provides. Propagate it with `?`; to clean up first,
/// match it, await what you must, and return it. It may travel inside any error type: a
/// weft error (`GetError::Cancelled`), your own enum, a `Box<dyn Error + Send + Sync>`, an
/// `anyhow::Error`. weft still tells the cancellation from a failure, by one rule (see
/// [`cancel::outcome`](crate::cancel::outcome)): code that ends with an `Err` while a
/// `Cancelled` delivered to its task is alive propagated the cancellation. So your error
/// enum needs no `source()` and no special variant for it: a task group, a timeout or
/// `retry` sees the cancellation through it. A task that drops its `Cancelled` and returns
/// normally was not cancelled, exactly as a coroutine that swallows `CancelledError`.
///
/// ```
/// # use weft::{Cancelled, CancelKind};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let task = weft::spawn(async {
///     match weft::time::sleep(std::time::Duration::from_secs(60)).await {
///         Ok(()) => Ok("slept"),
///         Err(c) => {
///             // Cleanup may await: the request was delivered once.
///             weft::yield_now().await?;
///             Err(c)
///         }
///     }
/// });
/// weft::yield_now().await.unwrap();
/// assert!(task.cancel(Some("bye")));
/// let err = task.await.unwrap_err();
/// assert!(err.is_cancelled());
/// # });
/// ```
///
/// It is one pointer wide, so that results holding it stay small, and the common ones cost
/// no allocation: the delivery of a plain `cancel()` points at the task it was delivered
/// to, and an abort, a shutdown or a cancellation without message or scope points nowhere.
/// Only a message or a scope makes it allocate.
pub struct Cancelled {
    repr: NonNull<u8>,
}

// The representation: a tagged pointer. The two low bits say what the rest is.
//
// | tag  | rest                            | owns                                        |
// |------|---------------------------------|---------------------------------------------|
// | 0b00 | `Arc<Inner>` (`Arc::into_raw`)  | one strong count                            |
// | 0b01 | the task's `Header`             | one task reference and one `live` count in the task's cancel word: a plain request's delivery |
// | 0b10 | `CancelKind` << 2, no pointer   | nothing: a plain cancellation (no message, no scope, not a delivery) |
//
// Both pointers are aligned to at least 4 (asserted below), so their two low bits are free.
const TAG_MASK: usize = 0b11;
const TAG_FULL: usize = 0b00;
const TAG_TASK: usize = 0b01;
const TAG_PLAIN: usize = 0b10;
const _: () = assert!(std::mem::align_of::<Inner>() >= 4 && std::mem::align_of::<Header>() >= 4);

// SAFETY: every representation is `Send + Sync`: `Arc<Inner>` is (Inner holds `Arc`s,
// integers and a `DeliveryMark`, whose `RawTask` is), a task reference is (`RawTask` is),
// and a plain value holds no pointer.
unsafe impl Send for Cancelled {}
// SAFETY: as above; `&Cancelled` only reads.
unsafe impl Sync for Cancelled {}

struct Inner {
    kind: CancelKind,
    message: Option<Arc<str>>,
    /// The delivering task's mark: one live delivery while this value (or a clone) is
    /// alive (see `cancel/state.rs`).
    _task_mark: Option<DeliveryMark>,
    /// The delivering scope's id and token.
    scope: Option<(u64, Arc<()>)>,
}

/// What a `Cancelled` is, read from its tag.
enum View<'a> {
    Full(&'a Inner),
    Task(RawTask),
    Plain(CancelKind),
}

impl Cancelled {
    fn view(&self) -> View<'_> {
        let addr = self.repr.as_ptr().addr();
        match addr & TAG_MASK {
            // SAFETY: tag 0b00 is an `Arc<Inner>` this value owns a count of, so the
            // `Inner` lives at least as long as `&self`.
            TAG_FULL => View::Full(unsafe { &*self.repr.as_ptr().cast::<Inner>() }),
            TAG_TASK => {
                let header = self.repr.as_ptr().map_addr(|a| a & !TAG_MASK).cast::<Header>();
                // SAFETY: tag 0b01 is a task header this value holds a reference to.
                View::Task(unsafe { RawTask::from_raw(NonNull::new_unchecked(header)) })
            }
            _ => View::Plain(match addr >> 2 {
                0 => CancelKind::Requested,
                1 => CancelKind::Scope,
                2 => CancelKind::Aborted,
                _ => CancelKind::Shutdown,
            }),
        }
    }

    fn full(inner: Inner) -> Self {
        let ptr = Arc::into_raw(Arc::new(inner)).cast_mut().cast::<u8>();
        // SAFETY: `Arc::into_raw` never returns null.
        Cancelled { repr: unsafe { NonNull::new_unchecked(ptr) } }
    }

    /// A plain cancellation of `kind`: no message, no scope, no delivery mark.
    pub(crate) fn plain(kind: CancelKind) -> Self {
        let code = match kind {
            CancelKind::Requested => 0,
            CancelKind::Scope => 1,
            CancelKind::Aborted => 2,
            CancelKind::Shutdown => 3,
        };
        let ptr = std::ptr::without_provenance_mut::<u8>((code << 2) | TAG_PLAIN);
        // SAFETY: the tag bits make the address non-zero.
        Cancelled { repr: unsafe { NonNull::new_unchecked(ptr) } }
    }

    /// The delivery of a plain request (no message) to `mark`'s task; takes over the mark.
    pub(crate) fn delivered(mark: DeliveryMark) -> Self {
        let header = mark.into_raw().header_ptr().as_ptr().cast::<u8>();
        // SAFETY: tagging a non-null, 4-aligned pointer keeps it non-null.
        Cancelled { repr: unsafe { NonNull::new_unchecked(header.map_addr(|a| a | TAG_TASK)) } }
    }

    pub(crate) fn requested(message: Option<Arc<str>>, task_mark: Option<DeliveryMark>) -> Self {
        match (message, task_mark) {
            (None, None) => Cancelled::plain(CancelKind::Requested),
            (None, Some(mark)) => Cancelled::delivered(mark),
            (message, task_mark) => Cancelled::full(Inner {
                kind: CancelKind::Requested,
                message,
                _task_mark: task_mark,
                scope: None,
            }),
        }
    }

    /// A delivery of `kind` with a message and a scope, remade from a record (see
    /// `delivery::again`); a plain request's costs no allocation.
    pub(crate) fn remade(
        kind: CancelKind,
        message: Option<Arc<str>>,
        scope: Option<(u64, Arc<()>)>,
        mark: DeliveryMark,
    ) -> Self {
        if kind == CancelKind::Requested && message.is_none() && scope.is_none() {
            return Cancelled::delivered(mark);
        }
        Cancelled::full(Inner { kind, message, _task_mark: Some(mark), scope })
    }

    /// The delivering scope's id and token, if a scope delivered this.
    pub(crate) fn scope_token(&self) -> Option<(u64, &Arc<()>)> {
        match self.view() {
            View::Full(inner) => inner.scope.as_ref().map(|(id, token)| (*id, token)),
            View::Task(_) | View::Plain(_) => None,
        }
    }

    pub(crate) fn from_scope(id: u64, scope_token: Arc<()>, task_mark: Option<DeliveryMark>) -> Self {
        Cancelled::full(Inner {
            kind: CancelKind::Scope,
            message: None,
            _task_mark: task_mark,
            scope: Some((id, scope_token)),
        })
    }

    pub(crate) fn aborted() -> Self {
        Cancelled::plain(CancelKind::Aborted)
    }

    pub(crate) fn shutdown() -> Self {
        Cancelled::plain(CancelKind::Shutdown)
    }

    /// A cancellation to report onwards (in a join error), without delivery marks: holding
    /// it does not make the holder count as cancelled.
    pub(crate) fn reported(kind: CancelKind, message: Option<Arc<str>>, scope_id: Option<u64>) -> Cancelled {
        if message.is_none() && scope_id.is_none() {
            return Cancelled::plain(kind);
        }
        Cancelled::full(Inner {
            kind,
            message,
            _task_mark: None,
            scope: scope_id.map(|id| (id, Arc::new(()))),
        })
    }

    /// A cancellation made by hand, asyncio's `raise CancelledError(msg)`. Made inside a
    /// task, it counts as delivered to that task: returning it (in any error type) ends
    /// the task, or the block that returns it, cancelled, as raising `CancelledError`
    /// does. Made outside a task, it is a plain value.
    ///
    /// ```
    /// let c = weft::Cancelled::new(Some("by hand"));
    /// assert_eq!(c.message(), Some("by hand"));
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let t = weft::spawn(async { Err::<(), _>(weft::Cancelled::new(Some("stop"))) });
    /// let e = t.await.unwrap_err();
    /// assert_eq!(e.as_cancelled().and_then(|c| c.message()), Some("stop"));
    /// # });
    /// ```
    pub fn new(message: Option<&str>) -> Self {
        Cancelled::requested(message.map(Arc::from), None).redeliver()
    }

    /// This cancellation, received from elsewhere (another task's result, a channel),
    /// delivered to the current task: asyncio's `await task` raising the awaited task's
    /// `CancelledError` in the awaiter. Returning it then ends the current task (or block)
    /// cancelled; dropping it swallows it. weft's own joins (awaiting a `Task`, a group's
    /// child, `gather`, `shield`) hand their `Cancelled` over this way already.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// // A cancellation made outside any task, as one that arrives through a channel.
    /// let from_elsewhere = std::thread::spawn(|| weft::Cancelled::new(Some("theirs"))).join().unwrap();
    /// let t = weft::spawn(async move { Err::<(), _>(from_elsewhere.redeliver()) });
    /// assert!(t.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn redeliver(self) -> Cancelled {
        super::delivery::redeliver(self)
    }

    /// This cancellation as a plain record, no longer a delivery: what to keep when you
    /// catch a cancellation and go on, and want to hold on to it past the end of your task
    /// (in a log, or inside a value you return). A delivered `Cancelled` that outlives
    /// the code it was delivered to counts as propagated (see
    /// [`outcome`](crate::cancel::outcome)); a caught one counts for nobody.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let t = weft::spawn(async {
    ///     let me = weft::current_task().unwrap();
    ///     me.cancel(Some("stop"));
    ///     let c = weft::yield_now().await.unwrap_err();
    ///     ("carried on", c.caught()) // swallowed, and kept as a record
    /// });
    /// let (said, c) = t.await.unwrap();
    /// assert_eq!((said, c.message()), ("carried on", Some("stop")));
    /// # });
    /// ```
    pub fn caught(self) -> Cancelled {
        if self.scope_id().is_none() && self.message().is_none() {
            return Cancelled::plain(self.kind());
        }
        Cancelled::reported(self.kind(), self.message().map(Arc::from), self.scope_id())
    }

    /// The message given to `cancel(msg)`, if any.
    ///
    /// ```
    /// assert_eq!(weft::Cancelled::new(None).message(), None);
    /// ```
    pub fn message(&self) -> Option<&str> {
        match self.view() {
            View::Full(inner) => inner.message.as_deref(),
            View::Task(_) | View::Plain(_) => None,
        }
    }

    /// What caused the cancellation.
    ///
    /// ```
    /// use weft::{CancelKind, Cancelled};
    /// assert_eq!(Cancelled::new(None).kind(), CancelKind::Requested);
    /// ```
    pub fn kind(&self) -> CancelKind {
        match self.view() {
            View::Full(inner) => inner.kind,
            View::Task(_) => CancelKind::Requested,
            View::Plain(kind) => kind,
        }
    }

    /// The id of the scope that delivered this cancellation, if a scope did.
    ///
    /// ```
    /// assert_eq!(weft::Cancelled::new(None).scope_id(), None);
    /// ```
    pub fn scope_id(&self) -> Option<u64> {
        match self.view() {
            View::Full(inner) => inner.scope.as_ref().map(|(id, _)| *id),
            View::Task(_) | View::Plain(_) => None,
        }
    }
}

impl Clone for Cancelled {
    fn clone(&self) -> Self {
        match self.view() {
            View::Full(_) => {
                // SAFETY: the pointer came from `Arc::into_raw` and this value owns a
                // count, so the allocation is alive; the new value owns the new count.
                unsafe { Arc::increment_strong_count(self.repr.as_ptr().cast::<Inner>().cast_const()) }
            }
            // The clone is one more live delivery, with its own reference to the task.
            View::Task(task) => std::mem::forget(DeliveryMark::new(task)),
            View::Plain(_) => {}
        }
        Cancelled { repr: self.repr }
    }
}

impl Drop for Cancelled {
    fn drop(&mut self) {
        match self.view() {
            // SAFETY: this value owns one strong count of the `Arc` it came from.
            View::Full(_) => drop(unsafe { Arc::from_raw(self.repr.as_ptr().cast::<Inner>().cast_const()) }),
            // SAFETY: this value owns one reference and one live count: the mark's.
            View::Task(task) => drop(unsafe { DeliveryMark::from_raw(task) }),
            View::Plain(_) => {}
        }
    }
}

impl fmt::Debug for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Cancelled");
        d.field("kind", &self.kind());
        if let Some(m) = self.message() {
            d.field("message", &m);
        }
        if let Some(id) = self.scope_id() {
            d.field("scope", &id);
        }
        d.finish()
    }
}

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            CancelKind::Requested => f.write_str("task was cancelled")?,
            CancelKind::Scope => f.write_str("cancelled by an enclosing cancel scope")?,
            CancelKind::Aborted => f.write_str("task was aborted")?,
            CancelKind::Shutdown => f.write_str("runtime shut down")?,
        }
        if let Some(m) = self.message() {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Cancelled {}

impl PartialEq for Cancelled {
    fn eq(&self, other: &Self) -> bool {
        self.kind() == other.kind()
            && self.message() == other.message()
            && self.scope_id() == other.scope_id()
    }
}

impl Eq for Cancelled {}
