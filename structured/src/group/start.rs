//! Trio's `nursery.start`: spawn a child and wait until it reports that it is ready.

use super::{BoxError, StartError, TaskGroup};
use parking_lot::Mutex;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::task::{Poll, Waker};

impl TaskGroup {
    /// Trio's `nursery.start`: spawns a child that is given a [`StartStatus`], and waits
    /// until the child calls [`StartStatus::started`]; returns the value it reported.
    /// The child then runs on in the group.
    ///
    /// ```
    /// use weft::{task_group, StartError};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// task_group(|tg| async move {
    ///     let port = tg.start(|status| async move {
    ///         // bind a listener, then report where it listens
    ///         status.started(8080);
    ///         weft::time::sleep(std::time::Duration::from_millis(5)).await
    ///     }).await?;
    ///     assert_eq!(port, 8080);
    ///     Ok::<_, StartError>(())
    /// }).await.unwrap();
    /// # });
    /// ```
    pub async fn start<S, Fut, V, T, E>(&self, child: S) -> Result<V, StartError>
    where
        S: FnOnce(StartStatus<V>) -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        V: Send + 'static,
        T: Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let shared = Arc::new(Mutex::new(StartSlot { value: None, ended: false, waker: None }));
        let status = StartStatus { shared: Some(shared.clone()) };
        let handle = self.spawn(child(status))?;
        std::future::poll_fn(|cx| {
            let mut s = shared.lock();
            if let Some(v) = s.value.take() {
                return Poll::Ready(Ok(v));
            }
            if s.ended {
                return Poll::Ready(Err(StartError::EndedBeforeStarted));
            }
            s.waker = Some(cx.waker().clone());
            drop(s);
            if let Err(c) = weft_executor::cancel::check() {
                handle.cancel(c.message());
                return Poll::Ready(Err(StartError::Cancelled(c)));
            }
            Poll::Pending
        })
        .await
    }
}

/// Given to a child spawned with [`TaskGroup::start`]: call [`started`](Self::started)
/// when it is ready.
pub struct StartStatus<V> {
    shared: Option<Arc<Mutex<StartSlot<V>>>>,
}

struct StartSlot<V> {
    value: Option<V>,
    ended: bool,
    waker: Option<Waker>,
}

impl<V> fmt::Debug for StartStatus<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StartStatus").field("reported", &self.shared.is_none()).finish()
    }
}

impl<V> StartStatus<V> {
    /// Reports that the child is ready, with `value` for the caller of `start`.
    ///
    /// ```
    /// use weft::{task_group, StartError};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// task_group(|tg| async move {
    ///     let v = tg.start(|s| async move { s.started("ready"); Ok::<_, weft::Cancelled>(()) }).await?;
    ///     assert_eq!(v, "ready");
    ///     Ok::<_, StartError>(())
    /// }).await.unwrap();
    /// # });
    /// ```
    pub fn started(mut self, value: V) {
        if let Some(shared) = self.shared.take() {
            let mut s = shared.lock();
            s.value = Some(value);
            let w = s.waker.take();
            drop(s);
            if let Some(w) = w {
                w.wake();
            }
        }
    }
}

impl<V> Drop for StartStatus<V> {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            let mut s = shared.lock();
            s.ended = true;
            let w = s.waker.take();
            drop(s);
            if let Some(w) = w {
                w.wake();
            }
        }
    }
}
