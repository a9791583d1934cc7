//! `tracing` support, compiled only with the `tracing` feature: a span per task and an
//! event for each step of a cancellation.
//!
//! # What a subscriber sees
//!
//! | what | kind, level, target | fields |
//! |---|---|---|
//! | a task | span `task`, DEBUG, `weft::task` | `task.id`, `task.name`, `task.group` (recorded by a task group for its children), `spawned.at` (file:line:column of the `spawn` call) |
//! | `Task::cancel` made a request | event, DEBUG, `weft::cancel` | `task.id` (the task cancelled), `cancelling` (its count after), `cancel.message`; emitted where `cancel` was called |
//! | a checkpoint or scope delivered a `Cancelled` | event, DEBUG, `weft::cancel` | `task.id`, `kind`, `cancel.message` (a scope's); inside the task's span when delivered at a checkpoint |
//! | the task ended with a value although a request was delivered and never undone (it caught its `Cancelled` and did not propagate it: asyncio's "swallowed" `CancelledError`) | event, DEBUG, `weft::cancel` | `task.id`, `cancelling`; inside the task's span, as its future returns |
//! | `Task::uncancel` undid a request | event, DEBUG, `weft::cancel` | `task.id`, `cancelling` (after) |
//!
//! A task group's failures are the structured crate's events (target `weft::group`).
//!
//! # How
//!
//! The public spawn functions wrap the future in [`Instrumented`] and pass it the caller's
//! location (`#[track_caller]` on the spawn functions, only with this feature). The span
//! is made at the task's first poll, when the task's id and name can be read from the
//! running task, as a child of the span that was current where `spawn` was called (kept
//! alive until then); every poll enters it. Nothing here is compiled without the feature:
//! each call site is `#[cfg(feature = "tracing")]`.

use crate::cancel::CancelKind;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};
use tracing::Span;

/// A task's future with its span; see the [module docs](self).
pub(crate) struct Instrumented<F> {
    inner: F,
    at: &'static Location<'static>,
    /// The span current at `spawn`, until the task's span is made under it.
    parent: Option<Span>,
    span: Option<Span>,
}

impl<F> Instrumented<F> {
    /// The future of a spawn that failed, handed back to its caller.
    pub(crate) fn into_inner(self) -> F {
        self.inner
    }
}

/// Wraps a future about to be spawned from `at`.
pub(crate) fn instrument<F>(inner: F, at: &'static Location<'static>) -> Instrumented<F> {
    let parent = Span::current();
    Instrumented { inner, at, parent: (!parent.is_none()).then_some(parent), span: None }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of `self` and is
        // dropped in place with it; the other fields are never pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let span = match &this.span {
            Some(span) => span,
            None => {
                let parent = this.parent.take();
                this.span.insert(task_span(this.at, parent.as_ref()))
            }
        };
        let _entered = span.enter();
        // SAFETY: see above.
        let out = unsafe { Pin::new_unchecked(&mut this.inner) }.poll(cx);
        if out.is_ready() {
            report_swallowed::<F::Output>();
        }
        out
    }
}

/// As the task's future returns, inside its span: whether it swallowed a cancellation.
/// It did if requests were made and not undone, none is pending (a pending one is either
/// taken by the verdict at the end, which then ends the task cancelled, or was made during
/// this last poll and never delivered), and the verdict will not count a `Cancelled` the
/// task kept in its output (`cancel::outcome::task_verdict`, whose rule this repeats).
fn report_swallowed<T>() {
    let Some(task) = crate::context::current_task() else { return };
    let cancel = &task.header().cancel;
    let requested = cancel.requested();
    if requested > 0 && !cancel.is_pending() && !(std::mem::needs_drop::<T>() && cancel.any_live()) {
        cancel_swallowed(task.id().as_u64(), requested);
    }
}

fn task_span(at: &'static Location<'static>, parent: Option<&Span>) -> Span {
    let task = crate::current_task();
    let id = task.as_ref().map(|t| t.id().as_u64());
    let name = task.as_ref().and_then(|t| t.name());
    tracing::debug_span!(
        target: "weft::task",
        parent: parent.and_then(Span::id),
        "task",
        task.id = id,
        task.name = name.as_deref(),
        task.group = tracing::field::Empty,
        spawned.at = %at,
    )
}

/// `Task::cancel` made a request (`cancelling` is the count after it).
pub(crate) fn cancel_requested(id: u64, cancelling: u32, message: Option<&str>) {
    tracing::debug!(target: "weft::cancel", cancelling, task.id = id, cancel.message = message, "cancellation requested");
}

/// A checkpoint (a pending request taken) or a scope delivered a cancellation of `kind`
/// to the task `id`.
pub(crate) fn cancel_delivered(id: u64, kind: CancelKind, message: Option<&str>) {
    tracing::debug!(
        target: "weft::cancel",
        kind = ?kind,
        cancel.message = message,
        task.id = id,
        "cancellation delivered"
    );
}

/// The task `id` ended with its value while `cancelling` requests were delivered and not
/// undone.
pub(crate) fn cancel_swallowed(id: u64, cancelling: u32) {
    tracing::debug!(target: "weft::cancel", cancelling, task.id = id, "cancellation swallowed");
}

/// `Task::uncancel` undid a request of the task `id`.
pub(crate) fn uncancelled(id: u64, cancelling: u32) {
    tracing::debug!(target: "weft::cancel", cancelling, task.id = id, "cancellation undone");
}

/// Records the task group of the task being polled on its span (the structured crate
/// calls it from a group child's first poll).
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// weft::trace::record_group(7); // outside a traced task: nothing to record
/// # });
/// ```
pub fn record_group(group: u64) {
    Span::current().record("task.group", group);
}
