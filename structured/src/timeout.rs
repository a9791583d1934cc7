//! asyncio's `timeout`, `timeout_at` and `wait_for`, with CPython 3.13's counting.
//!
//! A timeout does not cancel anything by itself: when its deadline passes while the body
//! is waiting, it calls `cancel()` on the task that runs it (asyncio's `Task.cancel`),
//! exactly once, and notes that it did. As in asyncio, that call is made by a timer
//! callback ([`weft::time::Timer`](weft_executor::time::Timer), asyncio's `call_at`), in
//! deadline order among the timers due in the same turn: the task is then woken like the
//! task of any other timer due then, and the body's cleanup runs in its next step, before
//! the task of a later timer resumes. The body sees `Err(Cancelled)` at its checkpoint
//! and propagates it with `?`. When the body ends, the timeout calls `uncancel()`: if no
//! other cancel request is left over from *after* the timeout was entered, the
//! cancellation was the timeout's own, and it becomes a [`TimeoutError`]. Otherwise
//! someone else also cancelled the task, and the cancellation propagates: an outside
//! cancellation is never mistaken for a timeout, and nested timeouts report at the one
//! that fired.
//!
//! ```text
//!  created ──run()──▶ entered ──deadline passes──▶ expiring ──body ends──▶ expired
//!                        │                                                 (TimeoutError if the
//!                        └──────────────body ends──────────────▶ finished    body was cancelled)
//! ```
//!
//! The body's output is a `Result<T, E>` whose error type can hold a timeout
//! (`E: From<TimeoutError>`): [`Interrupted`], a ready-made one for bodies whose only
//! error is a cancellation, your own enum, `Box<dyn Error + Send + Sync>` or
//! `anyhow::Error`. Whether the body's `Err` is the cancellation is decided as
//! everywhere in weft, by the rule of [`weft::cancel::outcome`](weft_executor::cancel::outcome):
//! your error type needs no `source()` for it.
//!
//! ```
//! use std::time::Duration;
//! use weft::{timeout, Interrupted};
//! # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
//! let r = timeout(Duration::from_millis(10), async {
//!     weft::time::sleep(Duration::from_secs(60)).await?;
//!     Ok::<_, Interrupted>("slept")
//! })
//! .await;
//! assert!(matches!(r, Err(Interrupted::TimedOut(_))));
//! # });
//! ```

use parking_lot::Mutex;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};
use weft_executor::cancel::Watch;
use weft_executor::time::{InvalidDuration, Timer};
use weft_executor::{Cancelled, TaskRef};

/// The deadline of a timeout passed while its body was waiting: asyncio's `TimeoutError`.
///
/// ```
/// let e = weft::TimeoutError;
/// assert_eq!(e.to_string(), "deadline exceeded");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeoutError;

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline exceeded")
    }
}

impl Error for TimeoutError {}

/// The error of a body that can only be cancelled or time out: what most timeout
/// bodies return. `?` converts a [`Cancelled`] into it.
///
/// ```
/// use weft::{Interrupted, TimeoutError};
/// let e: Interrupted = weft::Cancelled::new(None).into();
/// assert!(e.is_cancelled());
/// assert!(Interrupted::from(TimeoutError).is_timeout());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Interrupted {
    /// The task was cancelled (not by this timeout).
    Cancelled(Cancelled),
    /// The deadline passed.
    TimedOut(TimeoutError),
}

impl Interrupted {
    /// Whether this is a cancellation.
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::{timeout, Interrupted};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let t = weft::spawn(async {
    ///     let r = timeout(Duration::from_secs(60), async {
    ///         weft::time::sleep(Duration::from_secs(60)).await?;
    ///         Ok::<_, Interrupted>(())
    ///     })
    ///     .await;
    ///     r.unwrap_err().is_cancelled()
    /// });
    /// weft::yield_now().await.unwrap();
    /// t.cancel(None); // a cancellation from outside is not the timeout's
    /// assert!(t.await.unwrap());
    /// # });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Interrupted::Cancelled(_))
    }
    /// Whether this is a timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::{timeout, Interrupted};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let r = timeout(Duration::from_millis(1), async {
    ///     weft::time::sleep(Duration::from_secs(60)).await?;
    ///     Ok::<_, Interrupted>(())
    /// })
    /// .await;
    /// let e = r.unwrap_err();
    /// assert!(e.is_timeout() && !e.is_cancelled());
    /// # });
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Interrupted::TimedOut(_))
    }
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interrupted::Cancelled(c) => c.fmt(f),
            Interrupted::TimedOut(t) => t.fmt(f),
        }
    }
}

