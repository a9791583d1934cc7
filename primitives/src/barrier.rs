//! [`Barrier`]: asyncio's `Barrier`, a line-by-line port of CPython 3.13's algorithm
//! over this crate's [`Condition`].
//!
//! The barrier is a small state machine, read and written only while holding the
//! condition's lock:
//!
//! ```text
//!            last of `parties` arrives              last task leaves
//!  FILLING ─────────────────────────────▶ DRAINING ─────────────────▶ FILLING
//!     │  reset() with tasks inside                       ▲
//!     └──────────────────────────────────▶ RESETTING ────┘ last task leaves
//!  any ──abort()──▶ BROKEN (until reset())
//! ```
//!
//! A task arriving while the barrier drains or resets waits for it to fill again
//! (`block`); a task waiting in FILLING is released by DRAINING, or gets
//! [`BarrierError::Broken`] from RESETTING or BROKEN. Every task inside counts itself out
//! when it leaves (CPython's `finally`), and the last one out switches DRAINING or
//! RESETTING back to FILLING and wakes the tasks that were blocked.
//!
//! Cancellation: a cancelled `wait` counts itself out like any other exit, with the lock
//! held (the condition re-acquires it). A `wait` future *dropped* half-way (`abort()`)
//! cannot await the lock to count itself out, so it records a pending exit, which is
//! applied at once if the lock is free, or by whichever barrier operation holds the lock
//! next, before it lets go.

use crate::condition::{Condition, ConditionGuard};
use crate::error::ConditionError;
use crate::sync::Mutex;
use std::fmt;
use weft_executor::Cancelled;

/// The states of a [`Barrier`] (asyncio's `_BarrierState`).
///
/// ```
/// let b = weft::Barrier::new(2).unwrap();
/// assert_eq!(b.state(), weft::BarrierState::Filling);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarrierState {
    /// Tasks arrive and wait for the last one.
    Filling,
    /// The last task arrived: the tasks inside leave; newcomers wait for the next round.
    Draining,
    /// `reset()` was called with tasks inside: they get `Broken` and leave.
    Resetting,
    /// `abort()` was called: every `wait` fails until `reset()`.
    Broken,
}

/// `Barrier::new(0)`: a barrier needs at least one party (asyncio's `ValueError`).
///
/// ```
/// assert!(weft::Barrier::new(0).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidParties;

impl fmt::Display for InvalidParties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("parties must be > 0")
    }
}

impl std::error::Error for InvalidParties {}

/// Why a [`Barrier::wait`] failed.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let b = weft::Barrier::new(2).unwrap();
/// b.abort().await?;
/// assert_eq!(b.wait().await, Err(weft::BarrierError::Broken));
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum BarrierError {
    /// The barrier was aborted, or reset while this task waited (asyncio's
    /// `BrokenBarrierError`).
    Broken,
    /// The task was cancelled.
    Cancelled(Cancelled),
}

impl From<Cancelled> for BarrierError {
    fn from(c: Cancelled) -> Self {
        BarrierError::Cancelled(c)
    }
}

impl fmt::Display for BarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BarrierError::Broken => f.write_str("barrier aborted or reset"),
            BarrierError::Cancelled(c) => write!(f, "barrier wait cancelled: {c}"),
        }
    }
}

impl std::error::Error for BarrierError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BarrierError::Cancelled(c) => Some(c),
            _ => None,
        }
    }
}

/// A barrier for a fixed number of tasks (asyncio's `Barrier`): each `wait` blocks until
/// `parties` tasks are waiting, then all return, each with its own arrival index.
///
/// ```
/// use std::sync::Arc;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let barrier = Arc::new(weft::Barrier::new(3).unwrap());
/// let tasks: Vec<_> = (0..3)
///     .map(|_| {
///         let b = barrier.clone();
///         weft::spawn(async move { b.wait().await })
///     })
///     .collect();
/// let mut indices = Vec::new();
/// for t in tasks {
///     indices.push(t.await.unwrap().unwrap());
/// }
/// indices.sort();
/// assert_eq!(indices, [0, 1, 2]);
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
pub struct Barrier {
    cond: Condition,
    parties: usize,
    /// Read and written only with `cond`'s lock held; the mutex makes that checkable.
    inner: Mutex<Inner>,
}

struct Inner {
    state: BarrierState,
    /// Tasks inside `wait` (asyncio's `_count`).
    count: usize,
    /// Exits of dropped `wait` futures not yet applied (see the module docs).
    pending_exits: usize,
}

fn wait_err(e: ConditionError) -> BarrierError {
    match e {
        ConditionError::Cancelled(c) => BarrierError::Cancelled(c),
        // Only this module's guards wait on this private condition.
        ConditionError::NotLocked => unreachable!("barrier waits hold the condition's lock"),
    }
}

impl Barrier {
    /// A barrier for `parties` tasks; zero is an error.
    ///
    /// ```
    /// let b = weft::Barrier::new(4).unwrap();
    /// assert_eq!(b.parties(), 4);
    /// ```
    pub fn new(parties: usize) -> Result<Self, InvalidParties> {
        if parties == 0 {
            return Err(InvalidParties);
        }
        let inner = Inner { state: BarrierState::Filling, count: 0, pending_exits: 0 };
        Ok(Barrier { cond: Condition::new(), parties, inner: Mutex::new(inner) })
    }

