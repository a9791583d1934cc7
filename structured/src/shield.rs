//! asyncio's `shield(aw)`: protect work from the caller's cancellation.
//!
//! `shield(fut)` runs `fut` as its own task and waits for it. If the caller is cancelled
//! while it waits, the caller sees the cancellation at once, and the inner task runs on
//! to completion, untouched: neither the caller's cancel request nor any cancel scope
//! around the caller reaches it. Its result is not lost: the error the caller gets holds
//! the inner [`Task`], which can be awaited later (or dropped, which detaches it).
//!
//! Compare a shielded [`CancelScope`](crate::CancelScope): that runs code *in* the
//! current task and defers the caller's cancellation until the code is done, so the
//! caller waits. `shield` does not wait.

use crate::await_task::{Joined, poll_join};
use crate::done::Hops;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_executor::cancel::ScopeCore;
use weft_executor::{Cancelled, Task};

/// Runs `fut` as a task protected from the caller's cancellation (asyncio's
/// `shield`). See the [module docs](self).
///
/// # Panics
///
/// The returned future panics when first polled outside a weft runtime, and resumes
/// the inner task's panic if it panicked.
///
/// ```
/// use std::time::Duration;
/// use weft::shield;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let caller = weft::spawn(async {
///     let r = shield(async {
///         weft::time::sleep(Duration::from_millis(20)).await?;
///         Ok::<_, weft::Cancelled>("saved")
///     }).await;
///     // Cancelled at once; the inner work is still running. Keep its handle.
///     r.unwrap_err().into_task()
/// });
/// weft::yield_now().await.unwrap();
/// caller.cancel(None);
/// let inner = caller.await.unwrap().unwrap();
/// assert_eq!(inner.await.unwrap().unwrap(), "saved");
/// # });
/// ```
pub fn shield<F>(fut: F) -> Shield<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Shield { state: ShieldState::New(fut), waited: false, hops: Hops::default() }
}

/// The future of [`shield`].
///
/// ```
/// use weft::{shield, Shield};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let caller = weft::current_task().unwrap().id();
/// let work: Shield<_> = shield(async { weft::current_task().unwrap().id() });
/// let inner = work.await.unwrap();
/// assert_ne!(inner, caller, "the shielded work runs as a task of its own");
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Shield<F: Future> {
    state: ShieldState<F>,
    /// The caller waited for the inner task (returned `Pending`).
    waited: bool,
    /// The turn asyncio's `_inner_done_callback` takes before the caller resumes.
    hops: Hops,
}

enum ShieldState<F: Future> {
    New(F),
    Waiting(Task<F::Output>),
    /// The inner task finished; its result is returned after the callback's turn.
    Finished(Result<F::Output, weft_executor::JoinError>),
    Done,
}

impl<F: Future> fmt::Debug for Shield<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Shield")
    }
}

impl<F: Future> Unpin for Shield<F> {}

impl<F> Future for Shield<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    type Output = Result<F::Output, ShieldCancelled<F::Output>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let ShieldState::New(_) = &self.state {
            let ShieldState::New(fut) = std::mem::replace(&mut self.state, ShieldState::Done) else {
                unreachable!()
            };
            // Spawned outside every scope, the task inherits none: the caller's scopes
            // cannot reach it, while its own `cancel()` still does (asyncio's shield
            // protects the inner task from the caller, not from itself).
            let task = ScopeCore::outside(|| weft_executor::spawn(fut));
            self.state = ShieldState::Waiting(task);
        }
        if let ShieldState::Finished(_) = &self.state {
            std::task::ready!(self.hops.poll(cx));
            let ShieldState::Finished(r) = std::mem::replace(&mut self.state, ShieldState::Done) else {
                unreachable!()
            };
            return Self::finished(r);
        }
        let ShieldState::Waiting(task) = &mut self.state else {
            panic!("weft: a shield's future was polled after it completed")
        };
        match poll_join(task, cx) {
            Poll::Pending => {
                self.waited = true;
                Poll::Pending
            }
            Poll::Ready(Joined::Done(r)) if self.waited => {
                // asyncio's `_inner_done_callback` runs in this turn and sets the outer
                // future; the caller resumes in the next.
                self.state = ShieldState::Finished(r);
                self.hops.owe(1);
                self.hops.poll(cx).map(|()| unreachable!("a turn is owed"))
            }
            Poll::Ready(Joined::Done(r)) => {
                self.state = ShieldState::Done;
                Self::finished(r)
            }
            Poll::Ready(Joined::WaiterCancelled(c)) => {
                let ShieldState::Waiting(task) = std::mem::replace(&mut self.state, ShieldState::Done) else {
                    unreachable!()
                };
                Poll::Ready(Err(ShieldCancelled { cancelled: c, task: Some(task) }))
            }
        }
    }
}

