//! Trio's cancel scopes: [`CancelScope`], [`move_on_after`], [`fail_after`].
//!
//! asyncio's cancellation is *edge-triggered*: a request is delivered once, to the one
//! checkpoint the task is waiting in, and code that catches it may go on awaiting. A
//! Trio scope is *level-triggered*: once a scope is cancelled, **every** checkpoint
//! inside it fails, again and again, until the code leaves the scope. Cleanup that must
//! await goes in a shielded scope. Level-triggering makes a cancellation impossible to
//! lose by accident (a `match` arm that forgets to return it cannot swallow it for good).
//!
//! A scope catches its own cancellation: when the body returns an error that holds a
//! `Cancelled` delivered by this scope, `run` returns `None` ([`move_on_after`]) or a
//! [`TimeoutError`] ([`fail_after`]) instead, and [`CancelScope::cancelled_caught`] is
//! true. Cancellations from outer scopes or from `task.cancel()` pass through.
//!
//! Tasks spawned inside a scope belong to it: cancelling the scope reaches them too.
//!
//! ```
//! use std::time::Duration;
//! use weft::move_on_after;
//! # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
//! let r = move_on_after(Duration::from_millis(10), async {
//!     weft::time::sleep(Duration::from_secs(60)).await?;
//!     Ok::<_, weft::Cancelled>("slept")
//! })
//! .await;
//! assert_eq!(r, None); // moved on
//! # });
//! ```

use crate::timeout::TimeoutError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use weft_executor::cancel::ScopeCore;

/// Trio's `CancelScope`: see the [module docs](self). Cloning gives another handle to the
/// same scope (to cancel it from elsewhere, or move its deadline).
///
/// ```
/// use weft::CancelScope;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let scope = CancelScope::new();
/// let inside = scope.clone();
/// let r = scope.run(async move {
///     inside.cancel();
///     // Level-triggered: every checkpoint fails now, not just the first.
///     assert!(weft::yield_now().await.is_err());
///     assert!(weft::yield_now().await.is_err());
///     weft::yield_now().await?;
///     Ok::<_, weft::Cancelled>(())
/// }).await;
/// assert_eq!(r, None);
/// assert!(scope.cancel_called() && scope.cancelled_caught());
/// # });
/// ```
#[derive(Clone)]
pub struct CancelScope {
    inner: Arc<Inner>,
}

struct Inner {
    core: Arc<ScopeCore>,
    caught: AtomicBool,
    entered: AtomicBool,
}

impl fmt::Debug for CancelScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelScope")
            .field("cancel_called", &self.cancel_called())
            .field("shield", &self.shield())
            .field("deadline", &self.deadline())
            .finish()
    }
}

impl Default for CancelScope {
    fn default() -> Self {
        CancelScope::new()
    }
}

impl CancelScope {
    /// A scope with no deadline, not shielded, not entered.
    ///
    /// ```
    /// let s = weft::CancelScope::new();
    /// assert!(!s.cancel_called() && s.deadline().is_none());
    /// ```
    pub fn new() -> CancelScope {
        CancelScope {
            inner: Arc::new(Inner {
                core: ScopeCore::new(),
                caught: AtomicBool::new(false),
                entered: AtomicBool::new(false),
            }),
        }
    }

    /// A scope that cancels itself at `deadline`.
    ///
    /// ```
    /// let t = std::time::Instant::now();
    /// assert_eq!(weft::CancelScope::with_deadline(t).deadline(), Some(t));
    /// ```
    pub fn with_deadline(deadline: Instant) -> CancelScope {
        let s = CancelScope::new();
        s.set_deadline(Some(deadline));
        s
    }

    /// A shielded scope: cancellations from outside do not reach what it runs (Trio's
    /// `CancelScope(shield=True)`), and asyncio-style requests wait until it exits.
    ///
    /// ```
    /// assert!(weft::CancelScope::shielded().shield());
    /// ```
    pub fn shielded() -> CancelScope {
        let s = CancelScope::new();
        s.set_shield(true);
        s
    }

