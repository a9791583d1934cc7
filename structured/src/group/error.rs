//! What a task group returns when it does not return a value.

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use weft_executor::Cancelled;

/// One failure held by an [`ErrorGroup`]: a child's or the body's error, shared.
pub type Failure = Arc<dyn Error + Send + Sync + 'static>;

/// Why [`TaskGroup::run`](crate::TaskGroup::run) returned no value.
///
/// ```
/// use weft::{task_group, GroupError};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let r = task_group(|tg| async move {
///     tg.spawn(async { Err::<(), _>(std::io::Error::other("boom")) })?;
///     Ok::<_, weft::GroupSpawnError>(())
/// }).await;
/// match r {
///     Err(GroupError::Failed(group)) => assert_eq!(group.len(), 1),
///     other => panic!("{other:?}"),
/// }
/// # });
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum GroupError {
    /// The task running the group was cancelled from outside; every child was cancelled
    /// and joined. Propagate it: it is a cancellation, not a failure.
    Cancelled(Cancelled),
    /// Children (or the body) failed: every failure, in the order they happened.
    Failed(ErrorGroup),
    /// The group was stopped with [`TaskGroup::cancel`](crate::TaskGroup::cancel) before
    /// its body produced a value. Not an error of the task: nothing propagates.
    Stopped,
}

impl GroupError {
    /// Whether this is a cancellation from outside.
    ///
    /// ```
    /// let e = weft::GroupError::Cancelled(weft::Cancelled::new(None));
    /// assert!(e.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, GroupError::Cancelled(_))
    }

    /// The error group, if children or the body failed.
    ///
    /// ```
    /// assert!(weft::GroupError::Stopped.failures().is_none());
    /// ```
    pub fn failures(&self) -> Option<&ErrorGroup> {
        match self {
            GroupError::Failed(g) => Some(g),
            _ => None,
        }
    }
}

impl fmt::Display for GroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupError::Cancelled(c) => c.fmt(f),
            GroupError::Failed(g) => g.fmt(f),
            GroupError::Stopped => f.write_str("the task group was stopped"),
        }
    }
}

impl Error for GroupError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            GroupError::Cancelled(c) => Some(c),
            GroupError::Failed(g) => Some(g),
            GroupError::Stopped => None,
        }
    }
}

/// asyncio's `ExceptionGroup`: every failure of a task group, in the order they
/// happened (the body's own error, if any, last, as CPython does).
///
/// ```
/// use weft::ErrorGroup;
/// use std::sync::Arc;
/// let g = ErrorGroup::new(vec![
///     Arc::new(std::io::Error::other("disk")) as weft::Failure,
///     Arc::new(std::fmt::Error),
/// ]);
/// let (io, rest) = g.split::<std::io::Error>();
/// assert_eq!(io.unwrap().len(), 1);
/// assert_eq!(rest.unwrap().len(), 1);
/// assert!(g.to_string().contains("disk"));
/// ```
#[derive(Clone)]
pub struct ErrorGroup {
    failures: Vec<Failure>,
}

impl ErrorGroup {
    /// A group of these failures.
    pub fn new(failures: Vec<Failure>) -> ErrorGroup {
        ErrorGroup { failures }
    }

    /// The failures, in order.
    ///
    /// ```
    /// assert!(weft::ErrorGroup::new(vec![]).failures().is_empty());
    /// ```
    pub fn failures(&self) -> &[Failure] {
        &self.failures
    }

    /// How many failures.
    pub fn len(&self) -> usize {
        self.failures.len()
    }

    /// Whether there are none (a group never returns an empty one).
    pub fn is_empty(&self) -> bool {
        self.failures.is_empty()
    }

