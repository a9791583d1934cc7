//! Task-locals with asyncio's `contextvars` behaviour.
//!
//! A [`TaskLocal`] is a `ContextVar`: [`get`](TaskLocal::get) reads the current task's
//! value, [`set`](TaskLocal::set) changes it and returns a [`LocalToken`] that
//! [`reset`](TaskLocal::reset) uses to put the old value back. A task spawned from
//! another starts with a **copy** of its parent's values as they are at spawn time:
//! later `set`s in either task are not seen by the other.
//!
//! The values of a task live in one immutable map shared by reference: `set` makes a
//! new map (copy on write) and spawning only clones a pointer, so spawning costs the
//! same whether a task has no locals or a hundred. The executor keeps the pointer in the
//! task (`TaskRef::with_locals`) and gives the child a clone at spawn.
//!
//! Outside a task (plain threads), each thread has its own values.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use weft_executor::Id;

type Value = Arc<dyn Any + Send + Sync>;

/// The per-task map: (key id, value) sorted by key id.
#[derive(Default, Clone)]
struct LocalsMap {
    entries: Vec<(u64, Value)>,
}

impl LocalsMap {
    fn get(&self, key: u64) -> Option<&Value> {
        self.entries.binary_search_by_key(&key, |e| e.0).ok().map(|i| &self.entries[i].1)
    }

    fn with(&self, key: u64, value: Option<Value>) -> LocalsMap {
        let mut next = self.clone();
        match (next.entries.binary_search_by_key(&key, |e| e.0), value) {
            (Ok(i), Some(v)) => next.entries[i].1 = v,
            (Ok(i), None) => {
                next.entries.remove(i);
            }
            (Err(i), Some(v)) => next.entries.insert(i, (key, v)),
            (Err(_), None) => {}
        }
        next
    }
}

thread_local! {
    static THREAD_LOCALS: RefCell<Option<Arc<dyn Any + Send + Sync>>> = const { RefCell::new(None) };
}

/// Runs `f` on the current task's locals slot, or this thread's outside a task.
fn with_slot<R>(f: impl FnOnce(&mut Option<Arc<dyn Any + Send + Sync>>) -> R) -> R {
    match weft_executor::current_task() {
        Some(t) => t.with_locals(f),
        None => THREAD_LOCALS.with(|s| f(&mut s.borrow_mut())),
    }
}

fn current_map(slot: &Option<Arc<dyn Any + Send + Sync>>) -> Option<&LocalsMap> {
    slot.as_ref().and_then(|a| a.downcast_ref::<LocalsMap>())
}

/// asyncio's `ContextVar`: a value per task, copied into the tasks it spawns. Declare
/// one as a `static`.
///
/// ```
/// use weft::TaskLocal;
/// static REQUEST_ID: TaskLocal<u64> = TaskLocal::new("request_id");
///
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let token = REQUEST_ID.set(7);
/// let child = weft::spawn(async {
///     let seen = REQUEST_ID.get();   // a copy of the parent's value at spawn
///     REQUEST_ID.set(8);            // changes the child's copy only
///     seen
/// });
/// assert_eq!(child.await.unwrap(), Some(7));
/// assert_eq!(REQUEST_ID.get(), Some(7));
/// REQUEST_ID.reset(token).unwrap();
/// assert_eq!(REQUEST_ID.get(), None);
/// # });
/// ```
pub struct TaskLocal<T> {
    name: &'static str,
    id: AtomicU64,
    _value: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for TaskLocal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocal").field("name", &self.name).finish()
    }
}

