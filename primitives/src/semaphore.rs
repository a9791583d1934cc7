//! [`Semaphore`] and [`BoundedSemaphore`]: asyncio's, fair and thread-safe.
//!
//! Both are the permit core of `permits.rs` (a count of free permits, a waiter list, and
//! direct hand-off on release); the bounded one refuses a release that would take it above
//! its initial value. asyncio's FIFO rule holds: while anyone is queued, or has been handed
//! a permit and not run yet, a newcomer waits its turn even if a permit is free.

use crate::error::ReleasedTooManyTimes;
use crate::permits::{Acquire, AcquireOwned, AcquireRaw, OwnedPermit, Permit, PermitCore, Sealed};
use std::fmt;
use std::sync::Arc;

/// A permit of a [`Semaphore`] or [`BoundedSemaphore`], returned when dropped.
pub type SemaphorePermit<'a, S = Semaphore> = Permit<'a, S>;

/// A permit of a semaphore held in an [`Arc`]; it can move to another task.
pub type OwnedSemaphorePermit<S = Semaphore> = OwnedPermit<S>;

/// The methods the two semaphores share, documented for each.
macro_rules! semaphore_methods {
    ($ty:ident) => {
        #[doc = concat!("Waits for a permit (a checkpoint) and returns it as a guard.\n\n```\n",
            "# weft_executor::Runtime::builder().current_thread().build().unwrap().block_on(async {\n",
            "let sem = weft_primitives::", stringify!($ty), "::new(1);\n",
            "let permit = sem.acquire().await?;\n",
            "assert!(sem.locked());\n",
            "drop(permit);\n",
            "assert!(!sem.locked());\n",
            "# Ok::<(), weft_executor::Cancelled>(()) }).unwrap();\n```")]
        pub fn acquire(&self) -> Acquire<'_, $ty> {
            Acquire::new(self)
        }

        #[doc = concat!("Like `acquire`, for a semaphore in an [`Arc`]: the permit may move to another task.\n\n```\n",
            "use std::sync::Arc;\n",
            "# weft_executor::Runtime::builder().current_thread().build().unwrap().block_on(async {\n",
            "let sem = Arc::new(weft_primitives::", stringify!($ty), "::new(1));\n",
            "let permit = sem.acquire_owned().await?;\n",
            "weft_executor::spawn(async move { drop(permit) }).await.unwrap();\n",
            "assert_eq!(sem.available_permits(), 1);\n",
            "# Ok::<(), weft_executor::Cancelled>(()) }).unwrap();\n```")]
        pub fn acquire_owned(self: &Arc<Self>) -> AcquireOwned<$ty> {
            AcquireOwned::new(self.clone())
        }

        #[doc = concat!("Takes a permit if one is free and nobody is ahead in the queue; never waits.\n\n```\n",
            "let sem = weft_primitives::", stringify!($ty), "::new(1);\n",
            "let p = sem.try_acquire().unwrap();\n",
            "assert!(sem.try_acquire().is_none());\n",
            "drop(p);\n```")]
        pub fn try_acquire(&self) -> Option<SemaphorePermit<'_, $ty>> {
            self.core.try_acquire().then(|| Permit::new(self))
        }

        #[doc = concat!("asyncio's `await sem.acquire()`: waits for a permit (a checkpoint) and keeps it until `release()`.\n\n```\n",
            "# weft_executor::Runtime::builder().current_thread().build().unwrap().block_on(async {\n",
            "let sem = weft_primitives::", stringify!($ty), "::new(2);\n",
            "sem.acquire_raw().await?;\n",
            "assert_eq!(sem.available_permits(), 1);\n",
            "let _ = sem.release();\n",
            "# Ok::<(), weft_executor::Cancelled>(()) }).unwrap();\n```")]
        pub fn acquire_raw(&self) -> AcquireRaw<'_, $ty> {
            AcquireRaw::new(self)
        }

        #[doc = concat!("Whether an acquire would wait: no free permit, or tasks ahead in the queue (asyncio's `locked()`).\n\n```\n",
            "let sem = weft_primitives::", stringify!($ty), "::new(0);\n",
            "assert!(sem.locked());\n```")]
        pub fn locked(&self) -> bool {
            self.core.locked()
        }

        #[doc = concat!("Free permits now (asyncio's `_value`): permits handed to a waiter are not free.\n\n```\n",
            "let sem = weft_primitives::", stringify!($ty), "::new(3);\n",
            "let _p = sem.try_acquire();\n",
            "assert_eq!(sem.available_permits(), 2);\n```")]
        pub fn available_permits(&self) -> usize {
            self.core.available()
        }

        #[doc = concat!("Tasks waiting in `acquire` that have not been handed a permit yet.\n\n```\n",
            "assert_eq!(weft_primitives::", stringify!($ty), "::new(1).waiters(), 0);\n```")]
        pub fn waiters(&self) -> usize {
            self.core.waiting()
        }
    };
}

