//! The permit core shared by [`Lock`](crate::Lock), [`Semaphore`](crate::Semaphore) and
//! [`BoundedSemaphore`](crate::BoundedSemaphore), and the acquire futures and guards that
//! all three return.
//!
//! A lock is a semaphore with one permit that refuses to go above one; a bounded semaphore
//! is a semaphore that refuses to go above its initial value. So there is one state
//! machine, [`PermitCore`], with a count of free permits, a bound, and a
//! [`WaitList`](crate::waitlist) of acquirers:
//!
//! - **acquire**, fast path: take a permit if one is free *and* nobody is ahead (no one
//!   waiting, no one handed a permit that has not run yet). The second condition is
//!   asyncio's FIFO rule: a newcomer never overtakes a task that was woken but has not
//!   run. Otherwise push a waiter slot.
//! - **release**: one more free permit, then hand free permits to waiters in order
//!   (`distribute`): the permit moves straight into the waiter's slot, so it cannot be
//!   taken by anyone else in between.
//! - **a waiter collects** its permit: `handed - 1`, then `distribute` again (permits
//!   released while it was on its way may be waiting for the tasks queued behind it;
//!   CPython's `acquire` does the same in its `finally`).
//! - **a waiter gives up** (cancelled or dropped): if it had been handed a permit, the
//!   permit comes back and is distributed to the next waiter. This is what makes a
//!   cancellation after the hand-off safe.
//!
//! State, all under one mutex: `permits` (free), `handed` (in slots, not yet collected),
//! `bound` (the most `permits + handed` may reach: 1 for a lock), the waiters.
//!
//! **Release is checked against the permits held**, `bound - permits - handed`: a permit
//! handed to a waiter that has not run yet is no longer the releaser's. (Checking only
//! `permits < bound`, as CPython's `BoundedSemaphore` does, lets a second `release()`
//! succeed while the first one's permit is in flight, and a lock then has two holders.)

use crate::sync::Mutex;
use crate::waitlist::{WaitList, WakeList};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use weft_executor::{Cancelled, cancel, coop};

/// Permit bookkeeping and the acquirers' waiter list. See the module docs.
///
/// Every [`Lock`](crate::Lock), [`Semaphore`](crate::Semaphore) and
/// [`BoundedSemaphore`](crate::BoundedSemaphore) holds one. Its release rule, seen
/// through a lock: a permit handed to a waiter is that waiter's, even before it runs.
///
/// ```
/// use std::sync::Arc;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let lock = Arc::new(weft::Lock::new());
/// lock.acquire_raw().await?;
/// let other = lock.clone();
/// let waiter = weft::spawn(async move { other.acquire_raw().await });
/// weft::yield_now().await?; // the waiter queues
/// lock.release().unwrap(); // the permit goes straight to the waiter...
/// assert!(lock.release().is_err(), "...so a second release finds nothing held");
/// waiter.await.unwrap()?;
/// assert!(lock.locked());
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
pub struct PermitCore {
    state: Mutex<State>,
}

struct State {
    permits: usize,
    bound: usize,
    handed: usize,
    waiters: WaitList<()>,
}

/// `release` would take the free permits above the bound.
#[derive(Debug)]
pub(crate) struct AtBound;

impl State {
    fn locked(&self) -> bool {
        self.permits == 0 || self.waiters.waiting() > 0 || self.handed > 0
    }

    /// Permits that a task holds: neither free nor on their way to a waiter. A release
    /// with none held is refused. A permit handed to a waiter that has not run yet is
    /// already that waiter's, so it counts as not held: releasing it a second time would
    /// make one permit two (a lock with two holders).
    fn held(&self) -> usize {
        self.bound.saturating_sub(self.permits.saturating_add(self.handed))
    }

    /// Hands free permits to waiters, first come first served.
    #[inline]
    fn distribute(&mut self, wakers: &mut WakeList) {
        if self.waiters.waiting() == 0 {
            return; // the usual case, kept to one compare
        }
        while self.permits > 0 && self.waiters.notify_first((), wakers).is_ok() {
            self.permits -= 1;
            self.handed += 1;
        }
    }
}

impl PermitCore {
    pub(crate) fn new(permits: usize, bound: usize) -> Self {
        let state = State { permits, bound, handed: 0, waiters: WaitList::default() };
        PermitCore { state: Mutex::new(state) }
    }

