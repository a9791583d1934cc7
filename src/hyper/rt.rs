//! hyper's runtime traits on weft: [`Executor`] (`hyper::rt::Executor`) and [`Timer`]
//! (`hyper::rt::Timer`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// `hyper::rt::Executor` over weft: each future hyper hands over becomes a detached weft
/// task, named so that [`all_tasks`](crate::all_tasks) (and a `#[weft::test]` timeout)
/// says what it is. hyper's HTTP/1 server and client spawn nothing; HTTP/2 and
/// hyper-util's pooled clients do.
///
/// # Panics
///
/// `execute` panics when called outside a weft runtime (hyper calls it from the
/// connection it drives, which runs inside one).
///
/// ```
/// use hyper::rt::Executor as _;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = weft::oneshot::channel();
/// weft::hyper::Executor::named("hyper h2 stream").execute(async move {
///     let name = weft::current_task().unwrap().name().unwrap().to_string();
///     let _ = tx.send(name);
/// });
/// assert_eq!(rx.await.unwrap(), "hyper h2 stream");
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct Executor {
    name: Arc<str>,
}

impl Default for Executor {
    fn default() -> Self {
        Executor::named("hyper task")
    }
}

impl Executor {
    /// An executor whose tasks are named `"hyper task"`.
    ///
    /// ```
    /// let _ = weft::hyper::Executor::new();
    /// ```
    pub fn new() -> Executor {
        Executor::default()
    }

    /// An executor whose tasks are all named `name`.
    ///
    /// ```
    /// let _ = weft::hyper::Executor::named("hyper background");
    /// ```
    pub fn named(name: &str) -> Executor {
        Executor { name: Arc::from(name) }
    }
}

impl<F> ::hyper::rt::Executor<F> for Executor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, fut: F) {
        // Dropping the handle detaches the task: hyper never joins what it spawns.
        drop(weft_executor::spawn_named(&self.name, fut));
    }
}

/// `hyper::rt::Timer` over weft's timer wheel ([`weft::time`](crate::time)), and on its
/// clock: a paused test clock ([`time::pause`](crate::time::pause)) drives hyper's
/// timeouts too.
///
/// **What a cancellation does to hyper's sleeps.** A weft [`sleep`](crate::time::sleep)
/// is a checkpoint: cancelling the task that awaits it ends it with `Err(Cancelled)`.
/// hyper's `Sleep` has no error to return (its output is `()`), and hyper reads its end
/// as "the timeout elapsed" (a header read timeout closes the connection, say). So the
/// sleeps this timer makes are **not checkpoints**: they end at their deadline only, and
/// a cancellation of the task sleeping in one stays pending, delivered at the task's next
/// weft checkpoint (the connection's next socket read or write, or whatever the task does
/// next). A cancellation is therefore never swallowed by hyper's timer, and hyper never
/// mistakes one for its timeout firing.
///
/// ```
/// use hyper::rt::Timer as _;
/// use std::time::Duration;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let timer = weft::hyper::Timer;
/// weft::current_task().unwrap().cancel(Some("stop"));
/// let start = weft::time::now();
/// timer.sleep(Duration::from_millis(5)).await; // not cut short by the request
/// assert!(weft::time::now() - start >= Duration::from_millis(5));
/// assert!(weft::cancel::check().is_err(), "the request is still pending");
/// # });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Timer;

impl ::hyper::rt::Timer for Timer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        Box::pin(TimerSleep { inner: crate::time::sleep(duration) })
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        Box::pin(TimerSleep { inner: crate::time::sleep_until(deadline) })
    }

    fn now(&self) -> Instant {
        crate::time::now()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn ::hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<TimerSleep>() {
            // Moved in place: the timer entry stays registered.
            Some(mut s) => s.inner.reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// The `hyper::rt::Sleep` that [`Timer`] makes: a weft [`Sleep`](crate::time::Sleep)
/// polled with [`poll_expired`](crate::time::Sleep::poll_expired), so it is not a
/// checkpoint (see [`Timer`]).
///
/// ```
/// use hyper::rt::Timer as _;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let mut s = weft::hyper::Timer.sleep(std::time::Duration::from_secs(60));
/// assert!(s.as_mut().downcast_mut_pin::<weft::hyper::TimerSleep>().is_some());
/// # });
/// ```
#[derive(Debug)]
pub struct TimerSleep {
    inner: crate::time::Sleep,
}

impl Future for TimerSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().inner.poll_expired(cx)
    }
}

impl ::hyper::rt::Sleep for TimerSleep {}
