//! The one rule that tells a cancellation from a failure.
//!
//! asyncio tells them apart by exception type: a coroutine that raised `CancelledError`
//! was cancelled, one that raised anything else failed. Rust has no exceptions: a
//! cancellation travels as a [`Cancelled`] value inside whatever error type the code
//! returns, a weft error (`GetError::Cancelled`), the user's own enum, a
//! `Box<dyn Error + Send + Sync>`, an `anyhow::Error`. Searching those types for the
//! `Cancelled` cannot work in general (an enum need not expose it through `source()`),
//! so weft does not look inside the error at all. It looks at where the `Cancelled` went:
//!
//! > **The rule.** A block of code (a task's future, a timeout's body, a group's body or
//! > child, one attempt of `retry`) that ends with an `Err` *propagated a cancellation*
//! > if a [`Cancelled`] delivered to its task while it ran is still alive once it has
//! > ended. A block that ends with a value returned that value, whatever it did with its
//! > `Cancelled`. And a task whose future ends while a cancellation request is still
//! > pending ends cancelled, as in asyncio (a request the task made on itself; one from
//! > another thread that lands during the task's last poll is ordered after that poll:
//! > see `state.rs`, "A request that races the end").
//!
//! Why it holds: every `Cancelled` a task ever holds was *delivered* to it (by a
//! checkpoint, by a cancel scope, by awaiting a cancelled task or group, or made by hand
//! with [`Cancelled::new`] inside the task), and each delivered one counts itself in the
//! task's state word while it is alive (the `live` field, see `state.rs`, kept by a
//! `DeliveryMark`). When the block has ended, its locals are gone; ordinary code drops
//! what it does not return. So a delivery still alive after the block, beyond those
//! that were alive before it started, is in what the block returned: the `Err` carries it,
//! in whichever type. The count costs one atomic add per delivery and nothing when nothing
//! is cancelled.
//!
//! What the rule cannot see, and so documents:
//!
//! * A `Cancelled` the block *kept* somewhere else on purpose (pushed into a log, sent to
//!   another task) is alive too. If the block then fails with an unrelated error, the
//!   failure is taken for a cancellation. Keep the cancellation's message or
//!   `to_string()` instead of the value, or drop it.
//! * Blocks polled concurrently inside one task (two timeouts in one `join`) share the
//!   task's count: give each its own task when their outcomes must be told apart.
//! * A task spawned with `spawn` has an output of any type, which the executor cannot
//!   look into to see an `Ok`: it counts the task cancelled when a delivery is alive and
//!   the output's type can hold one at all (it has drop glue). A task whose output is a
//!   plain value (`i32`, `()`, a `Copy` type) that kept its `Cancelled` returns its value;
//!   one whose output is a `Result` that kept its `Cancelled` elsewhere and returned `Ok`
//!   is counted cancelled. The structured layer, which sees the `Result`, is exact.
//!
//! [`is_cancellation`] answers a different question, about an error value on its own:
//! whether it is, or leads through `source()` to, a `Cancelled`. Every weft error that
//! carries a `Cancelled` returns it from `source()`, so for weft's errors the two agree.

use super::{Cancelled, delivery};
use crate::context;
use crate::task::RawTask;
use std::error::Error;

/// How a block of code that can be cancelled ended, by the rule of the
/// [module docs](self).
///
/// ```
/// use weft::cancel::{watch, Outcome};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let w = watch();
/// weft::current_task().unwrap().cancel(Some("stop"));
/// let r: Result<(), weft::Cancelled> = weft::yield_now().await;
/// match w.outcome(&r) {
///     Outcome::Cancelled(c) => assert_eq!(c.message(), Some("stop")),
///     other => panic!("expected a cancellation, got {other:?}"),
/// }
/// # });
/// ```
#[derive(Debug)]
pub enum Outcome {
    /// It returned a value (`Ok`).
    Value,
    /// It failed: an `Err` that propagates no cancellation.
    Failed,
    /// It propagated a cancellation. The `Cancelled` is that cancellation (its kind,
    /// message and scope), delivered again to the current task: keep it (in an error you
    /// return) to go on propagating the cancellation, drop it to swallow it.
    Cancelled(Cancelled),
}

