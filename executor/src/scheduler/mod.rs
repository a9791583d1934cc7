//! Schedulers: who runs which task when.
//!
//! Two flavours share the task cell, the driver and the owned-task list:
//!
//! * [`multi_thread`]: one worker per thread, each with its own run queue (a lock-free
//!   ring that others steal from), a LIFO slot, and a shared injector. Read its module
//!   docs first: they teach work stealing.
//! * [`current_thread`]: one loop on the thread that calls `block_on`, with asyncio's
//!   exact FIFO order; it also runs `!Send` futures (`spawn_local`).
//!
//! [`root`] explains how `block_on`'s own future becomes a task without being `'static`;
//! [`defer`] how a thread holds back the tasks it wakes and submits them in one batch.

pub(crate) mod current_thread;
pub(crate) mod defer;
pub(crate) mod inject;
#[cfg(all(test, loom))]
mod loom_runtime;
pub(crate) mod multi_thread;
pub(crate) mod park;
pub(crate) mod ring;
pub(crate) mod root;

use crate::blocking::BlockingPool;
use crate::driver::Driver;
use crate::task::{OwnedTasks, Task};
use std::future::Future;
use std::sync::Arc;

/// What both flavours own.
pub(crate) struct Common {
    pub(crate) driver: Arc<Driver>,
    pub(crate) owned: OwnedTasks,
    pub(crate) blocking: BlockingPool,
    /// Debug mode's settings, `None` when it is off (`observe/`).
    pub(crate) debug: Option<Arc<crate::observe::Debug>>,
    /// The timeline, `None` unless asked for (`observe/timeline.rs`).
    pub(crate) timeline: Option<Arc<crate::observe::Timeline>>,
}

/// A cheap, cloneable reference to a running runtime.
#[derive(Clone)]
pub(crate) enum Handle {
    Multi(Arc<multi_thread::Shared>),
    Current(Arc<current_thread::Shared>),
}

impl Handle {
    pub(crate) fn common(&self) -> &Common {
        match self {
            Handle::Multi(s) => &s.common,
            Handle::Current(s) => &s.common,
        }
    }

    pub(crate) fn driver(&self) -> &Arc<Driver> {
        &self.common().driver
    }

    pub(crate) fn spawn<F>(
        &self,
        future: F,
        name: Option<Arc<str>>,
        at: &'static std::panic::Location<'static>,
    ) -> Result<Task<F::Output>, crate::task::Rejected<F>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Handle::Multi(s) => multi_thread::spawn(s, future, name, at),
            Handle::Current(s) => current_thread::spawn(s, future, name, at),
        }
    }
}