    /// Whether an acquire would have to wait (asyncio's `locked()`).
    pub(crate) fn locked(&self) -> bool {
        self.state.lock().locked()
    }

    /// Free permits (asyncio's `_value`).
    pub(crate) fn available(&self) -> usize {
        self.state.lock().permits
    }

    /// Tasks queued in acquire and not yet handed a permit.
    pub(crate) fn waiting(&self) -> usize {
        self.state.lock().waiters.waiting()
    }

    pub(crate) fn try_acquire(&self) -> bool {
        let mut st = self.state.lock();
        if st.locked() {
            return false;
        }
        st.permits -= 1;
        true
    }

    /// Returns a permit; fails, changing nothing, if no permit is held (`State::held`).
    pub(crate) fn release(&self) -> Result<(), AtBound> {
        let mut st = self.state.lock();
        if st.held() == 0 {
            return Err(AtBound);
        }
        st.permits += 1;
        if st.waiters.waiting() == 0 {
            return Ok(()); // nobody to hand it to: the usual case
        }
        let mut wakers = WakeList::new();
        st.distribute(&mut wakers);
        drop(st);
        wakers.wake_all();
        Ok(())
    }

    /// One poll of an acquire that is not a checkpoint by itself (the callers make the
    /// check). `key` is the waiter slot, registered on the first poll that has to wait.
    ///
    /// `no_budget`: the task has spent its cooperative budget. An acquire that would take
    /// a free permit then takes nothing and yields instead (wakes its task and returns
    /// `Pending`); one that has to wait registers as it always does, since it returns
    /// `Pending` anyway (see `queue/futures.rs` for why a wait must not turn into a yield).
    #[inline]
    pub(crate) fn poll_acquire(
        &self,
        key: &mut Option<usize>,
        no_budget: bool,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        if key.is_none() && !no_budget {
            // The first poll of an acquire: a free permit is taken at once (the usual
            // case, with nothing to wake), else the acquirer queues under the same lock.
            let mut st = self.state.lock();
            if !st.locked() {
                st.permits -= 1;
                return Poll::Ready(());
            }
            *key = Some(st.waiters.push(cx.waker()));
            drop(st);
            weft_executor::observe::waiting_on("lock/semaphore", weft_executor::observe::WaitDetail::None);
            return Poll::Pending;
        }
        self.poll_acquire_slow(key, no_budget, cx)
    }

    /// [`poll_acquire`](Self::poll_acquire) for a waiter already queued, or for a task
    /// out of budget.
    fn poll_acquire_slow(&self, key: &mut Option<usize>, no_budget: bool, cx: &mut Context<'_>) -> Poll<()> {
        let mut wakers = WakeList::new();
        let mut yields = false;
        let ready = {
            let mut st = self.state.lock();
            match *key {
                None if !st.locked() && no_budget => {
                    yields = true;
                    false
                }
                None if !st.locked() => {
                    st.permits -= 1;
                    true
                }
                None => {
                    *key = Some(st.waiters.push(cx.waker()));
                    false
                }
                Some(k) => match st.waiters.poll(k, cx.waker()) {
                    Some(()) => {
                        *key = None;
                        st.handed -= 1;
                        st.distribute(&mut wakers);
                        true
                    }
                    None => false,
                },
            }
        };
        wakers.wake_all();
        if ready {
            Poll::Ready(())
        } else if yields {
            cx.waker().wake_by_ref();
            Poll::Pending
        } else {
            weft_executor::observe::waiting_on("lock/semaphore", weft_executor::observe::WaitDetail::None);
            Poll::Pending
        }
    }

    /// The acquirer with slot `key` gives up; a permit it was handed goes to the next.
    /// An acquire that never waited (or was handed its permit) has no slot: nothing to do,
    /// and that check is kept inline.
    #[inline]
    pub(crate) fn abandon(&self, key: &mut Option<usize>) {
        if let Some(k) = key.take() {
            self.abandon_slot(k);
        }
    }

    #[cold]
    #[inline(never)]
    fn abandon_slot(&self, k: usize) {
        let mut wakers = WakeList::new();
        {
            let mut st = self.state.lock();
            if st.waiters.remove(k).is_some() {
                st.handed -= 1;
                st.permits += 1;
            }
            st.distribute(&mut wakers);
        }
        wakers.wake_all();
    }
}