impl<T: Clone + Send + Sync + 'static> TaskLocal<T> {
    /// A new variable (asyncio's `ContextVar(name)`); usable in a `static`.
    ///
    /// ```
    /// use weft::TaskLocal;
    /// static USER: TaskLocal<String> = TaskLocal::new("user");
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// assert_eq!(USER.name(), "user");
    /// assert_eq!(USER.get(), None, "no value until one is set");
    /// let _keep = USER.set("ada".to_string());
    /// assert_eq!(USER.get().as_deref(), Some("ada"));
    /// # });
    /// ```
    pub const fn new(name: &'static str) -> TaskLocal<T> {
        TaskLocal { name, id: AtomicU64::new(0), _value: PhantomData }
    }

    /// The variable's name.
    ///
    /// ```
    /// static V: weft::TaskLocal<i32> = weft::TaskLocal::new("v");
    /// assert_eq!(V.name(), "v");
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    fn key(&self) -> u64 {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = self.id.load(Ordering::Acquire);
        if id != 0 {
            return id;
        }
        let fresh = NEXT.fetch_add(1, Ordering::Relaxed);
        match self.id.compare_exchange(0, fresh, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => fresh,
            Err(existing) => existing,
        }
    }

    /// The current task's value, if it has one (asyncio's `var.get(None)`).
    ///
    /// ```
    /// static V: weft::TaskLocal<i32> = weft::TaskLocal::new("v");
    /// assert_eq!(V.get(), None);
    /// ```
    pub fn get(&self) -> Option<T> {
        let key = self.key();
        with_slot(|slot| {
            current_map(slot).and_then(|m| m.get(key)).and_then(|v| v.downcast_ref::<T>()).cloned()
        })
    }

    /// The current value, or `default` (asyncio's `var.get(default)`).
    ///
    /// ```
    /// static V: weft::TaskLocal<i32> = weft::TaskLocal::new("v");
    /// assert_eq!(V.get_or(3), 3);
    /// ```
    pub fn get_or(&self, default: T) -> T {
        self.get().unwrap_or(default)
    }

    /// Sets the current task's value; the token puts the previous one back.
    ///
    /// ```
    /// static V: weft::TaskLocal<&str> = weft::TaskLocal::new("v");
    /// let t = V.set("a");
    /// assert_eq!(V.get(), Some("a"));
    /// V.reset(t).unwrap();
    /// ```
    pub fn set(&self, value: T) -> LocalToken<T> {
        let key = self.key();
        let old = self.replace(key, Some(Arc::new(value)));
        LocalToken { key, old, task: weft_executor::current_task().map(|t| t.id()), _value: PhantomData }
    }

    fn replace(&self, key: u64, value: Option<Value>) -> Option<Value> {
        with_slot(|slot| {
            let empty = LocalsMap::default();
            let map = current_map(slot).unwrap_or(&empty);
            let old = map.get(key).cloned();
            let next = map.with(key, value);
            *slot = Some(Arc::new(next));
            old
        })
    }

    /// Puts back the value the token's `set` replaced (asyncio's `var.reset(token)`).
    /// A token works only in the task that made it, and only for its own variable.
    ///
    /// ```
    /// use weft::{LocalResetError, TaskLocal};
    /// static A: TaskLocal<i32> = TaskLocal::new("a");
    /// static B: TaskLocal<i32> = TaskLocal::new("b");
    /// let t = A.set(1);
    /// assert_eq!(B.reset(t), Err(LocalResetError::WrongVariable));
    /// ```
    pub fn reset(&self, token: LocalToken<T>) -> Result<(), LocalResetError> {
        if token.key != self.key() {
            return Err(LocalResetError::WrongVariable);
        }
        if token.task != weft_executor::current_task().map(|t| t.id()) {
            return Err(LocalResetError::WrongTask);
        }
        self.replace(token.key, token.old);
        Ok(())
    }
}

/// What [`TaskLocal::set`] returns: the way back to the previous value.
///
/// ```
/// use weft::TaskLocal;
/// static LEVEL: TaskLocal<u8> = TaskLocal::new("level");
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let outer = LEVEL.set(1);
/// let inner = LEVEL.set(2);
/// assert_eq!(LEVEL.get(), Some(2));
/// LEVEL.reset(inner).unwrap(); // back to what `inner`'s set replaced
/// assert_eq!(LEVEL.get(), Some(1));
/// LEVEL.reset(outer).unwrap();
/// assert_eq!(LEVEL.get(), None);
/// # });
/// ```
#[must_use = "keep the token to reset the variable, or drop it to keep the new value"]
pub struct LocalToken<T> {
    key: u64,
    old: Option<Value>,
    task: Option<Id>,
    _value: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for LocalToken<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalToken").field("had_value", &self.old.is_some()).finish()
    }
}

/// A [`LocalToken`] given to the wrong `reset` (asyncio's `ValueError`s).
///
/// ```
/// use weft::{LocalResetError, TaskLocal};
/// static V: TaskLocal<i32> = TaskLocal::new("v");
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let token = V.set(1);
/// // A token is reset in the task that made it, not in another.
/// let elsewhere = weft::spawn(async move { V.reset(token) }).await.unwrap();
/// assert_eq!(elsewhere, Err(LocalResetError::WrongTask));
/// assert_eq!(LocalResetError::WrongTask.to_string(), "the token was created in a different task");
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LocalResetError {
    /// The token was made by another variable's `set`.
    WrongVariable,
    /// The token was made in another task.
    WrongTask,
}

impl fmt::Display for LocalResetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LocalResetError::WrongVariable => "the token was created by a different TaskLocal",
            LocalResetError::WrongTask => "the token was created in a different task",
        })
    }
}

impl std::error::Error for LocalResetError {}
