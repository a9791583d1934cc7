//! Trio's cancel scopes, the level-triggered half of cancellation.
//!
//! A [`ScopeCore`] is the engine under `weft::CancelScope`, `move_on_after` and
//! `fail_after`. Scopes form a tree: a scope's parent is the scope its first poll happened
//! inside, and a task spawned inside a scope inherits it, so cancelling a scope reaches
//! every task in it, however deep.
//!
//! ```text
//!   scope A (deadline 5s)           cancel(A): A.cancelled = true, then wake A's owner,
//!     ├── task T1 (inherited A)                A's tasks, and the owners and tasks of
//!     └── scope B (shield)                     every non-shielded scope below A.
//!           └── task T2                        T2 is behind B's shield: not woken, and
//!                                              its checkpoints stop walking at B.
//! ```
//!
//! A checkpoint walks from the innermost scope of the current poll towards the root: the
//! first cancelled scope it meets makes it fail; a shielded scope ends the walk (and
//! defers asyncio-style requests until the poll is outside it again).
//!
//! **Invariant:** a scope is entered once and left once, by the task that polls it; its
//! owner waker and its links exist only between the two.

use super::Cancelled;
use crate::context;
use crate::task::Id;
use crate::time::Timer;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::task::{Context, RawWakerVTable, Wake, Waker};
use std::time::Instant;

/// The state of one cancel scope. See the module docs.
pub struct ScopeCore {
    id: u64,
    parent: OnceLock<Option<Arc<ScopeCore>>>,
    cancelled: AtomicBool,
    shield: AtomicBool,
    /// Every `Cancelled` this scope delivers holds a clone: if one reaches the scope's
    /// exit, the scope caught its own cancellation (Trio's `cancelled_caught`).
    token: Arc<()>,
    inner: Mutex<Inner>,
    /// Who `inner.owner` is, readable without the lock (see [`OwnerKey`]).
    owner_key: OwnerKey,
}

/// The owner waker's identity, its data and vtable pointers (what `Waker::will_wake`
/// compares), kept beside `Inner::owner` so that a poll whose waker is the owner already,
/// nearly every poll, does not lock: a scope around a long-lived task (each connection
/// of a server is a group child inside one) is polled once per wake-up, and the
/// uncontended lock and unlock were the largest of weft's own costs per HTTP request.
///
/// It is written with the lock held, and only by the body's own polls (`enter`,
/// `poll_inside`) and by `exit`, which are never concurrent: one task polls the body, one
/// poll at a time, and each poll happens after the one before. It is read only by
/// `poll_inside`, from those same polls. So a read never meets a pair being written, and
/// relaxed atomics are enough; other threads read `owner` itself, under the lock.
#[derive(Default)]
struct OwnerKey {
    data: AtomicPtr<()>,
    vtable: AtomicPtr<RawWakerVTable>,
}

impl OwnerKey {
    #[inline]
    fn is(&self, w: &Waker) -> bool {
        std::ptr::eq(self.data.load(Ordering::Relaxed), w.data())
            && std::ptr::eq(self.vtable.load(Ordering::Relaxed), w.vtable())
    }

    /// Records `w` as the owner (the caller holds the lock and sets `Inner::owner`).
    fn set(&self, w: Option<&Waker>) {
        let (data, vtable) = match w {
            Some(w) => (w.data().cast_mut(), std::ptr::from_ref(w.vtable()).cast_mut()),
            None => (std::ptr::null_mut(), std::ptr::null_mut()),
        };
        self.data.store(data, Ordering::Relaxed);
        self.vtable.store(vtable, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct Inner {
    entered: bool,
    exited: bool,
    owner: Option<Waker>,
    /// Tasks spawned inside this scope, by id.
    tasks: std::collections::HashMap<Id, Waker>,
    children: Vec<Weak<ScopeCore>>,
    deadline: Option<Instant>,
    timer: Option<Timer>,
}

/// A scope can be entered only once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlreadyEntered;

impl std::fmt::Display for AlreadyEntered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a cancel scope can be entered only once; create a new scope")
    }
}

impl std::error::Error for AlreadyEntered {}

impl std::fmt::Debug for ScopeCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopeCore")
            .field("id", &self.id)
            .field("cancelled", &self.is_cancelled())
            .field("shield", &self.is_shielded())
            .field("deadline", &self.deadline())
            .finish()
    }
}