impl Error for Interrupted {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Interrupted::Cancelled(c) => Some(c),
            Interrupted::TimedOut(t) => Some(t),
        }
    }
}

impl From<Cancelled> for Interrupted {
    fn from(c: Cancelled) -> Self {
        Interrupted::Cancelled(c)
    }
}

impl From<TimeoutError> for Interrupted {
    fn from(t: TimeoutError) -> Self {
        Interrupted::TimedOut(t)
    }
}

/// A [`Timeout`] used in a state that does not allow it: asyncio's `RuntimeError`s.
///
/// ```
/// let t = weft::Timeout::after(None);
/// assert_eq!(t.reschedule(None), Err(weft::TimeoutStateError::NotEntered));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutStateError {
    /// `reschedule` before the timeout was entered.
    NotEntered,
    /// `run` on a timeout that was already entered.
    AlreadyEntered,
    /// `reschedule` after the deadline passed (the body is being cancelled).
    Expiring,
    /// `reschedule` after the timeout expired and its body ended.
    Expired,
    /// `reschedule` after the body ended in time.
    Finished,
}

impl fmt::Display for TimeoutStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutStateError::NotEntered => "the timeout has not been entered",
            TimeoutStateError::AlreadyEntered => "the timeout has already been entered; create a new one",
            TimeoutStateError::Expiring => "cannot change the deadline of an expiring timeout",
            TimeoutStateError::Expired => "cannot change the deadline of an expired timeout",
            TimeoutStateError::Finished => "cannot change the deadline of a finished timeout",
        })
    }
}

impl Error for TimeoutStateError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Created,
    Entered,
    Expiring,
    Expired,
    Exited,
}

struct Shared {
    state: State,
    /// `run` was called (a timeout is entered once); `state` leaves `Created` at the
    /// first poll, inside the task.
    claimed: bool,
    when: Option<Instant>,
    /// The task running the body (set when the body first waits).
    task: Option<TaskRef>,
    /// `task.cancelling()` when the timeout was entered.
    cancelling: u32,
}

impl Shared {
    fn new(when: Option<Instant>) -> Shared {
        Shared { state: State::Created, claimed: false, when, task: None, cancelling: 0 }
    }

    /// asyncio's `_on_timeout`: one cancel request on the task running the body.
    fn fire(&mut self) {
        self.state = State::Expiring;
        if let Some(t) = &self.task {
            t.cancel(None);
        }
    }
}

/// The deadline's callback (asyncio's `_timeout_handler`): set once the body waits with
/// its deadline ahead, so it only exists beside the shared state (`Core`), never in the
/// state a ready body keeps inline.
#[derive(Default)]
struct Alarm {
    timer: Option<Timer>,
    /// The deadline `timer` fires at.
    armed: Option<Instant>,
    /// A timer this alarm let go of may still call it: one that fired while it was being
    /// moved, or one cancelled after it fired. Until then every call comes from `timer`
    /// at `armed`, and the callback need not read the clock to know that it is due.
    stale: bool,
}

impl Alarm {
    /// Cancels the callback.
    fn disarm(&mut self) {
        self.armed = None;
        if let Some(t) = self.timer.take() {
            t.cancel();
            self.stale = true; // it may have fired already, its call still on its way
        }
    }
}

/// A timeout's state when a handle or a timer shares it, and the callback of its
/// deadline's timer.
struct Core {
    locked: Mutex<Locked>,
}

struct Locked {
    s: Shared,
    alarm: Alarm,
}

impl Core {
    fn new(s: Shared) -> Arc<Core> {
        Arc::new(Core { locked: Mutex::new(Locked { s, alarm: Alarm::default() }) })
    }