    /// Every failure of type `E` (not looking inside nested groups).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let g = weft::ErrorGroup::new(vec![Arc::new(std::fmt::Error) as weft::Failure]);
    /// assert_eq!(g.downcast::<std::fmt::Error>().count(), 1);
    /// ```
    pub fn downcast<E: Error + 'static>(&self) -> impl Iterator<Item = &E> {
        self.failures.iter().filter_map(|f| f.downcast_ref::<E>())
    }

    /// Whether some failure, here or in a nested group, has type `E`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let inner = weft::ErrorGroup::new(vec![Arc::new(std::fmt::Error) as weft::Failure]);
    /// let outer = weft::ErrorGroup::new(vec![Arc::new(weft::GroupError::Failed(inner)) as _]);
    /// assert!(outer.contains::<std::fmt::Error>());
    /// ```
    pub fn contains<E: Error + 'static>(&self) -> bool {
        self.failures.iter().any(|f| f.is::<E>() || nested(f.as_ref()).is_some_and(|g| g.contains::<E>()))
    }

    /// asyncio's `ExceptionGroup.split(E)`: the failures of type `E` (looking inside
    /// nested groups, keeping their nesting) and the rest; `None` for an empty side.
    pub fn split<E: Error + 'static>(&self) -> (Option<ErrorGroup>, Option<ErrorGroup>) {
        self.split_by(&|f| f.is::<E>())
    }

    /// [`split`](Self::split) by any predicate on a leaf failure.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let g = weft::ErrorGroup::new(vec![Arc::new(std::fmt::Error) as weft::Failure]);
    /// let (m, rest) = g.split_by(&|f| f.to_string().contains("format"));
    /// assert!(m.is_some() && rest.is_none());
    /// ```
    pub fn split_by(
        &self,
        pred: &dyn Fn(&(dyn Error + Send + Sync + 'static)) -> bool,
    ) -> (Option<ErrorGroup>, Option<ErrorGroup>) {
        let (mut yes, mut no) = (Vec::new(), Vec::new());
        for f in &self.failures {
            if let Some(inner) = nested(f.as_ref()) {
                let (a, b) = inner.split_by(pred);
                if let Some(a) = a {
                    yes.push(Arc::new(GroupError::Failed(a)) as Failure);
                }
                if let Some(b) = b {
                    no.push(Arc::new(GroupError::Failed(b)) as Failure);
                }
            } else if pred(f.as_ref()) {
                yes.push(f.clone());
            } else {
                no.push(f.clone());
            }
        }
        let wrap = |v: Vec<Failure>| (!v.is_empty()).then(|| ErrorGroup::new(v));
        (wrap(yes), wrap(no))
    }

    /// Every leaf failure, nested groups flattened, in order.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let inner = weft::ErrorGroup::new(vec![Arc::new(std::fmt::Error) as weft::Failure]);
    /// let outer = weft::ErrorGroup::new(vec![Arc::new(weft::GroupError::Failed(inner)) as _]);
    /// assert_eq!(outer.leaves().len(), 1);
    /// ```
    pub fn leaves(&self) -> Vec<Failure> {
        let mut out = Vec::new();
        for f in &self.failures {
            match nested(f.as_ref()) {
                Some(g) => out.extend(g.leaves()),
                None => out.push(f.clone()),
            }
        }
        out
    }
}

fn nested<'a>(f: &'a (dyn Error + Send + Sync + 'static)) -> Option<&'a ErrorGroup> {
    f.downcast_ref::<GroupError>().and_then(GroupError::failures).or_else(|| f.downcast_ref::<ErrorGroup>())
}

impl fmt::Debug for ErrorGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.failures.iter().map(|e| e.to_string())).finish()
    }
}

impl fmt::Display for ErrorGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.failures.len();
        write!(f, "unhandled errors in a task group ({n} sub-exception{})", if n == 1 { "" } else { "s" })?;
        for (i, e) in self.failures.iter().enumerate() {
            let text = e.to_string().replace('\n', "\n  | ");
            write!(f, "\n  [{}] {}", i + 1, text)?;
        }
        Ok(())
    }
}

impl Error for ErrorGroup {}

/// A child (or a group's body) panicked: a failure like any error, with the panic's
/// message.
///
/// ```
/// use weft::{task_group, ChildPanicked, GroupError};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let r = task_group(|tg| async move {
///     tg.spawn(async { if true { panic!("kaboom") }; Ok::<(), weft::Cancelled>(()) })?;
///     Ok::<_, weft::GroupSpawnError>(())
/// }).await;
/// let Err(GroupError::Failed(g)) = r else { panic!() };
/// assert_eq!(g.downcast::<ChildPanicked>().next().unwrap().message(), "kaboom");
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildPanicked {
    message: String,
}

impl ChildPanicked {
    pub(crate) fn new(message: String) -> Self {
        ChildPanicked { message }
    }

    /// The panic message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ChildPanicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task panicked: {}", self.message)
    }
}