    /// Cancels the scope: every checkpoint inside it fails from now until it exits.
    /// Works before the scope is entered, and from any thread. Idempotent.
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::CancelScope;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let scope = CancelScope::new();
    /// let handle = scope.clone();
    /// let canceller = weft::spawn(async move { handle.cancel() }); // from another task
    /// let r = scope.run(weft::time::sleep(Duration::from_secs(60))).await;
    /// assert_eq!(r, None, "the sleep was cancelled and the scope caught it");
    /// canceller.await.unwrap();
    /// # });
    /// ```
    pub fn cancel(&self) {
        self.inner.core.cancel();
    }

    /// Whether `cancel()` was called or the deadline passed (Trio's `cancel_called`).
    ///
    /// ```
    /// use std::time::Instant;
    /// use weft::CancelScope;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let scope = CancelScope::new();
    /// assert!(!scope.cancel_called());
    /// scope.cancel();
    /// assert!(scope.cancel_called());
    /// let expired = CancelScope::with_deadline(Instant::now());
    /// expired.run(weft::yield_now()).await;
    /// assert!(expired.cancel_called(), "its deadline passed");
    /// # });
    /// ```
    pub fn cancel_called(&self) -> bool {
        self.inner.core.is_cancelled()
    }

    /// Whether the scope exited by catching its own cancellation (Trio's
    /// `cancelled_caught`).
    ///
    /// ```
    /// use weft::CancelScope;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let scope = CancelScope::new();
    /// let inside = scope.clone();
    /// let r = scope.run(async move {
    ///     inside.cancel();
    ///     let _ = weft::yield_now().await; // the body drops its cancellation...
    ///     "done anyway"
    /// }).await;
    /// assert_eq!(r, Some("done anyway")); // ...so the scope had nothing to catch
    /// assert!(scope.cancel_called() && !scope.cancelled_caught());
    /// # });
    /// ```
    pub fn cancelled_caught(&self) -> bool {
        self.inner.caught.load(Ordering::Acquire)
    }

    /// The deadline, if any.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use weft::CancelScope;
    /// assert_eq!(CancelScope::new().deadline(), None);
    /// let d = Instant::now() + Duration::from_secs(10);
    /// let scope = CancelScope::with_deadline(d);
    /// assert_eq!(scope.deadline(), Some(d));
    /// scope.set_deadline(None);
    /// assert_eq!(scope.deadline(), None);
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.inner.core.deadline()
    }

    /// Moves the deadline (`None` removes it), also while the scope runs: a waiting
    /// body sees the new deadline at once. A deadline in the past cancels the scope.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use weft::CancelScope;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let scope = CancelScope::with_deadline(Instant::now() + Duration::from_secs(60));
    /// let inside = scope.clone();
    /// let r = scope.run(async move {
    ///     inside.set_deadline(Some(Instant::now() + Duration::from_millis(5)));
    ///     weft::time::sleep(Duration::from_secs(60)).await
    /// }).await;
    /// assert!(r.is_none());
    /// # });
    /// ```
    pub fn set_deadline(&self, deadline: Option<Instant>) {
        self.inner.core.set_deadline(deadline);
    }

    /// Whether the scope is shielded.
    ///
    /// ```
    /// use weft::CancelScope;
    /// assert!(!CancelScope::new().shield());
    /// assert!(CancelScope::shielded().shield());
    /// ```
    pub fn shield(&self) -> bool {
        self.inner.core.is_shielded()
    }

    /// Sets or clears the shield, also while the scope runs.
    ///
    /// ```
    /// use weft::CancelScope;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (outer, inner) = (CancelScope::new(), CancelScope::new());
    /// inner.set_shield(true);
    /// outer.cancel();
    /// let r = outer.run(async move {
    ///     // The outer scope's cancellation does not reach inside the shield...
    ///     assert_eq!(inner.run(weft::yield_now()).await, Some(Ok(())));
    ///     // ...but it does outside it.
    ///     weft::yield_now().await
    /// }).await;
    /// assert_eq!(r, None);
    /// # });
    /// ```
    pub fn set_shield(&self, shield: bool) {
        self.inner.core.set_shield(shield);
    }

    /// Runs `body` inside the scope (Trio's `with scope:`). Returns `None` if the body
    /// ended by propagating this scope's own cancellation (the scope caught it),
    /// otherwise `Some` of the body's output. A scope runs once.
    ///
    /// # Panics
    ///
    /// The returned future panics when polled if the scope was already entered.
    ///
    /// ```
    /// use weft::CancelScope;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let r = CancelScope::new().run(async { 5 }).await;
    /// assert_eq!(r, Some(5));
    /// # });
    /// ```
    pub fn run<F: Future>(&self, body: F) -> ScopeRun<F> {
        ScopeRun { scope: self.clone(), body, state: RunState::New }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RunState {
    New,
    Running,
    Done,
}

/// The future of [`CancelScope::run`].
///
/// ```
/// use std::time::Duration;
/// use weft::{CancelScope, ScopeRun};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let scope = CancelScope::new();
/// let run: ScopeRun<_> = scope.run(weft::time::sleep(Duration::from_secs(60)));
/// let task = weft::spawn(run); // the scope goes with its future, into another task
/// weft::yield_now().await.unwrap();
/// scope.cancel();
/// assert_eq!(task.await.unwrap(), None);
/// assert!(scope.cancelled_caught());
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct ScopeRun<F> {
    scope: CancelScope,
    body: F,
    state: RunState,
}

impl<F> fmt::Debug for ScopeRun<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeRun").field("scope", &self.scope).finish()
    }
}