    /// Waits until `parties` tasks wait (a checkpoint); returns this task's arrival index,
    /// `0..parties`. Fails with [`BarrierError::Broken`] if the barrier is aborted, or
    /// reset while this task waits.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let b = weft::Barrier::new(1).unwrap();
    /// assert_eq!(b.wait().await, Ok(0));
    /// # });
    /// ```
    pub async fn wait(&self) -> Result<usize, BarrierError> {
        let mut guard = self.cond.acquire().await?;
        self.settle(&guard);
        let r = self.wait_locked(&mut guard).await;
        self.settle(&guard);
        r
    }

    async fn wait_locked(&self, guard: &mut ConditionGuard<'_>) -> Result<usize, BarrierError> {
        // Block while the barrier drains or resets.
        let draining_or_resetting =
            || matches!(self.inner.lock().state, BarrierState::Draining | BarrierState::Resetting);
        guard.wait_for(|| !draining_or_resetting()).await.map_err(wait_err)?;
        if self.inner.lock().state == BarrierState::Broken {
            return Err(BarrierError::Broken);
        }
        let index = {
            let mut inner = self.inner.lock();
            inner.count += 1;
            inner.count - 1
        };
        let exit = ExitOnDrop { barrier: self };
        let r = if index + 1 == self.parties {
            self.inner.lock().state = BarrierState::Draining;
            guard.notify_all();
            Ok(index)
        } else {
            match guard.wait_for(|| self.inner.lock().state != BarrierState::Filling).await {
                Err(e) => Err(wait_err(e)),
                Ok(()) => match self.inner.lock().state {
                    BarrierState::Broken | BarrierState::Resetting => Err(BarrierError::Broken),
                    _ => Ok(index),
                },
            }
        };
        std::mem::forget(exit);
        self.exit(guard);
        r
    }

    /// A task leaves (CPython's `finally: count -= 1; _exit()`); the lock is held.
    fn exit(&self, guard: &ConditionGuard<'_>) {
        let mut inner = self.inner.lock();
        inner.count -= 1;
        if inner.count == 0 {
            if matches!(inner.state, BarrierState::Resetting | BarrierState::Draining) {
                inner.state = BarrierState::Filling;
            }
            drop(inner);
            guard.notify_all();
        }
    }

    /// Applies the exits of dropped `wait` futures; the lock is held.
    fn settle(&self, guard: &ConditionGuard<'_>) {
        loop {
            {
                let mut inner = self.inner.lock();
                if inner.pending_exits == 0 {
                    return;
                }
                inner.pending_exits -= 1;
            }
            self.exit(guard);
        }
    }

    /// Resets the barrier to FILLING: tasks waiting in it get [`BarrierError::Broken`].
    /// A checkpoint (it takes the barrier's lock).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let b = weft::Barrier::new(2).unwrap();
    /// b.abort().await?;
    /// b.reset().await?;
    /// assert!(!b.broken());
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub async fn reset(&self) -> Result<(), Cancelled> {
        let guard = self.cond.acquire().await?;
        self.settle(&guard);
        {
            let mut inner = self.inner.lock();
            inner.state = if inner.count > 0 { BarrierState::Resetting } else { BarrierState::Filling };
        }
        guard.notify_all();
        Ok(())
    }

    /// Breaks the barrier: waiting tasks and every later `wait` get
    /// [`BarrierError::Broken`] until [`reset`](Barrier::reset). A checkpoint.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let b = weft::Barrier::new(2).unwrap();
    /// b.abort().await?;
    /// assert!(b.broken());
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub async fn abort(&self) -> Result<(), Cancelled> {
        let guard = self.cond.acquire().await?;
        self.settle(&guard);
        self.inner.lock().state = BarrierState::Broken;
        guard.notify_all();
        Ok(())
    }

    /// The number of tasks needed to pass the barrier.
    ///
    /// ```
    /// assert_eq!(weft::Barrier::new(3).unwrap().parties(), 3);
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// Tasks waiting for the barrier to fill (0 unless it is FILLING).
    ///
    /// ```
    /// assert_eq!(weft::Barrier::new(3).unwrap().n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        let inner = self.inner.lock();
        if inner.state == BarrierState::Filling { inner.count } else { 0 }
    }

    /// Whether the barrier is broken (aborted and not reset).
    ///
    /// ```
    /// assert!(!weft::Barrier::new(3).unwrap().broken());
    /// ```
    pub fn broken(&self) -> bool {
        self.inner.lock().state == BarrierState::Broken
    }

    /// The current state (what asyncio's `repr` shows).
    ///
    /// ```
    /// let b = weft::Barrier::new(1).unwrap();
    /// assert_eq!(b.state(), weft::BarrierState::Filling);
    /// ```
    pub fn state(&self) -> BarrierState {
        self.inner.lock().state
    }

    /// Tasks inside `wait`, filling or draining (asyncio's private `_count`).
    ///
    /// ```
    /// assert_eq!(weft::Barrier::new(2).unwrap().tasks_inside(), 0);
    /// ```
    pub fn tasks_inside(&self) -> usize {
        self.inner.lock().count
    }
}

/// Armed while a task counts inside the barrier; only runs if the `wait` future is
/// dropped there (on the normal and error paths it is forgotten and `exit` runs).
struct ExitOnDrop<'a> {
    barrier: &'a Barrier,
}

impl Drop for ExitOnDrop<'_> {
    fn drop(&mut self) {
        self.barrier.inner.lock().pending_exits += 1;
        // Apply it now if nobody holds the lock; otherwise the holder will.
        if let Some(permit) = self.barrier.cond.lock().try_acquire() {
            permit.forget();
            let guard = ConditionGuard::from_held(&self.barrier.cond);
            self.barrier.settle(&guard);
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.inner.lock();
        f.debug_struct("Barrier")
            .field("state", &inner.state)
            .field("count", &inner.count)
            .field("parties", &self.parties)
            .finish()
    }
}
