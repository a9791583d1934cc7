//! [`Condition`]: asyncio's `Condition`, over a [`Lock`].
//!
//! A condition is a [`WaitList`](crate::waitlist) of notifications next to a lock. `wait`:
//!
//! 1. checks that the lock is held (asyncio's `RuntimeError` becomes
//!    [`ConditionError::NotLocked`]);
//! 2. joins the condition's waiter list, *then* releases the lock. In this order, a
//!    `notify` made by whoever takes the lock next cannot miss it, on any thread;
//! 3. waits for a notification (a checkpoint);
//! 4. re-acquires the lock, always, even when cancelled in 3 or 4. A cancellation that
//!    arrives here is remembered, not returned, and `wait` returns it once the lock is
//!    held again: the caller's `finally` code runs with the lock held, as in asyncio.
//!
//! `notify(n)` hands a notification to the first `n` waiters. A waiter that was notified
//! and then cancelled (before or while re-acquiring the lock) passes its notification to
//! the next waiter, so the wake-up is not lost: that is asyncio's
//! `test_cancelled_wakeup`. A waiter cancelled before it was notified passes nothing on.

use crate::error::{ConditionError, NotLocked};
use crate::lock::Lock;
use crate::permits::{Acquire, AcquireRaw, Sealed};
use crate::sync::Mutex;
use crate::waitlist::{WaitList, WakeList};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use weft_executor::{Cancelled, cancel};

/// A condition variable over a [`Lock`] (asyncio's `Condition`).
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let cond = Arc::new(weft::Condition::new());
/// let ready = Arc::new(AtomicBool::new(false));
/// let consumer = weft::spawn({
///     let (cond, ready) = (cond.clone(), ready.clone());
///     async move {
///         let mut guard = cond.acquire().await?; // async with cond:
///         guard.wait_for(|| ready.load(SeqCst)).await
///     }
/// });
/// weft::yield_now().await?;
/// let _guard = cond.acquire().await?;
/// ready.store(true, SeqCst);
/// cond.notify_all().unwrap();
/// drop(_guard);
/// consumer.await.unwrap().unwrap();
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
pub struct Condition {
    lock: Arc<Lock>,
    waiters: Mutex<WaitList<()>>,
}

impl Condition {
    /// A condition with a lock of its own.
    ///
    /// ```
    /// assert!(!weft::Condition::new().locked());
    /// ```
    pub fn new() -> Self {
        Condition::with_lock(Arc::new(Lock::new()))
    }

    /// A condition over an existing lock (asyncio's `Condition(lock)`).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(weft::Lock::new());
    /// let cond = weft::Condition::with_lock(lock.clone());
    /// let _g = lock.try_acquire().unwrap();
    /// assert!(cond.locked());
    /// ```
    pub fn with_lock(lock: Arc<Lock>) -> Self {
        Condition { lock, waiters: Mutex::new(WaitList::default()) }
    }

    /// The condition's lock.
    ///
    /// ```
    /// let cond = weft::Condition::new();
    /// assert!(!cond.lock().locked());
    /// ```
    pub fn lock(&self) -> &Arc<Lock> {
        &self.lock
    }