    /// Sets the deadline's callback for `when` (asyncio's `call_at(when, _on_timeout)`):
    /// moves the timer if there is one, registers it otherwise. `now` is the clock as the
    /// caller just read it to see that `when` is ahead.
    fn arm(self: &Arc<Self>, when: Instant, now: Instant) {
        let mut l = self.locked.lock();
        let Locked { s, alarm } = &mut *l;
        if s.state != State::Entered || s.when != Some(when) || alarm.armed == Some(when) {
            return;
        }
        if let Some(t) = &alarm.timer {
            if t.reset(when) {
                alarm.armed = Some(when);
                return;
            }
            alarm.timer = None; // it fired for the old deadline: its call is ignored
            alarm.stale = true;
        }
        alarm.timer = Timer::register_seen(when, now, Waker::from(self.clone()));
        alarm.armed = alarm.timer.is_some().then_some(when);
    }
}

/// The timer's callback: asyncio's `_on_timeout`, in the turn the deadline is due.
impl Wake for Core {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut l = self.locked.lock();
        let Locked { s, alarm } = &mut *l;
        let due = s.state == State::Entered
            && alarm.armed.is_some()
            && alarm.armed == s.when
            // A timer that fired for a deadline since moved later (its `reset` came too
            // late) is ignored, as asyncio cancels the old handle. Only a let-go timer
            // can call for a deadline that is not due.
            && (!alarm.stale || s.when.is_some_and(|w| weft_executor::time::now() >= w));
        if due {
            *alarm = Alarm { stale: alarm.stale, ..Alarm::default() }; // it fired
            // Under the lock, so that the body's exit sees the request counted (it takes
            // it back with `uncancel`). `cancel` only schedules the task: it takes no lock
            // of this timeout's.
            s.fire();
        }
    }
}

/// asyncio's `Timeout` object: a deadline for a block of code, which can be read and
/// moved from inside it. Cloning gives another handle to the same timeout.
///
/// [`timeout`] and [`timeout_at`] cover the usual case; make a `Timeout` when the body
/// needs to reschedule its own deadline.
///
/// ```
/// use std::time::{Duration, Instant};
/// use weft::{Interrupted, Timeout};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let cm = Timeout::after(Some(Duration::from_millis(10)));
/// let inside = cm.clone();
/// let r = cm.run(async move {
///     // Plenty of work arrived: give the block more time.
///     inside.reschedule(Some(Instant::now() + Duration::from_secs(5))).unwrap();
///     weft::time::sleep(Duration::from_millis(30)).await?;
///     Ok::<_, Interrupted>(1)
/// }).unwrap().await;
/// assert_eq!(r, Ok(1));
/// assert!(!cm.expired());
/// # });
/// ```
#[derive(Clone)]
pub struct Timeout {
    core: Arc<Core>,
}

impl fmt::Debug for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = self.core.locked.lock();
        let s = &l.s;
        f.debug_struct("Timeout").field("state", &s.state).field("when", &s.when).finish()
    }
}

impl Timeout {
    /// A timeout with an absolute deadline (`None`: never), not yet entered.
    ///
    /// ```
    /// let t = weft::Timeout::at(None);
    /// assert_eq!(t.when(), None);
    /// ```
    pub fn at(when: Option<Instant>) -> Timeout {
        Timeout { core: Core::new(Shared::new(when)) }
    }

    /// A timeout `delay` from now (`None`: never).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let t = weft::Timeout::after(Some(Duration::from_secs(1)));
    /// assert!(t.when().unwrap() > Instant::now());
    /// ```
    pub fn after(delay: Option<Duration>) -> Timeout {
        Timeout::at(delay.map(deadline_after))
    }

    /// A timeout `seconds` from now, given as asyncio does; negative or NaN seconds are
    /// refused.
    ///
    /// ```
    /// assert!(weft::Timeout::after_secs(0.5).is_ok());
    /// assert!(weft::Timeout::after_secs(-1.0).is_err());
    /// assert!(weft::Timeout::after_secs(f64::NAN).is_err());
    /// ```
    pub fn after_secs(seconds: f64) -> Result<Timeout, InvalidDuration> {
        weft_executor::time::secs(seconds).map(|d| Timeout::after(Some(d)))
    }

