//! [`Queue`] and its orders: asyncio's `Queue`, `LifoQueue` and `PriorityQueue`, with
//! 3.13's `shutdown`.
//!
//! One type, [`Queue<T, O>`](Queue), ordered by `O`: [`Fifo`] (the default), [`Lifo`] or
//! [`Priority`] (smallest first). Construct them with [`Queue::new`], [`Queue::lifo`] and
//! [`Queue::priority`]; [`LifoQueue`] and [`PriorityQueue`] name the types.
//!
//! How it works (hand-off to getters, reserved slots for putters, what counts towards
//! `maxsize`) is explained in `state.rs`; the waiting futures are in `futures.rs`.

mod error;
mod futures;
mod order;
mod state;
mod stream;

pub use error::{GetError, PutError, TaskDoneError, TryGetError, TryPutError};
pub use futures::{Get, Join, Put};
pub use order::{Fifo, Lifo, Order, Priority};
pub use stream::QueueStream;

use crate::sync::Mutex;
use crate::waitlist::WakeList;
use state::State;
use std::fmt;

/// A queue for passing items between tasks (asyncio's `Queue`, ordered by `O`).
///
/// `maxsize == 0` means unbounded. `put` waits while the queue is full, `get` while it is
/// empty, each in FIFO order of arrival; `task_done` and `join` track work on the items;
/// `shutdown` stops it.
///
/// ```
/// use std::sync::Arc;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let q = Arc::new(weft::Queue::new(2));
/// let worker = weft::spawn({
///     let q = q.clone();
///     async move {
///         let mut total = 0;
///         while let Ok(n) = q.get().await {
///             total += n;
///             q.task_done().unwrap();
///         }
///         total
///     }
/// });
/// for n in 1..=10 {
///     q.put(n).await.unwrap();
/// }
/// q.join().await?; // every item processed
/// q.shutdown(false);
/// assert_eq!(worker.await.unwrap(), 55);
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
pub struct Queue<T, O: Order<T> = Fifo> {
    state: Mutex<State<T, O>>,
}

/// asyncio's `LifoQueue`: a [`Queue`] that gives the most recent item first.
pub type LifoQueue<T> = Queue<T, Lifo>;

/// asyncio's `PriorityQueue`: a [`Queue`] that gives the smallest item first.
pub type PriorityQueue<T> = Queue<T, Priority>;

impl<T> Queue<T> {
    /// A FIFO queue holding at most `maxsize` items (0: unbounded).
    ///
    /// ```
    /// let q = weft::Queue::<u8>::new(10);
    /// assert_eq!(q.maxsize(), 10);
    /// ```
    pub fn new(maxsize: usize) -> Self {
        Queue::with_order(maxsize)
    }
}

impl<T> Queue<T, Lifo> {
    /// A LIFO queue (asyncio's `LifoQueue(maxsize)`).
    ///
    /// ```
    /// let q: weft::LifoQueue<u8> = weft::Queue::lifo(0);
    /// q.put_nowait(1).unwrap();
    /// q.put_nowait(2).unwrap();
    /// assert_eq!(q.get_nowait(), Ok(2));
    /// ```
    pub fn lifo(maxsize: usize) -> Self {
        Queue::with_order(maxsize)
    }
}

impl<T: Ord> Queue<T, Priority> {
    /// A priority queue, smallest item first (asyncio's `PriorityQueue(maxsize)`).
    ///
    /// ```
    /// let q: weft::PriorityQueue<(u8, &str)> = weft::Queue::priority(0);
    /// q.put_nowait((2, "later")).unwrap();
    /// q.put_nowait((1, "first")).unwrap();
    /// assert_eq!(q.get_nowait(), Ok((1, "first")));
    /// ```
    pub fn priority(maxsize: usize) -> Self {
        Queue::with_order(maxsize)
    }
}

impl<T, O: Order<T>> Queue<T, O> {
    /// A queue of any order, named by its type.
    ///
    /// ```
    /// use weft::{Queue, queue::Lifo};
    /// let q = Queue::<u8, Lifo>::with_order(0);
    /// assert!(q.empty());
    /// ```
    pub fn with_order(maxsize: usize) -> Self {
        Queue { state: Mutex::new(State::new(maxsize)) }
    }