impl<F: Future> Future for ScopeRun<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `body` is structurally pinned: never moved out of `self`.
        let this = unsafe { self.get_unchecked_mut() };
        let core = &this.scope.inner.core;
        if this.state == RunState::New {
            if this.scope.inner.entered.swap(true, Ordering::AcqRel) || core.enter(cx).is_err() {
                panic!("weft: a cancel scope can be entered only once; create a new CancelScope");
            }
            this.state = RunState::Running;
        }
        assert!(
            this.state == RunState::Running,
            "weft: a cancel scope's future was polled after it completed"
        );
        // SAFETY: see above.
        let body = unsafe { Pin::new_unchecked(&mut this.body) };
        match core.poll_inside(cx, |cx| body.poll(cx)) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(out) => {
                this.state = RunState::Done;
                // Drop what the body returned before asking whether the scope's
                // cancellation is still alive only if we swallow it; so ask with `out`
                // still held.
                let caught = core.exit();
                this.scope.inner.caught.store(caught, Ordering::Release);
                if caught {
                    drop(out);
                    Poll::Ready(None)
                } else {
                    Poll::Ready(Some(out))
                }
            }
        }
    }
}

impl<F> Drop for ScopeRun<F> {
    fn drop(&mut self) {
        if self.state == RunState::Running {
            self.scope.inner.core.exit();
        }
    }
}

/// Trio's `move_on_after`: runs `body` with a deadline `delay` from now; if the deadline
/// cancels it, returns `None` and moves on.
///
/// ```
/// use std::time::Duration;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let r = weft::move_on_after(Duration::from_secs(5), async { 1 }).await;
/// assert_eq!(r, Some(1));
/// # });
/// ```
pub fn move_on_after<F: Future>(delay: Duration, body: F) -> ScopeRun<F> {
    move_on_at(deadline_after(delay), body)
}

/// Trio's `move_on_at`: [`move_on_after`] with an absolute deadline.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let r = weft::move_on_at(std::time::Instant::now(), async {
///     weft::yield_now().await
/// }).await;
/// assert_eq!(r, None);
/// # });
/// ```
pub fn move_on_at<F: Future>(deadline: Instant, body: F) -> ScopeRun<F> {
    CancelScope::with_deadline(deadline).run(body)
}

