//! The `Cancelled` error every checkpoint can return.

use crate::task::DeliveryMark;
use std::fmt;
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
/// match it, await what you must, and return it. A task whose result still holds the
/// `Cancelled` it was given ends cancelled (its `Task` reports
/// [`JoinError::Cancelled`](crate::JoinError::Cancelled)); a task that drops it and
/// returns normally was not cancelled, exactly as a coroutine that swallows
/// `CancelledError`.
///
/// ```
/// # use weft_executor::{Cancelled, CancelKind};
/// # weft_executor::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let task = weft_executor::spawn(async {
///     match weft_executor::time::sleep(std::time::Duration::from_secs(60)).await {
///         Ok(()) => Ok("slept"),
///         Err(c) => {
///             // Cleanup may await: the request was delivered once.
///             weft_executor::yield_now().await?;
///             Err(c)
///         }
///     }
/// });
/// weft_executor::yield_now().await.unwrap();
/// assert!(task.cancel(Some("bye")));
/// let err = task.await.unwrap_err();
/// assert!(err.is_cancelled());
/// # });
/// ```
///
/// It is one pointer wide, so that results holding it stay small.
#[derive(Clone)]
pub struct Cancelled(Arc<Inner>);

struct Inner {
    kind: CancelKind,
    message: Option<Arc<str>>,
    /// The delivering task's token: alive while this value (or a clone) is (see
    /// `task/extras.rs`).
    _task_mark: Option<DeliveryMark>,
    /// The delivering scope's id and token.
    scope: Option<(u64, Arc<()>)>,
}

impl Cancelled {
    fn make(
        kind: CancelKind,
        message: Option<Arc<str>>,
        task_mark: Option<DeliveryMark>,
        scope: Option<(u64, Arc<()>)>,
    ) -> Self {
        Cancelled(Arc::new(Inner { kind, message, _task_mark: task_mark, scope }))
    }

    pub(crate) fn requested(message: Option<Arc<str>>, task_mark: Option<DeliveryMark>) -> Self {
        Cancelled::make(CancelKind::Requested, message, task_mark, None)
    }

    pub(crate) fn from_scope(id: u64, scope_token: Arc<()>, task_mark: Option<DeliveryMark>) -> Self {
        Cancelled::make(CancelKind::Scope, None, task_mark, Some((id, scope_token)))
    }

    pub(crate) fn aborted() -> Self {
        static ABORTED: std::sync::OnceLock<Cancelled> = std::sync::OnceLock::new();
        ABORTED.get_or_init(|| Cancelled::make(CancelKind::Aborted, None, None, None)).clone()
    }

    pub(crate) fn shutdown() -> Self {
        static SHUTDOWN: std::sync::OnceLock<Cancelled> = std::sync::OnceLock::new();
        SHUTDOWN.get_or_init(|| Cancelled::make(CancelKind::Shutdown, None, None, None)).clone()
    }

    /// A cancellation to report onwards (in a join error), without delivery marks: holding
    /// it does not make the holder count as cancelled.
    pub(crate) fn reported(kind: CancelKind, message: Option<Arc<str>>, scope_id: Option<u64>) -> Cancelled {
        if kind == CancelKind::Requested && message.is_none() && scope_id.is_none() {
            // The common case (a plain `cancel()`) shares one value: no allocation per task.
            static PLAIN: std::sync::OnceLock<Cancelled> = std::sync::OnceLock::new();
            return PLAIN.get_or_init(|| Cancelled::make(CancelKind::Requested, None, None, None)).clone();
        }
        Cancelled::make(kind, message, None, scope_id.map(|id| (id, Arc::new(()))))
    }

    /// A cancellation made by hand, e.g. to end a task with a cancelled result or to
    /// test cancellation paths. It carries no delivery, so it does not mark the task.
    ///
    /// ```
    /// let c = weft_executor::Cancelled::new(Some("by hand"));
    /// assert_eq!(c.message(), Some("by hand"));
    /// ```
    pub fn new(message: Option<&str>) -> Self {
        Cancelled::requested(message.map(Arc::from), None)
    }

    /// The message given to `cancel(msg)`, if any.
    ///
    /// ```
    /// assert_eq!(weft_executor::Cancelled::new(None).message(), None);
    /// ```
    pub fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// What caused the cancellation.
    ///
    /// ```
    /// use weft_executor::{CancelKind, Cancelled};
    /// assert_eq!(Cancelled::new(None).kind(), CancelKind::Requested);
    /// ```
    pub fn kind(&self) -> CancelKind {
        self.0.kind
    }

    /// The id of the scope that delivered this cancellation, if a scope did.
    ///
    /// ```
    /// assert_eq!(weft_executor::Cancelled::new(None).scope_id(), None);
    /// ```
    pub fn scope_id(&self) -> Option<u64> {
        self.0.scope.as_ref().map(|(id, _)| *id)
    }
}

impl fmt::Debug for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Cancelled");
        d.field("kind", &self.0.kind);
        if let Some(m) = &self.0.message {
            d.field("message", m);
        }
        if let Some((id, _)) = &self.0.scope {
            d.field("scope", id);
        }
        d.finish()
    }
}

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.kind {
            CancelKind::Requested => f.write_str("task was cancelled")?,
            CancelKind::Scope => f.write_str("cancelled by an enclosing cancel scope")?,
            CancelKind::Aborted => f.write_str("task was aborted")?,
            CancelKind::Shutdown => f.write_str("runtime shut down")?,
        }
        if let Some(m) = &self.0.message {
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