    /// Runs `f` on the state under the mutex, then wakes what it collected.
    #[inline]
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut State<T, O>, &mut WakeList) -> R) -> R {
        let mut wakers = WakeList::new();
        let r = f(&mut self.state.lock(), &mut wakers);
        wakers.wake_all();
        r
    }

    /// Puts an item, waiting for a free slot while the queue is full (a checkpoint). On
    /// cancellation or shutdown the item comes back in the error.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let q = weft::Queue::new(1);
    /// q.put(1).await.unwrap();
    /// assert!(q.full());
    /// # });
    /// ```
    pub fn put(&self, item: T) -> Put<'_, T, O> {
        Put::new(self, item)
    }

    /// Puts an item if there is a free slot now, or gives it back in the error.
    ///
    /// ```
    /// let q = weft::Queue::new(1);
    /// assert!(q.put_nowait('a').is_ok());
    /// assert_eq!(q.put_nowait('b').unwrap_err().into_inner(), 'b');
    /// ```
    pub fn put_nowait(&self, item: T) -> Result<(), TryPutError<T>> {
        self.update(|st, wakers| st.try_put(item, wakers))
    }

    /// Takes an item, waiting while the queue is empty (a checkpoint).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let q = weft::Queue::new(0);
    /// q.put_nowait("x").unwrap();
    /// assert_eq!(q.get().await, Ok("x"));
    /// # });
    /// ```
    pub fn get(&self) -> Get<'_, T, O> {
        Get::new(self)
    }

    /// Takes an item if one is there now.
    ///
    /// ```
    /// let q = weft::Queue::new(0);
    /// assert!(q.get_nowait().is_err());
    /// q.put_nowait(5).unwrap();
    /// assert_eq!(q.get_nowait(), Ok(5));
    /// ```
    pub fn get_nowait(&self) -> Result<T, TryGetError> {
        self.update(|st, wakers| st.try_get(wakers))
    }

    /// Items in the queue that a `get` can take now. An item handed straight to a waiting
    /// getter is not counted: it is already that getter's.
    ///
    /// ```
    /// let q = weft::Queue::new(0);
    /// q.put_nowait(1).unwrap();
    /// assert_eq!(q.qsize(), 1);
    /// ```
    pub fn qsize(&self) -> usize {
        self.state.lock().len()
    }

    /// Whether `qsize() == 0`.
    ///
    /// ```
    /// assert!(weft::Queue::<u8>::new(0).empty());
    /// ```
    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// Whether a `put` would wait: every slot is taken by an item in the queue, an item
    /// handed to a getter that has not run yet, or a slot reserved for a waiting putter.
    /// Never true for an unbounded queue.
    ///
    /// ```
    /// let q = weft::Queue::new(1);
    /// q.put_nowait(1).unwrap();
    /// assert!(q.full());
    /// ```
    pub fn full(&self) -> bool {
        self.state.lock().full()
    }

    /// The most items the queue holds (0: unbounded).
    ///
    /// ```
    /// assert_eq!(weft::Queue::<u8>::new(3).maxsize(), 3);
    /// ```
    pub fn maxsize(&self) -> usize {
        self.state.lock().maxsize
    }

    /// Marks one item taken by a `get` as processed; `join` returns when every item put
    /// was. Calling it more often than items were put is an error.
    ///
    /// ```
    /// let q = weft::Queue::new(0);
    /// q.put_nowait(1).unwrap();
    /// q.get_nowait().unwrap();
    /// assert!(q.task_done().is_ok());
    /// assert!(q.task_done().is_err());
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.update(|st, wakers| st.task_done(wakers))
    }

    /// Items put and not yet marked done by `task_done`.
    ///
    /// ```
    /// let q = weft::Queue::new(0);
    /// q.put_nowait(1).unwrap();
    /// assert_eq!(q.unfinished_tasks(), 1);
    /// ```
    pub fn unfinished_tasks(&self) -> usize {
        self.state.lock().unfinished
    }

    /// Waits until every item put has been marked done (a checkpoint).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let q = weft::Queue::new(0);
    /// q.put_nowait(1).unwrap();
    /// q.get_nowait().unwrap();
    /// q.task_done().unwrap();
    /// q.join().await?;
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub fn join(&self) -> Join<'_, T, O> {
        Join::new(self)
    }

    /// Shuts the queue down (asyncio 3.13): every `put` fails from now on; `get` fails
    /// once the queue is empty, or at once if `immediate`, which also drops the items
    /// left and counts them done (waking `join`). Waiting putters and getters are woken
    /// with the error.
    ///
    /// The items are dropped after the queue is shut down and unlocked, in queue order:
    /// an item's `Drop` may use the queue (`qsize()`, `put_nowait`, which fails). If one
    /// or more items' `Drop` panics, every other item is still dropped, and then the
    /// first panic resumes here; the queue is shut down and its counts are right either
    /// way.
    ///
    /// ```
    /// let q = weft::Queue::new(0);
    /// q.put_nowait(1).unwrap();
    /// q.shutdown(false);
    /// assert!(q.put_nowait(2).is_err());
    /// assert_eq!(q.get_nowait(), Ok(1), "items left can still be taken");
    /// assert_eq!(q.get_nowait(), Err(weft::TryGetError::ShutDown));
    /// ```
    pub fn shutdown(&self, immediate: bool) {
        let removed = self.update(|st, wakers| st.shut_down(immediate, wakers));
        drop_each(removed);
    }

    /// Whether [`shutdown`](Queue::shutdown) was called.
    ///
    /// ```
    /// let q = weft::Queue::<u8>::new(0);
    /// q.shutdown(true);
    /// assert!(q.is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.state.lock().shutdown
    }

    /// Tasks waiting in `get` and `put` (not yet handed anything).
    ///
    /// ```
    /// assert_eq!(weft::Queue::<u8>::new(0).waiters(), (0, 0));
    /// ```
    pub fn waiters(&self) -> (usize, usize) {
        let st = self.state.lock();
        (st.getters.waiting(), st.putters.waiting())
    }
}

/// Drops every item, each on its own: a panicking `Drop` does not stop the others (a
/// second panic while a `Vec` unwinds would abort the process). The first panic resumes
/// once all are dropped.
fn drop_each<T>(items: Vec<T>) {
    let mut first_panic = None;
    for item in items {
        if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(item))) {
            first_panic.get_or_insert(p);
        }
    }
    if let Some(p) = first_panic {
        std::panic::resume_unwind(p);
    }
}

impl<T, O: Order<T>> fmt::Debug for Queue<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.lock();
        f.debug_struct("Queue")
            .field("maxsize", &st.maxsize)
            .field("qsize", &st.len())
            .field("getters", &st.getters.waiting())
            .field("putters", &st.putters.waiting())
            .field("unfinished", &st.unfinished)
            .field("shutdown", &st.shutdown)
            .finish()
    }
}