    /// Acquires the lock (a checkpoint): asyncio's `async with cond:`. The guard releases
    /// it on drop and offers [`wait`](ConditionGuard::wait) and
    /// [`wait_for`](ConditionGuard::wait_for).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let cond = weft::Condition::new();
    /// let guard = cond.acquire().await?;
    /// assert!(cond.locked());
    /// drop(guard);
    /// assert!(!cond.locked());
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub fn acquire(&self) -> AcquireGuard<'_> {
        AcquireGuard { cond: self, inner: self.lock.acquire() }
    }

    /// asyncio's `await cond.acquire()`: the lock stays held until
    /// [`release`](Condition::release).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let cond = weft::Condition::new();
    /// cond.acquire_raw().await?;
    /// cond.release().unwrap();
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub fn acquire_raw(&self) -> AcquireRaw<'_, Lock> {
        self.lock.acquire_raw()
    }

    /// Releases the lock; an error if it is not locked.
    ///
    /// ```
    /// let cond = weft::Condition::new();
    /// assert!(cond.release().is_err());
    /// ```
    pub fn release(&self) -> Result<(), NotLocked> {
        self.lock.release()
    }

    /// Whether the lock is held.
    ///
    /// ```
    /// assert!(!weft::Condition::new().locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.lock.locked()
    }

    /// asyncio's `await cond.wait()` with the lock taken by `acquire_raw`: releases the
    /// lock, waits for a notification (a checkpoint), and re-acquires the lock before it
    /// returns, also when it returns `Err(ConditionError::Cancelled)`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let cond = Arc::new(weft::Condition::new());
    /// cond.acquire_raw().await?;
    /// let waiter = weft::spawn({
    ///     let cond = cond.clone();
    ///     async move { cond.wait().await }
    /// });
    /// weft::yield_now().await?;
    /// waiter.cancel(None);
    /// assert!(waiter.await.unwrap_err().is_cancelled());
    /// assert!(cond.locked(), "the cancelled wait re-acquired the lock");
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub fn wait(&self) -> Wait<'_> {
        Wait::new(self, None)
    }

    /// asyncio's `await cond.wait_for(predicate)`: returns at once if `predicate()` holds,
    /// else waits (see [`wait`](Condition::wait)) until it holds after a wake-up.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let cond = weft::Condition::new();
    /// cond.wait_for(|| true).await.unwrap(); // no lock needed when it already holds
    /// assert!(cond.wait_for(|| false).await.is_err(), "waiting needs the lock");
    /// # });
    /// ```
    pub async fn wait_for(&self, mut predicate: impl FnMut() -> bool) -> Result<(), ConditionError> {
        while !predicate() {
            self.wait().await?;
        }
        Ok(())
    }

    /// Wakes up to `n` waiting tasks; they return from `wait` once they get the lock,
    /// which the caller must release. An error if the lock is not held.
    ///
    /// ```
    /// let cond = weft::Condition::new();
    /// assert_eq!(cond.notify(1), Err(weft::NotLocked));
    /// let _g = cond.lock().try_acquire().unwrap();
    /// assert_eq!(cond.notify(1), Ok(()));
    /// ```
    pub fn notify(&self, n: usize) -> Result<(), NotLocked> {
        if !self.locked() {
            return Err(NotLocked);
        }
        self.notify_unchecked(n);
        Ok(())
    }

    /// Wakes every waiting task (see [`notify`](Condition::notify)).
    ///
    /// ```
    /// let cond = weft::Condition::new();
    /// assert!(cond.notify_all().is_err());
    /// ```
    pub fn notify_all(&self) -> Result<(), NotLocked> {
        self.notify(usize::MAX)
    }

    /// Tasks waiting for a notification (not yet notified).
    ///
    /// ```
    /// assert_eq!(weft::Condition::new().waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.waiters.lock().waiting()
    }

    pub(crate) fn notify_unchecked(&self, n: usize) {
        let mut wakers = WakeList::new();
        {
            let mut waiters = self.waiters.lock();
            for _ in 0..n {
                if waiters.notify_first((), &mut wakers).is_err() {
                    break;
                }
            }
        }
        wakers.wake_all();
    }
}

impl Default for Condition {
    fn default() -> Self {
        Condition::new()
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition").field("locked", &self.locked()).field("waiters", &self.waiters()).finish()
    }
}

/// Future of [`Condition::acquire`].
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let cond = weft::Condition::new();
/// let fut: weft::condition::AcquireGuard<'_> = cond.acquire();
/// let _guard = fut.await?;
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct AcquireGuard<'a> {
    cond: &'a Condition,
    inner: Acquire<'a, Lock>,
}

impl<'a> Future for AcquireGuard<'a> {
    type Output = Result<ConditionGuard<'a>, Cancelled>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let permit = ready!(Pin::new(&mut this.inner).poll(cx))?;
        permit.forget();
        Poll::Ready(Ok(ConditionGuard { cond: this.cond, held: true }))
    }
}

/// The lock of a [`Condition`], held: released on drop. Waiting through the guard keeps
/// track of the lock even if the waiting future is dropped half-way (by `abort`): the
/// guard then knows it no longer holds the lock and does not release it.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let cond = weft::Condition::new();
/// let guard = cond.acquire().await?;
/// assert!(cond.locked());
/// drop(guard);
/// assert!(!cond.locked());
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct ConditionGuard<'a> {
    cond: &'a Condition,
    held: bool,
}

impl<'a> ConditionGuard<'a> {
    /// A guard for a lock the caller has just taken without one.
    pub(crate) fn from_held(cond: &'a Condition) -> Self {
        ConditionGuard { cond, held: true }
    }

    /// [`Condition::wait`] with this guard's lock.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let cond = weft::Condition::new();
    /// let mut guard = cond.acquire().await?;
    /// weft::current_task().unwrap().cancel(None);
    /// assert!(guard.wait().await.is_err());
    /// assert!(cond.locked(), "held again after the cancelled wait");
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub fn wait(&mut self) -> Wait<'_> {
        let cond = self.cond;
        Wait::new(cond, Some(&mut self.held))
    }

    /// [`Condition::wait_for`] with this guard's lock.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let cond = weft::Condition::new();
    /// let mut guard = cond.acquire().await?;
    /// guard.wait_for(|| true).await.unwrap();
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub async fn wait_for(&mut self, mut predicate: impl FnMut() -> bool) -> Result<(), ConditionError> {
        while !predicate() {
            self.wait().await?;
        }
        Ok(())
    }

    /// [`Condition::notify`]: the guard proves the lock is held.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let cond = weft::Condition::new();
    /// cond.acquire().await?.notify(1);
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub fn notify(&self, n: usize) {
        self.cond.notify_unchecked(n);
    }

    /// [`Condition::notify_all`].
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let cond = weft::Condition::new();
    /// cond.acquire().await?.notify_all();
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub fn notify_all(&self) {
        self.cond.notify_unchecked(usize::MAX);
    }
}