impl<F: Future> Shield<F> {
    #[allow(clippy::type_complexity)] // the shield's own output type
    fn finished(
        r: Result<F::Output, weft_executor::JoinError>,
    ) -> Poll<Result<F::Output, ShieldCancelled<F::Output>>> {
        match r {
            Ok(v) => Poll::Ready(Ok(v)),
            Err(e) => match e {
                weft_executor::JoinError::Panicked(p) => {
                    std::panic::resume_unwind(Box::new(p.message().to_string()))
                }
                weft_executor::JoinError::Cancelled(c) => {
                    // The inner task was cancelled by someone else (asyncio: the shield's
                    // outer future is cancelled too): delivered to the caller.
                    Poll::Ready(Err(ShieldCancelled { cancelled: c.redeliver(), task: None }))
                }
                e => unreachable!("a shield's task is joined once: {e}"),
            },
        }
    }
}

/// The caller of [`shield`] was cancelled (or the inner task itself was). Holds the
/// inner task, still running, when there is one.
///
/// ```
/// use std::sync::Arc;
/// use weft::{shield, Cancelled, Event};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let go = Arc::new(Event::new());
/// let inner_go = go.clone();
/// let caller = weft::spawn(async move {
///     // `?` propagates the cancellation; the inner task is detached and runs on.
///     let _done = shield(async move { inner_go.wait().await }).await?;
///     Ok::<_, Cancelled>(())
/// });
/// weft::yield_now().await.unwrap();
/// caller.cancel(None);
/// assert!(caller.await.unwrap_err().is_cancelled());
/// go.set(); // the detached work finishes on its own
/// # });
/// ```
pub struct ShieldCancelled<T> {
    cancelled: Cancelled,
    task: Option<Task<T>>,
}

impl<T> ShieldCancelled<T> {
    /// The cancellation to propagate.
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::shield;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let caller = weft::spawn(async {
    ///     let e = shield(weft::time::sleep(Duration::from_secs(60))).await.unwrap_err();
    ///     e.cancelled().message().map(String::from)
    /// });
    /// weft::yield_now().await.unwrap();
    /// caller.cancel(Some("shutting down"));
    /// assert_eq!(caller.await.unwrap().as_deref(), Some("shutting down"));
    /// # });
    /// ```
    pub fn cancelled(&self) -> &Cancelled {
        &self.cancelled
    }

    /// The inner task, running on (`None` if the inner task itself ended cancelled).
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::shield;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let caller = weft::spawn(async {
    ///     let e = shield(weft::time::sleep(Duration::from_secs(60))).await.unwrap_err();
    ///     e.into_task().expect("the inner task runs on")
    /// });
    /// weft::yield_now().await.unwrap();
    /// caller.cancel(None);
    /// let inner = caller.await.unwrap();
    /// assert!(!inner.is_finished());
    /// inner.cancel(None); // the task's own cancel still reaches it
    /// assert!(inner.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn into_task(self) -> Option<Task<T>> {
        self.task
    }

    /// The cancellation and the inner task.
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::shield;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let caller = weft::spawn(async {
    ///     let e = shield(weft::time::sleep(Duration::from_secs(60))).await.unwrap_err();
    ///     let (cancelled, inner) = e.into_parts();
    ///     let inner = inner.unwrap();
    ///     inner.cancel(None); // stop the inner work too, and wait for it...
    ///     assert!(inner.await.unwrap_err().is_cancelled());
    ///     Err::<(), _>(cancelled) // ...then propagate the cancellation
    /// });
    /// weft::yield_now().await.unwrap();
    /// caller.cancel(None);
    /// assert!(caller.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn into_parts(self) -> (Cancelled, Option<Task<T>>) {
        (self.cancelled, self.task)
    }
}

impl<T> fmt::Debug for ShieldCancelled<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShieldCancelled")
            .field("cancelled", &self.cancelled)
            .field("task", &self.task)
            .finish()
    }
}

impl<T> fmt::Display for ShieldCancelled<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (the shielded work runs on)", self.cancelled)
    }
}

impl<T> std::error::Error for ShieldCancelled<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cancelled)
    }
}

impl<T> From<ShieldCancelled<T>> for Cancelled {
    /// `?` on a shield propagates the cancellation; the inner task is detached.
    fn from(s: ShieldCancelled<T>) -> Cancelled {
        s.cancelled
    }
}