/// A counting semaphore (asyncio's `Semaphore`): `acquire` takes one of the permits,
/// waiting in FIFO order while there are none; `release` (or dropping a permit) gives one
/// back, straight to the first waiter.
///
/// ```
/// use std::sync::Arc;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let sem = Arc::new(weft::Semaphore::new(2)); // at most two at a time
/// let tasks: Vec<_> = (0..5)
///     .map(|_| {
///         let sem = sem.clone();
///         weft::spawn(async move {
///             let _permit = sem.acquire().await?;
///             weft::yield_now().await
///         })
///     })
///     .collect();
/// for t in tasks {
///     t.await.unwrap()?;
/// }
/// assert_eq!(sem.available_permits(), 2);
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
pub struct Semaphore {
    core: PermitCore,
}

impl Semaphore {
    /// A semaphore with `permits` free permits (asyncio's `Semaphore(value)`; a negative
    /// value cannot be expressed).
    ///
    /// ```
    /// assert_eq!(weft::Semaphore::new(4).available_permits(), 4);
    /// ```
    pub fn new(permits: usize) -> Self {
        Semaphore { core: PermitCore::new(permits, usize::MAX) }
    }

    semaphore_methods!(Semaphore);

    /// Returns a permit: the first waiter gets it at once. A plain semaphore has no upper
    /// bound (the count saturates at `usize::MAX`).
    ///
    /// ```
    /// let sem = weft::Semaphore::new(0);
    /// sem.release();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn release(&self) {
        let _ = self.core.release();
    }
}

/// A semaphore that refuses to be released above its initial value (asyncio's
/// `BoundedSemaphore`): the extra `release` is an error instead of a silent extra permit.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let sem = weft::BoundedSemaphore::new(1);
/// sem.acquire_raw().await?;
/// assert_eq!(sem.release(), Ok(()));
/// assert_eq!(sem.release(), Err(weft::ReleasedTooManyTimes));
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
pub struct BoundedSemaphore {
    core: PermitCore,
}

impl BoundedSemaphore {
    /// A bounded semaphore with `permits` free permits, which is also its bound.
    ///
    /// ```
    /// assert_eq!(weft::BoundedSemaphore::new(2).available_permits(), 2);
    /// ```
    pub fn new(permits: usize) -> Self {
        BoundedSemaphore { core: PermitCore::new(permits, permits) }
    }

    semaphore_methods!(BoundedSemaphore);

    /// Returns a permit (to the first waiter, if any), or fails if that would raise the
    /// free permits above the initial value.
    ///
    /// ```
    /// let sem = weft::BoundedSemaphore::new(1);
    /// assert!(sem.release().is_err());
    /// ```
    pub fn release(&self) -> Result<(), ReleasedTooManyTimes> {
        self.core.release().map_err(|_| ReleasedTooManyTimes)
    }
}

impl Sealed for Semaphore {
    fn core(&self) -> &PermitCore {
        &self.core
    }
}

impl Sealed for BoundedSemaphore {
    fn core(&self) -> &PermitCore {
        &self.core
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Semaphore").field(&self.core).finish()
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BoundedSemaphore").field(&self.core).finish()
    }
}
