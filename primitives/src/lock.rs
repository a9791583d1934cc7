//! [`Lock`]: asyncio's `Lock`, fair and thread-safe.
//!
//! A lock is a permit core with one permit and a bound of one (see `permits.rs`): `release`
//! hands the lock to the first waiter directly, so waiters are served in arrival order, and
//! a waiter cancelled after it was handed the lock passes it on.

use crate::error::NotLocked;
use crate::permits::{Acquire, AcquireOwned, AcquireRaw, OwnedPermit, Permit, PermitCore, Sealed};
use std::fmt;
use std::sync::Arc;

/// A mutual-exclusion lock (asyncio's `Lock`), not owned by any task: any task may release
/// it, as in asyncio. Use it through a guard ([`acquire`](Lock::acquire)) or asyncio's raw
/// pair ([`acquire_raw`](Lock::acquire_raw) / [`release`](Lock::release)).
///
/// ```
/// use std::sync::Arc;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let lock = Arc::new(weft::Lock::new());
/// let mut tasks = Vec::new();
/// for i in 0..3 {
///     let lock = lock.clone();
///     tasks.push(weft::spawn(async move {
///         let _guard = lock.acquire().await?; // async with lock:
///         weft::yield_now().await?;
///         Ok::<_, weft::Cancelled>(i)
///     }));
/// }
/// for t in tasks {
///     t.await.unwrap()?;
/// }
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
pub struct Lock {
    core: PermitCore,
}

/// The guard of a [`Lock`]: the lock is released when it is dropped.
pub type LockGuard<'a> = Permit<'a, Lock>;

/// The guard of a [`Lock`] held in an [`Arc`]; it can move to another task.
pub type OwnedLockGuard = OwnedPermit<Lock>;

impl Lock {
    /// A new, unlocked lock.
    ///
    /// ```
    /// assert!(!weft::Lock::new().locked());
    /// ```
    pub fn new() -> Self {
        Lock { core: PermitCore::new(1, 1) }
    }

    /// Waits for the lock (a checkpoint) and returns a guard that releases it on drop.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let lock = weft::Lock::new();
    /// let guard = lock.acquire().await?;
    /// assert!(lock.locked());
    /// drop(guard);
    /// assert!(!lock.locked());
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub fn acquire(&self) -> Acquire<'_, Lock> {
        Acquire::new(self)
    }

    /// Like [`acquire`](Lock::acquire), for a lock in an [`Arc`]: the guard owns a clone of
    /// the `Arc` and may be moved to another task.
    ///
    /// ```
    /// use std::sync::Arc;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(weft::Lock::new());
    /// let guard: weft::OwnedLockGuard = lock.acquire_owned().await?;
    /// weft::spawn(async move { drop(guard) }).await.unwrap();
    /// assert!(!lock.locked());
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub fn acquire_owned(self: &Arc<Self>) -> AcquireOwned<Lock> {
        AcquireOwned::new(self.clone())
    }

    /// Takes the lock if it is free and nobody is queued for it; never waits.
    ///
    /// ```
    /// let lock = weft::Lock::new();
    /// let guard = lock.try_acquire().unwrap();
    /// assert!(lock.try_acquire().is_none());
    /// drop(guard);
    /// ```
    pub fn try_acquire(&self) -> Option<LockGuard<'_>> {
        self.core.try_acquire().then(|| Permit::new(self))
    }

    /// asyncio's `await lock.acquire()`: waits for the lock (a checkpoint) and keeps it
    /// until [`release`](Lock::release) is called.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let lock = weft::Lock::new();
    /// lock.acquire_raw().await?;
    /// assert!(lock.locked());
    /// lock.release().unwrap();
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub fn acquire_raw(&self) -> AcquireRaw<'_, Lock> {
        AcquireRaw::new(self)
    }

    /// Releases the lock: the first task waiting for it gets it at once. Releasing a lock
    /// that is not locked is an error (asyncio's `RuntimeError`).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let lock = weft::Lock::new();
    /// assert_eq!(lock.release(), Err(weft::NotLocked));
    /// lock.acquire_raw().await?;
    /// assert_eq!(lock.release(), Ok(()));
    /// # Ok::<(), weft::Cancelled>(()) }).unwrap();
    /// ```
    pub fn release(&self) -> Result<(), NotLocked> {
        self.core.release().map_err(|_| NotLocked)
    }

    /// Whether the lock is held (by a task, or handed to a waiter that has not run yet).
    ///
    /// ```
    /// let lock = weft::Lock::new();
    /// let _g = lock.try_acquire().unwrap();
    /// assert!(lock.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.core.locked()
    }

    /// Tasks waiting in `acquire` that have not been handed the lock yet.
    ///
    /// ```
    /// assert_eq!(weft::Lock::new().waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.core.waiting()
    }
}

impl Sealed for Lock {
    fn core(&self) -> &PermitCore {
        &self.core
    }
}

impl Default for Lock {
    fn default() -> Self {
        Lock::new()
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock").field("locked", &self.locked()).field("waiters", &self.waiters()).finish()
    }
}