    /// The current deadline.
    ///
    /// ```
    /// assert_eq!(weft::Timeout::at(None).when(), None);
    /// ```
    pub fn when(&self) -> Option<Instant> {
        self.core.locked.lock().s.when
    }

    /// Whether the deadline passed while the body was running (asyncio's `expired()`).
    ///
    /// ```
    /// assert!(!weft::Timeout::at(None).expired());
    /// ```
    pub fn expired(&self) -> bool {
        matches!(self.core.locked.lock().s.state, State::Expiring | State::Expired)
    }

    /// Moves the deadline (`None` disables it). A deadline that already passed fires at
    /// the body's next wait. Only an entered, running timeout can be rescheduled.
    ///
    /// ```
    /// use weft::{Timeout, TimeoutStateError};
    /// let t = Timeout::at(None);
    /// assert_eq!(t.reschedule(None), Err(TimeoutStateError::NotEntered));
    /// ```
    pub fn reschedule(&self, when: Option<Instant>) -> Result<(), TimeoutStateError> {
        let mut l = self.core.locked.lock();
        let Locked { s, alarm } = &mut *l;
        match s.state {
            State::Entered => {}
            State::Created => return Err(TimeoutStateError::NotEntered),
            State::Expiring => return Err(TimeoutStateError::Expiring),
            State::Expired => return Err(TimeoutStateError::Expired),
            State::Exited => return Err(TimeoutStateError::Finished),
        }
        s.when = when;
        // From the body's own task (or before the body first waited), the running future
        // sets the timer after the body's step, as asyncio's `reschedule` does from
        // inside the block. From anywhere else, the timer is moved now.
        let elsewhere = s.task.as_ref().is_some_and(|t| weft_executor::current_task().as_ref() != Some(t));
        match when {
            _ if !elsewhere => {}
            None => alarm.disarm(),
            Some(w) => {
                drop(l);
                self.core.arm(w, weft_executor::time::now());
            }
        }
        Ok(())
    }

    /// Enters the timeout around `body` (asyncio's `async with cm:`). A timeout is
    /// entered once.
    ///
    /// ```
    /// use weft::{Interrupted, Timeout, TimeoutStateError};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let cm = Timeout::at(None);
    /// cm.run(async { Ok::<_, Interrupted>(()) }).unwrap().await.unwrap();
    /// let again = cm.run(async { Ok::<_, Interrupted>(()) });
    /// assert_eq!(again.err(), Some(TimeoutStateError::AlreadyEntered));
    /// # });
    /// ```
    pub fn run<F, T, E>(&self, body: F) -> Result<TimeoutFuture<F>, TimeoutStateError>
    where
        F: Future<Output = Result<T, E>>,
        E: From<TimeoutError>,
    {
        let mut l = self.core.locked.lock();
        let s = &mut l.s;
        if s.claimed {
            return Err(TimeoutStateError::AlreadyEntered);
        }
        s.claimed = true;
        drop(l);
        Ok(TimeoutFuture {
            body,
            shared: Some(self.clone()),
            inline: Shared::new(None),
            started: false,
            watch: None,
        })
    }
}

#[inline]
fn deadline_after(delay: Duration) -> Instant {
    let now = weft_executor::time::now();
    now.checked_add(delay).unwrap_or_else(|| now + Duration::from_secs(86400 * 365 * 30))
}

/// asyncio's `async with asyncio.timeout(delay): body`: runs `body`; if `delay` passes
/// while it waits, cancels it and returns `TimeoutError` (converted into the body's
/// error type).
///
/// # Panics
///
/// When polled outside a weft task (asyncio: "Timeout should be used inside a task").
///
/// ```
/// use std::time::Duration;
/// use weft::{timeout, Interrupted};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let fast = timeout(Duration::from_secs(5), async { Ok::<_, Interrupted>(7) }).await;
/// assert_eq!(fast, Ok(7));
/// # });
/// ```
pub fn timeout<F, T, E>(delay: Duration, body: F) -> TimeoutFuture<F>
where
    F: Future<Output = Result<T, E>>,
    E: From<TimeoutError>,
{
    timeout_at(deadline_after(delay), body)
}