/// Trio's `fail_after`: like [`move_on_after`], but a body cancelled by the deadline
/// gives `Err(TimeoutError)` (converted into the body's error type).
///
/// ```
/// use std::time::Duration;
/// use weft::{fail_after, Interrupted};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let r = fail_after(Duration::from_millis(5), async {
///     weft::time::sleep(Duration::from_secs(60)).await?;
///     Ok::<_, Interrupted>(())
/// }).await;
/// assert!(r.unwrap_err().is_timeout());
/// # });
/// ```
pub fn fail_after<F, T, E>(delay: Duration, body: F) -> FailAfter<F>
where
    F: Future<Output = Result<T, E>>,
    E: From<TimeoutError>,
{
    fail_at(deadline_after(delay), body)
}

/// Trio's `fail_at`: [`fail_after`] with an absolute deadline.
///
/// ```
/// use weft::{fail_at, Interrupted};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let r = fail_at(std::time::Instant::now(), async {
///     weft::yield_now().await?;
///     Ok::<_, Interrupted>(())
/// }).await;
/// assert!(r.unwrap_err().is_timeout());
/// # });
/// ```
pub fn fail_at<F, T, E>(deadline: Instant, body: F) -> FailAfter<F>
where
    F: Future<Output = Result<T, E>>,
    E: From<TimeoutError>,
{
    FailAfter { run: move_on_at(deadline, body) }
}

/// The future of [`fail_after`] and [`fail_at`].
///
/// ```
/// use std::time::Instant;
/// use weft::{fail_at, FailAfter};
/// type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let run: FailAfter<_> = fail_at(Instant::now(), async {
///     weft::yield_now().await?;
///     Ok::<(), BoxError>(())
/// });
/// // The timeout comes out in the body's own error type.
/// assert!(run.await.unwrap_err().is::<weft::TimeoutError>());
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct FailAfter<F> {
    run: ScopeRun<F>,
}

impl<F> FailAfter<F> {
    /// The scope that enforces the deadline (to move it, or read `cancel_called`).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use weft::{fail_after, Interrupted};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let run = fail_after(Duration::from_secs(60), async {
    ///     weft::time::sleep(Duration::from_secs(60)).await?;
    ///     Ok::<_, Interrupted>(())
    /// });
    /// let scope = run.scope();
    /// scope.set_deadline(Some(Instant::now())); // bring the deadline forward
    /// assert!(run.await.unwrap_err().is_timeout());
    /// assert!(scope.cancel_called());
    /// # });
    /// ```
    pub fn scope(&self) -> CancelScope {
        self.run.scope.clone()
    }
}

impl<F, T, E> Future for FailAfter<F>
where
    F: Future<Output = Result<T, E>>,
    E: From<TimeoutError>,
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `run` is structurally pinned.
        let run = unsafe { self.map_unchecked_mut(|s| &mut s.run) };
        run.poll(cx).map(|r| r.unwrap_or_else(|| Err(E::from(TimeoutError))))
    }
}

/// Trio's `current_effective_deadline()`: the earliest deadline of the cancel scopes
/// around the current poll, up to the nearest shield; `None` if there is none. A
/// cancelled scope counts as a deadline of now.
///
/// ```
/// use std::time::{Duration, Instant};
/// use weft::{current_effective_deadline, CancelScope};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// assert_eq!(current_effective_deadline(), None);
/// let d = Instant::now() + Duration::from_secs(30);
/// let seen = CancelScope::with_deadline(d).run(async { current_effective_deadline() }).await;
/// assert_eq!(seen, Some(Some(d)));
/// # });
/// ```
pub fn current_effective_deadline() -> Option<Instant> {
    // A probe scope entered and left at once: its parent is the scope of this poll.
    let probe = ScopeCore::new();
    let waker = crate::timer::noop_waker();
    let cx = Context::from_waker(&waker);
    if probe.enter(&cx).is_err() {
        return None;
    }
    let d = probe.effective_deadline();
    probe.exit();
    d
}

fn deadline_after(delay: Duration) -> Instant {
    let now = weft_executor::time::now();
    now.checked_add(delay).unwrap_or_else(|| now + Duration::from_secs(86400 * 365 * 30))
}