impl Outcome {
    /// Whether this is [`Outcome::Cancelled`].
    ///
    /// ```
    /// assert!(!weft::cancel::Outcome::Failed.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Outcome::Cancelled(_))
    }
}

/// What the current task looked like when a block started: the mark the rule judges the
/// block's end against. Made by [`watch`].
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// use weft::cancel::{watch, Outcome};
/// let w = watch();
/// weft::current_task().unwrap().cancel(None);
/// let r: Result<(), Box<dyn std::error::Error + Send + Sync>> = async {
///     weft::yield_now().await?; // delivered here; `?` boxes it
///     Ok(())
/// }
/// .await;
/// assert!(w.outcome(&r).is_cancelled());
/// drop(r);
/// let failed: Result<(), &str> = Err("disk full");
/// assert!(matches!(w.outcome(&failed), Outcome::Failed));
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watch {
    /// The task's `cancelling()` at the start (`None` outside a task).
    cancelling: Option<u32>,
    /// Deliveries alive at the start.
    live: u32,
}

/// Starts watching a block of code in the current task; see [`Watch`] and the
/// [module docs](self). Outside a task nothing is ever delivered, and every `Err` is a
/// failure.
///
/// ```
/// use weft::cancel::{watch, Outcome};
/// let w = watch(); // outside a task
/// assert!(matches!(w.outcome(&Ok::<_, &str>(1)), Outcome::Value));
/// assert!(matches!(w.outcome(&Err::<(), _>("disk full")), Outcome::Failed));
/// ```
#[inline]
pub fn watch() -> Watch {
    match context::current_task() {
        Some(t) => {
            let (cancelling, live) = t.header().cancel.snapshot();
            Watch { cancelling: Some(cancelling), live }
        }
        None => Watch { cancelling: None, live: 0 },
    }
}