/// [`timeout`] with an absolute deadline (asyncio's `timeout_at`).
///
/// ```
/// use std::time::{Duration, Instant};
/// use weft::{timeout_at, Interrupted};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let r = timeout_at(Instant::now(), async {
///     weft::yield_now().await?;
///     Ok::<_, Interrupted>(())
/// }).await;
/// assert!(r.unwrap_err().is_timeout());
/// # });
/// ```
pub fn timeout_at<F, T, E>(deadline: Instant, body: F) -> TimeoutFuture<F>
where
    F: Future<Output = Result<T, E>>,
    E: From<TimeoutError>,
{
    let mut inline = Shared::new(Some(deadline));
    inline.claimed = true;
    TimeoutFuture { body, shared: None, inline, started: false, watch: None }
}

/// asyncio's `wait_for(aw, timeout)` (CPython 3.13): [`timeout`] around `fut`, except
/// for a zero delay. Then, as CPython does with a coroutine (it wraps it in a task and
/// cancels the task before it ever runs), `fut` is never started, and the result is
/// `Err(TimeoutError)` at once.
///
/// To wait for a spawned [`Task`](weft_executor::Task) and cancel it when the time is
/// up (asyncio's behaviour for tasks), wrap it in [`await_task`](fn@crate::await_task).
///
/// ```
/// use std::time::Duration;
/// use weft::{await_task, wait_for, Interrupted};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let task = weft::spawn(async {
///     weft::time::sleep(Duration::from_secs(60)).await
/// });
/// let probe = task.task_ref();
/// let r = wait_for(
///     async {
///         match await_task(task).await {
///             Ok(v) => Ok(v),
///             Err(e) => Err(Interrupted::Cancelled(e.as_cancelled().cloned().unwrap())),
///         }
///     },
///     Duration::from_millis(10),
/// )
/// .await;
/// assert!(r.unwrap_err().is_timeout());
/// assert!(probe.is_finished() && probe.is_cancelled());
///
/// // A zero delay: the body never starts.
/// let mut started = false;
/// let r = wait_for(async { started = true; Ok::<_, Interrupted>(()) }, Duration::ZERO).await;
/// assert!(r.unwrap_err().is_timeout() && !started);
/// # });
/// ```
pub fn wait_for<F, T, E>(fut: F, delay: Duration) -> WaitFor<F>
where
    F: Future<Output = Result<T, E>>,
    E: From<TimeoutError>,
{
    WaitFor { at_once: delay.is_zero(), timeout: timeout(delay, fut) }
}

/// [`wait_for`] with the delay in seconds, as asyncio takes it; negative or NaN
/// seconds are refused. asyncio treats a negative delay as zero; weft treats it as the
/// caller's mistake (a deliberate difference). `0.0` times out at once, without starting
/// `fut`.
///
/// ```
/// use weft::{wait_for_secs, Interrupted};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// assert!(wait_for_secs(async { Ok::<_, Interrupted>(()) }, -1.0).is_err());
/// assert_eq!(wait_for_secs(async { Ok::<_, Interrupted>(3) }, 1.0).unwrap().await, Ok(3));
/// # });
/// ```
pub fn wait_for_secs<F, T, E>(fut: F, seconds: f64) -> Result<WaitFor<F>, InvalidDuration>
where
    F: Future<Output = Result<T, E>>,
    E: From<TimeoutError>,
{
    weft_executor::time::secs(seconds).map(|d| wait_for(fut, d))
}