impl fmt::Debug for PermitCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.lock();
        f.debug_struct("PermitCore")
            .field("permits", &st.permits)
            .field("waiting", &st.waiters.waiting())
            .field("handed", &st.handed)
            .finish()
    }
}

mod sealed {
    /// Implemented by [`Lock`](crate::Lock), [`Semaphore`](crate::Semaphore) and
    /// [`BoundedSemaphore`](crate::BoundedSemaphore) only.
    pub trait Sealed {
        fn core(&self) -> &super::PermitCore;
    }
}

/// The primitives whose acquire hands out a permit: [`Lock`](crate::Lock),
/// [`Semaphore`](crate::Semaphore), [`BoundedSemaphore`](crate::BoundedSemaphore). It
/// lets [`Acquire`], [`Permit`] and friends serve all three; it is sealed.
///
/// ```
/// use weft::permits::{Acquire, PermitSource};
/// // One function for any of the three: hold a permit while `work` runs.
/// async fn guarded<S: PermitSource>(
///     acquire: Acquire<'_, S>,
///     work: impl FnOnce() -> u32,
/// ) -> Result<u32, weft::Cancelled> {
///     let _permit = acquire.await?;
///     Ok(work())
/// }
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (lock, sem) = (weft::Lock::new(), weft::Semaphore::new(2));
/// assert_eq!(guarded(lock.acquire(), || 1).await?, 1);
/// assert_eq!(guarded(sem.acquire(), || 2).await?, 2);
/// assert!(!lock.locked() && sem.available_permits() == 2, "both permits were given back");
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
pub trait PermitSource: sealed::Sealed + Send + Sync + 'static {}

impl<S: sealed::Sealed + Send + Sync + 'static> PermitSource for S {}

pub(crate) use sealed::Sealed;

/// The waiting part shared by the three acquire futures: a checkpoint, then the acquire
/// or the wait (the cooperative budget is spent only by an acquire that ends now); a slot
/// left behind on drop is abandoned (its permit passed on).
struct Waiting<'a, S: PermitSource> {
    source: &'a S,
    key: Option<usize>,
}

impl<S: PermitSource> Waiting<'_, S> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Cancelled>> {
        if let Err(c) = cancel::check() {
            self.source.core().abandon(&mut self.key);
            return Poll::Ready(Err(c));
        }
        // The budget: an acquire that gets a permit spends a unit, one that finds none
        // left yields instead, and one that waits spends nothing (`poll_acquire`).
        let no_budget = !coop::has_budget_remaining();
        if no_budget && self.key.is_some() {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        ready!(self.source.core().poll_acquire(&mut self.key, no_budget, cx));
        let _ = coop::poll_proceed(cx); // budget was left: this spends one unit
        Poll::Ready(Ok(()))
    }
}

impl<S: PermitSource> Drop for Waiting<'_, S> {
    fn drop(&mut self) {
        self.source.core().abandon(&mut self.key);
    }
}

/// Future of `acquire()` on a [`Lock`](crate::Lock::acquire),
/// [`Semaphore`](crate::Semaphore::acquire) or
/// [`BoundedSemaphore`](crate::BoundedSemaphore::acquire): a checkpoint that resolves to
/// a [`Permit`] (a [`LockGuard`](crate::LockGuard) for a lock).
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let sem = weft::Semaphore::new(1);
/// let permit = sem.acquire().await?;
/// assert!(sem.locked());
/// drop(permit);
/// assert!(!sem.locked());
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a, S: PermitSource> {
    waiting: Waiting<'a, S>,
}

impl<'a, S: PermitSource> Acquire<'a, S> {
    pub(crate) fn new(source: &'a S) -> Self {
        Acquire { waiting: Waiting { source, key: None } }
    }
}

impl<'a, S: PermitSource> Future for Acquire<'a, S> {
    type Output = Result<Permit<'a, S>, Cancelled>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(this.waiting.poll(cx))?;
        Poll::Ready(Ok(Permit { source: this.waiting.source }))
    }
}

/// Future of `acquire_raw()`: asyncio's `await lock.acquire()`, which leaves the permit to
/// be returned by an explicit `release()`.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let lock = weft::Lock::new();
/// lock.acquire_raw().await?;
/// assert!(lock.locked());
/// lock.release().unwrap();
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct AcquireRaw<'a, S: PermitSource> {
    waiting: Waiting<'a, S>,
}