impl Error for ChildPanicked {}

/// Why a child could not be spawned into a group: asyncio's `RuntimeError`s of
/// `create_task`.
///
/// ```
/// use weft::{GroupSpawnError, TaskGroup};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let tg = TaskGroup::new();
/// let e = tg.spawn(async { Ok::<(), weft::Cancelled>(()) }).unwrap_err();
/// assert_eq!(e, GroupSpawnError::NotEntered);
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupSpawnError {
    /// The group's `run` has not started.
    NotEntered,
    /// The group has finished (or is joining its last children and has none left).
    Finished,
    /// The group is cancelling its children after a failure or a cancellation.
    ShuttingDown,
    /// The runtime refused the spawn.
    Runtime(weft_executor::SpawnError),
}

impl fmt::Display for GroupSpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupSpawnError::NotEntered => {
                f.write_str("the task group has not been entered: spawn from inside run()")
            }
            GroupSpawnError::Finished => f.write_str("the task group is finished"),
            GroupSpawnError::ShuttingDown => f.write_str("the task group is shutting down"),
            GroupSpawnError::Runtime(e) => write!(f, "cannot spawn: {e}"),
        }
    }
}

impl Error for GroupSpawnError {}

/// `run` on a group that was already entered.
///
/// ```
/// use weft::{GroupStateError, TaskGroup};
/// let tg = TaskGroup::new();
/// let _first = tg.run(|_| async { Ok::<(), weft::Cancelled>(()) }).unwrap();
/// let second = tg.run(|_| async { Ok::<(), weft::Cancelled>(()) });
/// assert_eq!(second.err(), Some(GroupStateError::AlreadyEntered));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupStateError {
    /// A group is entered once; make a new one.
    AlreadyEntered,
}

impl fmt::Display for GroupStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the task group has already been entered; create a new one")
    }
}

impl Error for GroupStateError {}

/// Why a child awaited through its [`GroupTask`](crate::GroupTask) gave no value.
///
/// ```
/// let e = weft::ChildError::Cancelled(weft::Cancelled::new(None));
/// assert!(e.is_cancelled());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ChildError {
    /// The child ended cancelled, or the waiting task was cancelled while it waited.
    Cancelled(Cancelled),
    /// The child failed (the same failure is in the group's [`ErrorGroup`]).
    Failed(Failure),
    /// The child's result was already taken through this handle.
    AlreadyTaken,
    /// The child awaited its own handle, which could only wait forever (asyncio's
    /// `RuntimeError: Task cannot await on itself`).
    AwaitsItself,
}

impl ChildError {
    /// Whether this is a cancellation.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, ChildError::Cancelled(_))
    }
}

impl fmt::Display for ChildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildError::Cancelled(c) => c.fmt(f),
            ChildError::Failed(e) => e.fmt(f),
            ChildError::AlreadyTaken => f.write_str("the child's result was already taken"),
            ChildError::AwaitsItself => f.write_str("a task cannot await its own handle"),
        }
    }
}

impl Error for ChildError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ChildError::Cancelled(c) => Some(c),
            ChildError::Failed(e) => Some(e.as_ref()),
            ChildError::AlreadyTaken | ChildError::AwaitsItself => None,
        }
    }
}

/// Why [`TaskGroup::start`](crate::TaskGroup::start) gave no value.
///
/// ```
/// let e = weft::StartError::EndedBeforeStarted;
/// assert!(e.to_string().contains("before"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StartError {
    /// The child could not be spawned.
    Spawn(GroupSpawnError),
    /// The waiting task was cancelled; the child was cancelled too.
    Cancelled(Cancelled),
    /// The child ended (returned, failed, or was cancelled) without calling `started`.
    EndedBeforeStarted,
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Spawn(e) => e.fmt(f),
            StartError::Cancelled(c) => c.fmt(f),
            StartError::EndedBeforeStarted => {
                f.write_str("the child ended before it reported that it started")
            }
        }
    }
}

impl Error for StartError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            StartError::Cancelled(c) => Some(c),
            StartError::Spawn(e) => Some(e),
            StartError::EndedBeforeStarted => None,
        }
    }
}

impl From<GroupSpawnError> for StartError {
    fn from(e: GroupSpawnError) -> Self {
        StartError::Spawn(e)
    }
}