/// The future of [`wait_for`].
///
/// ```
/// use std::time::Duration;
/// use weft::{wait_for, WaitFor};
/// // The body's error type may be your own: it needs `From<TimeoutError>`.
/// #[derive(Debug)]
/// enum FetchError { TimedOut, Cancelled(weft::Cancelled) }
/// impl From<weft::TimeoutError> for FetchError {
///     fn from(_: weft::TimeoutError) -> Self { FetchError::TimedOut }
/// }
/// impl From<weft::Cancelled> for FetchError {
///     fn from(c: weft::Cancelled) -> Self { FetchError::Cancelled(c) }
/// }
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let fetch: WaitFor<_> = wait_for(async {
///     weft::time::sleep(Duration::from_secs(60)).await?;
///     Ok::<_, FetchError>("page")
/// }, Duration::from_millis(10));
/// assert!(matches!(fetch.await, Err(FetchError::TimedOut)));
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct WaitFor<F> {
    /// A zero delay: time out without starting the body.
    at_once: bool,
    timeout: TimeoutFuture<F>,
}

impl<F, T, E> Future for WaitFor<F>
where
    F: Future<Output = Result<T, E>>,
    E: From<TimeoutError>,
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.at_once {
            return Poll::Ready(Err(E::from(TimeoutError)));
        }
        // SAFETY: `timeout` is structurally pinned: never moved out of `self`.
        unsafe { self.map_unchecked_mut(|s| &mut s.timeout) }.poll(cx)
    }
}

/// The future of a timeout around a body; see [`timeout`].
///
/// ```
/// use std::time::Duration;
/// use weft::{timeout, Interrupted, TimeoutFuture};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let fut: TimeoutFuture<_> = timeout(Duration::from_secs(5), async {
///     weft::yield_now().await?;
///     Ok::<_, Interrupted>("in time")
/// });
/// let task = weft::spawn(fut); // a future like any other: it can be spawned
/// assert_eq!(task.await.unwrap(), Ok("in time"));
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct TimeoutFuture<F> {
    body: F,
    /// The shared state, when a [`Timeout`] handle exists; otherwise `inline` is the
    /// state (the common `timeout(d, fut)` allocates nothing until it must wait).
    shared: Option<Timeout>,
    inline: Shared,
    started: bool,
    /// The task as the timeout found it on entry (the rule's mark, asyncio's recorded
    /// `cancelling()`), taken at the first poll.
    watch: Option<Watch>,
}

impl<F> fmt::Debug for TimeoutFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeoutFuture").field("shared", &self.shared).finish()
    }
}

impl<F> TimeoutFuture<F> {
    /// The timeout's handle (to reschedule it or ask whether it expired). Take it
    /// before awaiting the future.
    ///
    /// ```
    /// use weft::{timeout, Interrupted};
    /// let mut f = timeout(std::time::Duration::from_secs(1), async { Ok::<_, Interrupted>(()) });
    /// assert!(!f.handle().expired());
    /// ```
    pub fn handle(&mut self) -> Timeout {
        if self.shared.is_none() {
            let state = std::mem::replace(&mut self.inline, Shared::new(None));
            self.shared = Some(Timeout { core: Core::new(state) });
        }
        self.shared.clone().expect("just made")
    }

    fn with_state<R>(&mut self, f: impl FnOnce(&mut Shared) -> R) -> R {
        self.with_alarm(|s, _| f(s))
    }

    /// [`with_state`](Self::with_state) with the deadline's callback, if the state is
    /// shared (only then can there be one).
    fn with_alarm<R>(&mut self, f: impl FnOnce(&mut Shared, Option<&mut Alarm>) -> R) -> R {
        match &self.shared {
            Some(t) => {
                let mut l = t.core.locked.lock();
                let Locked { s, alarm } = &mut *l;
                f(s, Some(alarm))
            }
            None => f(&mut self.inline, None),
        }
    }
}

impl<F, T, E> Future for TimeoutFuture<F>
where
    F: Future<Output = Result<T, E>>,
    E: From<TimeoutError>,
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `body` is structurally pinned (never moved out of `self`); the other
        // fields are not pinned and are only used through `&mut`.
        let this = unsafe { self.get_unchecked_mut() };
        if !this.started {
            this.started = true;
            // asyncio's __aenter__ records the task's cancel count; the task itself is
            // only needed once the body waits (a ready body never touches it).
            let watch = weft_executor::cancel::watch();
            this.watch = Some(watch);
            let cancelling = watch.cancelling().expect(
                "weft: a timeout must be awaited inside a weft task: spawn it with weft::spawn, or await it \
                 in the future given to weft::run or Runtime::block_on",
            );
            this.with_state(|s| {
                s.cancelling = cancelling;
                s.state = State::Entered;
            });
        }
        // SAFETY: see above.
        let body = unsafe { Pin::new_unchecked(&mut this.body) };
        match body.poll(cx) {
            Poll::Ready(out) => Poll::Ready(this.exit(out)),
            Poll::Pending => {
                this.after_wait();
                Poll::Pending
            }
        }
    }
}