impl Drop for ConditionGuard<'_> {
    fn drop(&mut self) {
        if self.held {
            let _ = self.cond.lock.release();
        }
    }
}

impl fmt::Debug for ConditionGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionGuard").field("held", &self.held).finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Start,
    /// In the condition's waiter list (`key`), lock released.
    Notify,
    /// Notified or cancelled; in the lock's waiter list (`key`) or about to be.
    Relock,
    Done,
}

/// Future of [`Condition::wait`] and [`ConditionGuard::wait`]. See the module docs for its
/// four steps.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let cond = weft::Condition::new();
/// let wait: weft::condition::Wait<'_> = cond.wait();
/// assert_eq!(wait.await, Err(weft::ConditionError::NotLocked));
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<'a> {
    cond: &'a Condition,
    /// The guard's "I hold the lock" flag, when waiting through a guard.
    held: Option<&'a mut bool>,
    phase: Phase,
    key: Option<usize>,
    notified: bool,
    cancelled: Option<Cancelled>,
}

impl<'a> Wait<'a> {
    fn new(cond: &'a Condition, held: Option<&'a mut bool>) -> Self {
        Wait { cond, held, phase: Phase::Start, key: None, notified: false, cancelled: None }
    }

    fn set_held(&mut self, held: bool) {
        if let Some(h) = self.held.as_deref_mut() {
            *h = held;
        }
    }

    /// Leaves the condition's list; remembers a notification that was already handed.
    fn leave_list(&mut self) {
        if let Some(k) = self.key.take() {
            if self.cond.waiters.lock().remove(k).is_some() {
                self.notified = true;
            }
        }
    }
}

impl Future for Wait<'_> {
    type Output = Result<(), ConditionError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match this.phase {
                Phase::Start => {
                    if !this.cond.locked() {
                        this.phase = Phase::Done;
                        return Poll::Ready(Err(ConditionError::NotLocked));
                    }
                    this.key = Some(this.cond.waiters.lock().push(cx.waker()));
                    if this.cond.lock.release().is_err() {
                        // Released by someone else since `locked()`: a raw-API race.
                        this.leave_list();
                        this.phase = Phase::Done;
                        return Poll::Ready(Err(ConditionError::NotLocked));
                    }
                    this.set_held(false);
                    this.phase = Phase::Notify;
                }
                Phase::Notify => {
                    if let Err(c) = cancel::check() {
                        this.leave_list();
                        this.cancelled = Some(c);
                        this.phase = Phase::Relock;
                        continue;
                    }
                    let k = this.key.expect("registered in Start");
                    match this.cond.waiters.lock().poll(k, cx.waker()) {
                        Some(()) => {
                            this.key = None;
                            this.notified = true;
                            this.phase = Phase::Relock;
                        }
                        None => {
                            weft_executor::observe::waiting_on(
                                "condition",
                                weft_executor::observe::WaitDetail::None,
                            );
                            return Poll::Pending;
                        }
                    }
                }
                Phase::Relock => {
                    if let Err(c) = cancel::check() {
                        // asyncio: the most recent cancellation is the one re-raised.
                        this.cancelled = Some(c);
                    }
                    ready!(this.cond.lock.core().poll_acquire(&mut this.key, false, cx));
                    this.set_held(true);
                    this.phase = Phase::Done;
                    return Poll::Ready(match this.cancelled.take() {
                        None => Ok(()),
                        Some(c) => {
                            if this.notified {
                                this.cond.notify_unchecked(1);
                            }
                            Err(ConditionError::Cancelled(c))
                        }
                    });
                }
                Phase::Done => panic!("condition Wait polled after it completed"),
            }
        }
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        match self.phase {
            Phase::Notify => self.leave_list(),
            Phase::Relock => self.cond.lock.core().abandon(&mut self.key),
            Phase::Start | Phase::Done => return,
        }
        // Dropped half-way (abort): the lock is not held; a notification must not be lost.
        if self.notified {
            self.cond.notify_unchecked(1);
        }
    }
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait").field("phase", &self.phase).field("notified", &self.notified).finish()
    }
}
