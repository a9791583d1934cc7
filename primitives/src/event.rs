//! [`Event`]: asyncio's `Event`.
//!
//! A flag and a [`WaitList`](crate::waitlist) of tasks waiting for it. `set` notifies every
//! waiter present at that moment, so they all wake even if `clear` follows at once: the
//! notification is not the flag but the event's *generation*, a count of the `set`s that
//! woke waiters. A waiter remembers the generation it registered in; `set` advances it and
//! releases the whole list (`WaitList::release_all`), so a woken waiter learns that it was
//! notified from one atomic load, without the mutex and without coming back to the list. A
//! thousand waiters woken by one `set` then run on every worker without queueing on the
//! event's lock. A waiter cancelled after it was notified has nothing to pass on: everyone
//! was notified. The flag is mirrored in an atomic so that `is_set` and a `wait` on a set
//! event never take the mutex.
//!
//! ```text
//!   waiter                                   set()
//!   lock; push its waker; key, gen = g       lock; flag = true; generation = g + 1
//!   unlock; Pending                          take every waker, clear the list; unlock
//!   ...woken...                              wake them all
//!   generation != g (Acquire)? Ready, no lock
//! ```
//!
//! A key is only used under the lock and only while the generation is still the one it
//! was made in: after a `set` the list is empty and its keys are handed out again.

use crate::sync::{AtomicBool, AtomicUsize, Mutex};
use crate::waitlist::{WaitList, WakeList};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::task::{Context, Poll, ready};
use weft_executor::{Cancelled, cancel, coop};

/// An event flag tasks can wait for (asyncio's `Event`).
///
/// ```
/// use std::sync::Arc;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let ev = Arc::new(weft::Event::new());
/// let waiter = weft::spawn({
///     let ev = ev.clone();
///     async move { ev.wait().await }
/// });
/// weft::yield_now().await?;
/// ev.set();
/// waiter.await.unwrap()?;
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
pub struct Event {
    /// The flag; written only under `waiters`' mutex, read anywhere.
    flag: AtomicBool,
    /// How many `set`s have released waiters (see the module docs); written under the
    /// mutex, read without it by woken waiters.
    generation: AtomicUsize,
    waiters: Mutex<WaitList<()>>,
}

impl Event {
    /// A new event, not set.
    ///
    /// ```
    /// assert!(!weft::Event::new().is_set());
    /// ```
    pub fn new() -> Self {
        Event {
            flag: AtomicBool::new(false),
            generation: AtomicUsize::new(0),
            waiters: Mutex::new(WaitList::default()),
        }
    }

    /// Whether the flag is set.
    ///
    /// ```
    /// let ev = weft::Event::new();
    /// ev.set();
    /// assert!(ev.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.flag.load(Acquire)
    }

    /// Sets the flag and wakes every task waiting now; later `wait`s return at once until
    /// [`clear`](Event::clear).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let ev = weft::Event::new();
    /// ev.set();
    /// ev.wait().await?; // does not wait
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub fn set(&self) {
        if self.flag.load(Acquire) {
            return;
        }
        let mut wakers = WakeList::new();
        {
            let mut waiters = self.waiters.lock();
            if !self.flag.load(Relaxed) {
                self.flag.store(true, Release);
                if waiters.waiting() > 0 {
                    // Release: a waiter that sees the new generation sees the flag too.
                    self.generation.store(self.generation.load(Relaxed).wrapping_add(1), Release);
                    waiters.release_all(&mut wakers);
                }
            }
        }
        wakers.wake_all();
    }

    /// Clears the flag. Tasks already woken by a `set` still return from their `wait`.
    ///
    /// ```
    /// let ev = weft::Event::new();
    /// ev.set();
    /// ev.clear();
    /// assert!(!ev.is_set());
    /// ```
    pub fn clear(&self) {
        let _waiters = self.waiters.lock();
        self.flag.store(false, Release);
    }

    /// Waits until the flag is set (a checkpoint). Returns at once if it is set now.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let ev = weft::Event::new();
    /// weft::current_task().unwrap().cancel(None);
    /// assert!(ev.wait().await.is_err(), "a cancelled task does not wait");
    /// # });
    /// ```
    pub fn wait(&self) -> Wait<'_> {
        Wait { event: self, key: None }
    }

    /// Tasks waiting now and not yet woken.
    ///
    /// ```
    /// assert_eq!(weft::Event::new().waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.waiters.lock().waiting()
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event").field("set", &self.is_set()).field("waiters", &self.waiters()).finish()
    }
}

/// Future of [`Event::wait`].
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let ev = weft::Event::new();
/// ev.set();
/// let wait: weft::event::Wait<'_> = ev.wait();
/// wait.await?;
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<'a> {
    event: &'a Event,
    /// The waiter's key in the list and the generation it registered in.
    key: Option<(usize, usize)>,
}

impl Future for Wait<'_> {
    type Output = Result<(), Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Err(c) = cancel::check() {
            this.abandon();
            return Poll::Ready(Err(c));
        }
        // The budget: a wait that ends now spends a unit (or yields if none is left);
        // one that has to wait spends nothing and does not yield (see queue/futures.rs).
        if let Some((_, generation)) = this.key {
            ready!(coop::poll_proceed(cx));
            if this.event.generation.load(Acquire) != generation {
                // Released by a `set`: the list forgot this waiter already.
                this.key = None;
                return Poll::Ready(Ok(()));
            }
        } else if this.event.flag.load(Acquire) {
            ready!(coop::poll_proceed(cx));
            return Poll::Ready(Ok(()));
        }
        let mut waiters = this.event.waiters.lock();
        match this.key {
            None if this.event.flag.load(Relaxed) => {
                drop(waiters);
                coop::poll_proceed(cx).map(Ok)
            }
            None => {
                this.key = Some((waiters.push(cx.waker()), this.event.generation.load(Relaxed)));
                weft_executor::observe::waiting_on("event", weft_executor::observe::WaitDetail::None);
                Poll::Pending
            }
            // Released between the load above and the lock.
            Some((_, generation)) if this.event.generation.load(Relaxed) != generation => {
                this.key = None;
                Poll::Ready(Ok(()))
            }
            Some((k, _)) => {
                // Still waiting: refresh the waker.
                let _ = waiters.poll(k, cx.waker());
                weft_executor::observe::waiting_on("event", weft_executor::observe::WaitDetail::None);
                Poll::Pending
            }
        }
    }
}

impl Wait<'_> {
    /// Leaves the list, unless a `set` released it already (then its key may name
    /// another waiter's slot); a notification needs no passing on (set wakes all).
    fn abandon(&mut self) {
        if let Some((k, generation)) = self.key.take() {
            let mut waiters = self.event.waiters.lock();
            if self.event.generation.load(Relaxed) == generation {
                let _ = waiters.remove(k);
            }
        }
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        self.abandon();
    }
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait").field("registered", &self.key.is_some()).finish()
    }
}