impl<F> TimeoutFuture<F> {
    /// The body waits: make sure the deadline will act. A deadline ahead gets its timer
    /// callback (which cancels the task when it fires); one already passed cancels the
    /// task now, after the body's step, as asyncio's `call_soon(_on_timeout)` for a
    /// deadline in the past: a body that finishes without waiting is never cancelled.
    fn after_wait(&mut self) {
        let arm = self.with_alarm(|s, alarm| {
            if s.state != State::Entered {
                return None;
            }
            if s.task.is_none() {
                s.task = weft_executor::current_task();
            }
            if let Some(w) = s.when {
                if alarm.as_ref().is_some_and(|a| a.armed == Some(w)) {
                    return None;
                }
                // One reading of the clock both tells that the deadline is ahead and
                // measures the timer's slack.
                let now = weft_executor::time::now();
                if now < w {
                    return Some((w, now));
                }
            }
            // No deadline, or one already passed.
            if let Some(a) = alarm {
                a.disarm();
            }
            if s.when.is_some() {
                s.fire();
            }
            None
        });
        if let Some((w, now)) = arm {
            // The timer's callback reaches the state through a shared allocation: the
            // first wait with a deadline ahead makes it (a body that never waits makes none).
            self.handle().core.arm(w, now);
        }
    }

    fn exit<T, E>(&mut self, out: Result<T, E>) -> Result<T, E>
    where
        E: From<TimeoutError>,
    {
        let ours = self.with_alarm(|s, alarm| {
            if let Some(a) = alarm {
                a.disarm();
            }
            match s.state {
                State::Expiring => {
                    s.state = State::Expired;
                    let task = s.task.as_ref().expect("entered");
                    // No cancel request left from after entry: the cancellation is ours.
                    task.uncancel() <= s.cancelling
                }
                State::Entered => {
                    s.state = State::Exited;
                    false
                }
                _ => false,
            }
        });
        match out {
            // The one rule: the body's error propagates a cancellation delivered while it
            // ran, whatever type carries it.
            Err(e) if ours && self.watch.is_some_and(|w| w.is_propagating()) => {
                drop(e);
                Err(E::from(TimeoutError))
            }
            out => out,
        }
    }
}

impl<F> Drop for TimeoutFuture<F> {
    #[inline]
    fn drop(&mut self) {
        // A body that finished without waiting, or a timeout never polled, leaves
        // nothing to undo: nothing shares its state, and it made no cancel request
        // (that takes a wait). Kept inline, so that this case costs a compare.
        if self.shared.is_none() && self.inline.state != State::Expiring {
            return;
        }
        self.drop_slow();
    }
}

impl<F> TimeoutFuture<F> {
    /// Dropped mid-way after firing: take back the request, or the task would see a
    /// cancellation nobody is left to turn into a timeout; and cancel the deadline's
    /// callback.
    #[cold]
    #[inline(never)]
    fn drop_slow(&mut self) {
        if self.shared.is_none() {
            // Nothing shares the state and no timer was set: only the request it made
            // is left to take back.
            if let Some(t) = &self.inline.task {
                t.uncancel();
            }
            return;
        }
        let started = self.started;
        self.with_alarm(|s, alarm| {
            if let Some(a) = alarm {
                a.disarm();
            }
            if s.state == State::Expiring {
                s.state = State::Expired;
                if let Some(t) = &s.task {
                    t.uncancel();
                }
            } else if s.state == State::Entered && started {
                s.state = State::Exited;
            }
            // The task reference is not needed any more.
            s.task = None;
        });
    }
}