impl Watch {
    /// A watch for a task's whole future, from wherever in it: nothing was delivered
    /// before the task started. (A block inside a task takes [`watch`] at its start.)
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let t = weft::spawn(async {
    ///     let me = weft::current_task().unwrap();
    ///     let r: Result<(), weft::Cancelled> = weft::yield_now().await;
    ///     me.cancel(None); // pending when the task's code ends: it ends cancelled
    ///     weft::cancel::Watch::task_start().task_outcome(&r).is_cancelled()
    /// });
    /// assert!(t.await.unwrap());
    /// # });
    /// ```
    pub fn task_start() -> Watch {
        Watch { live: 0, ..watch() }
    }

    /// The task's `cancelling()` count when the watch began (asyncio's timeout and task
    /// group record it on entry); `None` outside a task.
    ///
    /// ```
    /// assert_eq!(weft::cancel::watch().cancelling(), None);
    /// ```
    #[inline]
    pub fn cancelling(&self) -> Option<u32> {
        self.cancelling
    }

    /// Judges a block's result by the rule. Call it after the block has ended (its future
    /// returned `Ready`), while you still hold the result.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let w = weft::cancel::watch();
    /// let r: Result<(), std::io::Error> = async {
    ///     weft::current_task().unwrap().cancel(None);
    ///     weft::yield_now().await?; // the delivered `Cancelled`, inside an io::Error
    ///     Ok(())
    /// }
    /// .await;
    /// assert!(w.outcome(&r).is_cancelled());
    /// # });
    /// ```
    pub fn outcome<T, E>(&self, result: &Result<T, E>) -> Outcome {
        match result {
            Ok(_) => Outcome::Value,
            Err(_) => match self.propagated() {
                Some(c) => Outcome::Cancelled(c),
                None => Outcome::Failed,
            },
        }
    }

    /// The rule for a task's whole future (the code a group child or a `spawn` runs):
    /// as [`outcome`](Self::outcome), and a value returned while a cancellation request
    /// is still pending ends the task cancelled, as asyncio's `_must_cancel` does (the
    /// pending delivery is taken: it is the `Cancelled` returned).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let w = weft::cancel::Watch::task_start();
    /// let r: Result<i32, weft::Cancelled> = Ok(7);
    /// assert!(!w.task_outcome(&r).is_cancelled());
    /// weft::current_task().unwrap().cancel(None); // still pending as the value is returned
    /// assert!(w.task_outcome(&r).is_cancelled());
    /// # });
    /// ```
    pub fn task_outcome<T, E>(&self, result: &Result<T, E>) -> Outcome {
        match self.outcome(result) {
            Outcome::Value => match context::current_task()
                .filter(|t| t.header().cancel.is_pending_at_completion())
                .and_then(delivery::take)
            {
                Some(c) => Outcome::Cancelled(c),
                None => Outcome::Value,
            },
            other => other,
        }
    }

    /// Whether an `Err` the block ended with propagates a cancellation: the rule without
    /// the result (for code that has already seen that the block failed).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let w = weft::cancel::watch();
    /// weft::current_task().unwrap().cancel(None);
    /// let r = weft::yield_now().await;
    /// assert!(w.is_propagating()); // the `Err` in `r` is alive
    /// drop(r);
    /// assert!(!w.is_propagating());
    /// # });
    /// ```
    #[inline]
    pub fn is_propagating(&self) -> bool {
        context::current_task().is_some_and(|t| t.header().cancel.live() > self.live)
    }

    fn propagated(&self) -> Option<Cancelled> {
        let task = context::current_task()?;
        (task.header().cancel.live() > self.live).then(|| delivery::again(task))
    }
}

/// The verdict on a task whose future returned an output of type `T` (the harness asks):
/// the cancellation to report if the task ended cancelled, `None` if it returned its
/// output. See the module docs for why the output's type matters.
pub(crate) fn task_verdict<T>(task: RawTask) -> Option<Cancelled> {
    // asyncio's `_must_cancel` when the coroutine returns: a request still pending that
    // was made before this last poll began, or by the task on itself. One from another
    // thread that landed during the poll is ordered after it, and the task keeps what it
    // returns (cancel/state.rs, "A request that races the end").
    task.state().set_finishing();
    if let Some(c) = delivery::take_at_end(task) {
        return Some(c.caught());
    }
    if std::mem::needs_drop::<T>() && task.header().cancel.any_live() && !context::ends_with_value() {
        return Some(delivery::report(task));
    }
    None
}

/// For a future that is its task's whole future and applies the rule itself (weft's
/// group child, which sees the `Result` the executor cannot look into): called in the
/// poll that ends the task, it says that the output is the value the future returned, so
/// the executor does not count the task cancelled for a `Cancelled` kept elsewhere (see
/// the [module docs](self)). A request still pending at the end ends the task cancelled
/// all the same. Does nothing outside a task's poll.
#[doc(hidden)]
pub fn returns_value() {
    context::set_ends_with_value();
}

/// Whether the error value `error` is a cancellation: a [`Cancelled`], a
/// [`JoinError::Cancelled`](crate::JoinError::Cancelled), or an error whose
/// [`source()`](Error::source) chain leads to one (an `io::Error` counts through the error
/// it wraps, `get_ref`, which is how weft's I/O reports a cancelled operation).
///
/// Every weft error that carries a `Cancelled` answers `true`. weft's own layers decide
/// with the rule of the [module docs](self) instead, which also sees errors of your own
/// that do not return their `Cancelled` from `source()`.
///
/// ```
/// use weft::{Cancelled, is_cancellation};
/// assert!(is_cancellation(&Cancelled::new(None)));
/// let io = std::io::Error::other("disk full");
/// assert!(!is_cancellation(&io));
/// let cancelled_read = std::io::Error::other(Cancelled::new(None));
/// assert!(is_cancellation(&cancelled_read));
/// ```
pub fn is_cancellation(error: &(dyn Error + 'static)) -> bool {
    find(error).is_some()
}

/// The `Cancelled` inside `error`, by type (see [`is_cancellation`]).
pub(crate) fn find<'a>(error: &'a (dyn Error + 'static)) -> Option<&'a Cancelled> {
    let mut node = Some(error);
    while let Some(e) = node {
        if let Some(c) = e.downcast_ref::<Cancelled>() {
            return Some(c);
        }
        // An `io::Error` hides the error it wraps from `source()`.
        if let Some(inner) = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            node = Some(inner);
            continue;
        }
        node = e.source();
    }
    None
}