impl ScopeCore {
    /// A scope that is not entered yet.
    ///
    /// ```
    /// let scope = weft::cancel::ScopeCore::new();
    /// assert!(!scope.is_cancelled());
    /// ```
    pub fn new() -> Arc<ScopeCore> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Arc::new(ScopeCore {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            parent: OnceLock::new(),
            cancelled: AtomicBool::new(false),
            shield: AtomicBool::new(false),
            token: Arc::new(()),
            inner: Mutex::new(Inner::default()),
            owner_key: OwnerKey::default(),
        })
    }

    /// This scope's id, unique in the process.
    ///
    /// ```
    /// let (a, b) = (weft::cancel::ScopeCore::new(), weft::cancel::ScopeCore::new());
    /// assert_ne!(a.id(), b.id());
    /// ```
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Whether `cancel()` was called or the deadline passed (Trio's `cancel_called`).
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    /// Whether the scope shields what it contains from cancellation outside it.
    pub fn is_shielded(&self) -> bool {
        self.shield.load(Ordering::Acquire)
    }

    pub(crate) fn parent(&self) -> Option<&ScopeCore> {
        self.parent.get().and_then(|p| p.as_deref())
    }

    pub(crate) fn delivery(&self, task_mark: Option<super::delivery::DeliveryMark>) -> Cancelled {
        Cancelled::from_scope(self.id, self.token.clone(), task_mark)
    }

    /// Cancels the scope: from now on every checkpoint inside it fails. Idempotent.
    ///
    /// ```
    /// let scope = weft::cancel::ScopeCore::new();
    /// scope.cancel();
    /// assert!(scope.is_cancelled());
    /// ```
    pub fn cancel(&self) {
        if self.cancelled.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Some(t) = self.inner.lock().timer.take() {
            t.cancel();
        }
        self.wake_all();
    }

    /// Wakes everything that polls inside this scope and is not behind a shield.
    fn wake_all(&self) {
        let (wakers, children) = {
            let inner = self.inner.lock();
            let mut wakers: Vec<Waker> = inner.tasks.values().cloned().collect();
            wakers.extend(inner.owner.clone());
            (wakers, inner.children.clone())
        };
        for w in wakers {
            w.wake();
        }
        for child in children.iter().filter_map(Weak::upgrade) {
            if !child.is_shielded() {
                child.wake_all();
            }
        }
    }

    /// Sets or clears the shield. Clearing it inside a cancelled scope wakes the tasks
    /// behind it so that they see the cancellation.
    ///
    /// ```
    /// let scope = weft::cancel::ScopeCore::new();
    /// scope.set_shield(true);
    /// assert!(scope.is_shielded());
    /// ```
    pub fn set_shield(&self, shield: bool) {
        let was = self.shield.swap(shield, Ordering::AcqRel);
        if was && !shield {
            let mut p = self.parent();
            while let Some(s) = p {
                if s.is_cancelled() {
                    self.wake_all();
                    break;
                }
                if s.is_shielded() {
                    break;
                }
                p = s.parent();
            }
        }
    }

    /// The scope's own deadline.
    pub fn deadline(&self) -> Option<Instant> {
        self.inner.lock().deadline
    }

    /// Moves the deadline (None removes it). A deadline in the past cancels the scope at
    /// once if it is entered, or when it is entered.
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// let scope = weft::cancel::ScopeCore::new();
    /// let t = Instant::now() + Duration::from_secs(5);
    /// scope.set_deadline(Some(t));
    /// assert_eq!(scope.deadline(), Some(t));
    /// ```
    pub fn set_deadline(self: &Arc<Self>, deadline: Option<Instant>) {
        let mut inner = self.inner.lock();
        inner.deadline = deadline;
        if !inner.entered || inner.exited || self.is_cancelled() {
            return;
        }
        if self.arm(&mut inner) {
            drop(inner);
            self.cancel();
        }
    }

    /// Arms (or disarms) the deadline timer. Returns true if the deadline has already
    /// passed: the caller must then `cancel()` the scope once it has released `inner`
    /// (`cancel` takes the lock).
    #[must_use]
    fn arm(self: &Arc<Self>, inner: &mut Inner) -> bool {
        match inner.deadline {
            None => {
                if let Some(t) = inner.timer.take() {
                    t.cancel();
                }
                false
            }
            Some(d) => {
                // One reading of the clock both tells whether the deadline passed and
                // measures a new timer's slack.
                let now = crate::time::now();
                if d <= now {
                    if let Some(t) = inner.timer.take() {
                        t.cancel();
                    }
                    return true;
                }
                if inner.timer.as_ref().is_some_and(|t| t.reset(d)) {
                    return false;
                }
                let waker = Waker::from(Arc::new(DeadlineWaker(Arc::downgrade(self))));
                inner.timer = Timer::register_seen(d, now, waker);
                false
            }
        }
    }

    /// The earliest deadline of this scope and the scopes around it, up to the nearest
    /// shield (Trio's `current_effective_deadline` for a poll inside this scope).
    pub fn effective_deadline(&self) -> Option<Instant> {
        let mut best: Option<Instant> = None;
        let mut node = Some(self);
        while let Some(s) = node {
            if s.is_cancelled() {
                return Some(crate::time::now().min(best.unwrap_or_else(crate::time::now)));
            }
            if let Some(d) = s.deadline() {
                best = Some(best.map_or(d, |b| b.min(d)));
            }
            if s.is_shielded() {
                break;
            }
            node = s.parent();
        }
        best
    }

    /// Enters the scope from the poll `cx` of the current task: its parent becomes the
    /// scope this poll is inside, and its deadline is armed.
    pub fn enter(self: &Arc<Self>, cx: &Context<'_>) -> Result<(), AlreadyEntered> {
        let parent = context::current_scope_arc();
        let mut inner = self.inner.lock();
        if inner.entered {
            return Err(AlreadyEntered);
        }
        inner.entered = true;
        inner.owner = Some(cx.waker().clone());
        self.owner_key.set(Some(cx.waker()));
        let _ = self.parent.set(parent.clone());
        if let Some(p) = &parent {
            p.inner.lock().children.push(Arc::downgrade(self));
        }
        if !self.is_cancelled() && inner.deadline.is_some() && self.arm(&mut inner) {
            drop(inner);
            self.cancel();
        }
        Ok(())
    }

    /// Runs `f` (one poll of the scope's body) with this scope as the innermost scope.
    pub fn poll_inside<R>(
        self: &Arc<Self>,
        cx: &mut Context<'_>,
        f: impl FnOnce(&mut Context<'_>) -> R,
    ) -> R {
        if !self.owner_key.is(cx.waker()) {
            self.set_owner(cx);
        }
        let _guard = context::enter_scope(self);
        f(cx)
    }

    /// The first poll inside the scope, or one by another waker: the waker a
    /// cancellation of the scope wakes. Out of line, so that the polls that find the
    /// owner unchanged (all but the first of a task's) run only the test above.
    #[cold]
    #[inline(never)]
    fn set_owner(&self, cx: &Context<'_>) {
        let mut inner = self.inner.lock();
        inner.owner = Some(cx.waker().clone());
        self.owner_key.set(Some(cx.waker()));
    }

    /// Leaves the scope: unlinks it and disarms its deadline. Returns whether a
    /// `Cancelled` this scope delivered is still alive (held by the body's result): the
    /// scope caught its own cancellation.
    pub fn exit(&self) -> bool {
        let mut inner = self.inner.lock();
        inner.exited = true;
        inner.owner = None;
        self.owner_key.set(None);
        if let Some(t) = inner.timer.take() {
            t.cancel();
        }
        drop(inner);
        if let Some(p) = self.parent() {
            p.inner.lock().children.retain(|c| c.upgrade().is_some_and(|c| c.id != self.id));
        }
        Arc::strong_count(&self.token) > 1
    }

    /// Runs `f` as if outside every cancel scope: a task spawned in `f` inherits none, so
    /// no scope around the caller can reach it (what `weft::shield` spawns its work with).
    /// Cancelling the task itself still works.
    ///
    /// ```
    /// let scope = weft::cancel::ScopeCore::new();
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let inner = weft::cancel::ScopeCore::outside(|| weft::spawn(async { 1 }));
    /// assert_eq!(inner.await.unwrap(), 1);
    /// # });
    /// # drop(scope);
    /// ```
    pub fn outside<R>(f: impl FnOnce() -> R) -> R {
        let _guard = context::leave_scopes();
        f()
    }

    pub(crate) fn register_task(&self, id: Id, waker: Waker) {
        self.inner.lock().tasks.insert(id, waker);
    }

    pub(crate) fn forget_task(&self, id: Id) {
        self.inner.lock().tasks.remove(&id);
    }
}

/// The waker a scope's deadline timer fires: cancels the scope if the deadline passed.
struct DeadlineWaker(Weak<ScopeCore>);

impl Wake for DeadlineWaker {
    fn wake(self: Arc<Self>) {
        if let Some(scope) = self.0.upgrade() {
            let mut inner = scope.inner.lock();
            if inner.deadline.is_some_and(|d| d <= crate::time::now()) {
                drop(inner);
                scope.cancel();
            } else if !inner.exited && !scope.is_cancelled() {
                // The deadline moved later after this timer fired: arm it again.
                inner.timer = None;
                if scope.arm(&mut inner) {
                    drop(inner);
                    scope.cancel();
                }
            }
        }
    }
}