impl<'a, S: PermitSource> AcquireRaw<'a, S> {
    pub(crate) fn new(source: &'a S) -> Self {
        AcquireRaw { waiting: Waiting { source, key: None } }
    }
}

impl<S: PermitSource> Future for AcquireRaw<'_, S> {
    type Output = Result<(), Cancelled>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().waiting.poll(cx)
    }
}

/// Future of `acquire_owned()`: like [`Acquire`], for a primitive in an [`Arc`], giving an
/// [`OwnedPermit`] that can move to another task.
///
/// ```
/// use std::sync::Arc;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let lock = Arc::new(weft::Lock::new());
/// let guard = lock.acquire_owned().await?;
/// let t = weft::spawn(async move { drop(guard) });
/// t.await.unwrap();
/// assert!(!lock.locked());
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct AcquireOwned<S: PermitSource> {
    source: Arc<S>,
    key: Option<usize>,
}

impl<S: PermitSource> AcquireOwned<S> {
    pub(crate) fn new(source: Arc<S>) -> Self {
        AcquireOwned { source, key: None }
    }
}

impl<S: PermitSource> Future for AcquireOwned<S> {
    type Output = Result<OwnedPermit<S>, Cancelled>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // Borrow the Arc for one poll; the slot key survives in `this.key`.
        let mut waiting = Waiting { source: &*this.source, key: this.key.take() };
        let r = waiting.poll(cx);
        this.key = waiting.key.take();
        ready!(r)?;
        Poll::Ready(Ok(OwnedPermit::new(this.source.clone())))
    }
}

impl<S: PermitSource> Drop for AcquireOwned<S> {
    fn drop(&mut self) {
        self.source.core().abandon(&mut self.key);
    }
}

/// A held permit: returned to its primitive when dropped. For a [`Lock`](crate::Lock) it
/// is the [`LockGuard`](crate::LockGuard).
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let lock = weft::Lock::new();
/// {
///     let _guard = lock.acquire().await?;
///     assert!(lock.locked());
/// }
/// assert!(!lock.locked());
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
#[must_use = "the permit is returned as soon as it is dropped"]
pub struct Permit<'a, S: PermitSource> {
    source: &'a S,
}

impl<'a, S: PermitSource> Permit<'a, S> {
    pub(crate) fn new(source: &'a S) -> Self {
        Permit { source }
    }

    /// Keeps the permit taken without a guard: asyncio's style, where an explicit
    /// `release()` gives it back.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let lock = weft::Lock::new();
    /// lock.acquire().await?.forget();
    /// assert!(lock.locked());
    /// lock.release().unwrap();
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl<S: PermitSource> Drop for Permit<'_, S> {
    fn drop(&mut self) {
        // Fails only if the permit was already given back by a raw `release()`, a misuse
        // the raw call itself could not detect; the guard must not add a second permit.
        let _ = self.source.core().release();
    }
}

impl<S: PermitSource> fmt::Debug for Permit<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

/// A held permit that owns an [`Arc`] of its primitive, so it can move to another task.
///
/// ```
/// use std::sync::Arc;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let sem = Arc::new(weft::Semaphore::new(2));
/// let p = sem.acquire_owned().await?;
/// assert_eq!(sem.available_permits(), 1);
/// drop(p);
/// assert_eq!(sem.available_permits(), 2);
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
#[must_use = "the permit is returned as soon as it is dropped"]
pub struct OwnedPermit<S: PermitSource> {
    source: Option<Arc<S>>,
}

impl<S: PermitSource> OwnedPermit<S> {
    pub(crate) fn new(source: Arc<S>) -> Self {
        OwnedPermit { source: Some(source) }
    }

    /// Keeps the permit taken and returns the primitive; an explicit `release()` gives it
    /// back.
    ///
    /// ```
    /// use std::sync::Arc;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(weft::Lock::new());
    /// let lock2 = lock.acquire_owned().await?.forget();
    /// assert!(lock2.locked());
    /// lock2.release().unwrap();
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub fn forget(mut self) -> Arc<S> {
        self.source.take().expect("present until dropped")
    }
}

impl<S: PermitSource> Drop for OwnedPermit<S> {
    fn drop(&mut self) {
        if let Some(s) = &self.source {
            let _ = s.core().release();
        }
    }
}

impl<S: PermitSource> fmt::Debug for OwnedPermit<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}
