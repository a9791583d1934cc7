//! The table behind `cancellation_rule.rs`: for every place a task can wait, a task-group
//! child blocked there, written as a user writes it, and what the group, a timeout around
//! it and `retry` must make of its cancellation.
//!
//! The rule under test (docs/book/04-cancellation.md): an outcome is a cancellation when
//! it propagates a `Cancelled` delivered to that task or scope, whatever error type
//! carries it. So a child that writes `q.get().await?` into its own error enum (with no
//! `source()`), or into `Box<dyn Error + Send + Sync>`, and is cancelled there, was
//! cancelled: it did not fail.
//!
//! Each row runs on both flavours. A child says it is about to block (`arrived`) right
//! before its wait; only synchronous code lies between that signal and the wait's first
//! poll, so a cancellation made after the signal is delivered at the wait, whether the
//! wait has registered yet or not. No row sleeps to order events.
#![allow(dead_code)]

use parking_lot::Mutex;
use std::error::Error;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};
use weft::net::{TcpListener, TcpStream};
use weft::oneshot::{self, RecvError};
use weft::{
    Barrier, BarrierError, BoundedSemaphore, Cancelled, Condition, ConditionError, Event, GetError,
    GroupError, GroupSpawnError, JoinError, LifoQueue, Lock, PriorityQueue, PutError, Queue, Semaphore,
    ShieldCancelled, TimeoutError, shield, spawn, task_group,
};

/// Every place a task can wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Lock,
    Semaphore,
    BoundedSemaphore,
    Event,
    Condition,
    Barrier,
    /// `get` on an empty queue.
    QueueGet,
    /// `put` on a full queue.
    QueuePut,
    LifoQueueGet,
    PriorityQueueGet,
    Oneshot,
    Sleep,
    /// A read on a loopback TCP stream whose peer never writes.
    TcpRead,
    /// Awaiting another task's `Task` handle.
    TaskHandle,
    /// A nested task group, whose own child waits.
    NestedGroup,
    /// `shield(fut)`, whose inner work waits.
    Shield,
}

/// What happens to the group while its child waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// (a) A sibling fails: the group reports the sibling's failure, and only it.
    SiblingFails,
    /// (b) The task running the group is cancelled from outside: the group ends
    /// cancelled, with no failures.
    OwnerCancelled,
    /// (c) A timeout around the group fires: the result is the timeout's `TimeoutError`.
    TimeoutFires,
}

/// What the inner work of a shield returns.
pub type ShieldOutput = Result<(), Cancelled>;

/// The boxed error a user reaches for first.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// A child's own error enum, as a user writes it: one variant per error it meets, `From`
/// for `?`, and `Error` with the default `source()` (none).
#[derive(Debug)]
pub enum AppError {
    Cancelled(Cancelled),
    Condition(ConditionError),
    Barrier(BarrierError),
    Get(GetError),
    Put(PutError<u32>),
    Recv(RecvError),
    Io(io::Error),
    Join(JoinError),
    Group(GroupError),
    Shield(ShieldCancelled<ShieldOutput>),
    /// The sibling's failure in scenario (a).
    Boom,
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Cancelled(e) => write!(f, "app: {e}"),
            AppError::Condition(e) => write!(f, "app: {e}"),
            AppError::Barrier(e) => write!(f, "app: {e}"),
            AppError::Get(e) => write!(f, "app: {e}"),
            AppError::Put(e) => write!(f, "app: {e}"),
            AppError::Recv(e) => write!(f, "app: {e}"),
            AppError::Io(e) => write!(f, "app: {e}"),
            AppError::Join(e) => write!(f, "app: {e}"),
            AppError::Group(e) => write!(f, "app: {e}"),
            AppError::Shield(e) => write!(f, "app: {e}"),
            AppError::Boom => f.write_str("app: boom"),
        }
    }
}

/// Deliberately no `source()`: the rule must not need it.
impl Error for AppError {}

macro_rules! app_from {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        $(impl From<$ty> for AppError {
            fn from(e: $ty) -> AppError {
                AppError::$variant(e)
            }
        })*
    };
}

app_from!(
    Cancelled(Cancelled),
    Condition(ConditionError),
    Barrier(BarrierError),
    Get(GetError),
    Put(PutError<u32>),
    Recv(RecvError),
    Io(io::Error),
    Join(JoinError),
    Group(GroupError),
    Shield(ShieldCancelled<ShieldOutput>),
);

/// The sibling's failure when the child's error type is [`BoxError`].
#[derive(Debug)]
pub struct Boom;

impl fmt::Display for Boom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("boom")
    }
}

impl Error for Boom {}

/// What a child's error type must offer: `?` from every wait's error, and a failure for
/// the sibling.
pub trait ChildError:
    From<Cancelled>
    + From<ConditionError>
    + From<BarrierError>
    + From<GetError>
    + From<PutError<u32>>
    + From<RecvError>
    + From<io::Error>
    + From<JoinError>
    + From<GroupError>
    + From<ShieldCancelled<ShieldOutput>>
    + Into<BoxError>
    + fmt::Debug
    + Send
    + 'static
{
    /// The sibling's failure.
    fn boom() -> Self;
    /// Whether a group's failure is the sibling's.
    fn is_boom(failure: &(dyn Error + Send + Sync + 'static)) -> bool;
}

impl ChildError for AppError {
    fn boom() -> Self {
        AppError::Boom
    }
    fn is_boom(failure: &(dyn Error + Send + Sync + 'static)) -> bool {
        matches!(failure.downcast_ref::<AppError>(), Some(AppError::Boom))
    }
}

impl ChildError for anyhow::Error {
    fn boom() -> Self {
        anyhow::Error::new(Boom)
    }
    fn is_boom(failure: &(dyn Error + Send + Sync + 'static)) -> bool {
        // The group holds anyhow's error as `Box<dyn Error>` of anyhow's own type: the
        // message is what is left to compare.
        failure.to_string() == "boom"
    }
}

impl ChildError for BoxError {
    fn boom() -> Self {
        Box::new(Boom)
    }
    fn is_boom(failure: &(dyn Error + Send + Sync + 'static)) -> bool {
        failure.is::<Boom>()
    }
}

/// Everything one row needs: the primitive the child waits on, held so that it blocks,
/// the child's arrival signal and the cleanup log.
pub struct Rig {
    pub place: Place,
    lock: Lock,
    semaphore: Semaphore,
    bounded: BoundedSemaphore,
    event: Event,
    condition: Condition,
    barrier: Barrier,
    queue: Queue<u32>,
    full: Queue<u32>,
    lifo: LifoQueue<u32>,
    priority: PriorityQueue<u32>,
    oneshot: Mutex<Option<oneshot::Receiver<u32>>>,
    never_sent: Mutex<Option<oneshot::Sender<u32>>>,
    stream: Option<TcpStream>,
    peer: Mutex<Option<TcpStream>>,
    /// Set by the child right before it waits.
    pub arrived: Event,
    /// Lets the work that outlives the child (an awaited task, a shield's inner work)
    /// finish at the end of the row.
    release: Event,
    /// One entry per child whose wait returned `Err`: the place, and whether its cleanup
    /// could await.
    pub log: Mutex<Vec<(Place, bool)>>,
}

impl Rig {
    /// Builds the rig of `place`, inside a runtime (a TCP pair needs the reactor).
    pub async fn new(place: Place) -> Arc<Rig> {
        let (tx, rx) = oneshot::channel();
        let (stream, peer) = if place == Place::TcpRead {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
            let addr = listener.local_addr().unwrap();
            let stream = TcpStream::connect(addr).await.expect("connect");
            let (peer, _) = listener.accept().await.expect("accept");
            (Some(stream), Some(peer))
        } else {
            (None, None)
        };
        let rig = Rig {
            place,
            lock: Lock::new(),
            semaphore: Semaphore::new(0),
            bounded: BoundedSemaphore::new(1),
            event: Event::new(),
            condition: Condition::new(),
            barrier: Barrier::new(2).unwrap(),
            queue: Queue::new(0),
            full: Queue::new(1),
            lifo: LifoQueue::lifo(0),
            priority: PriorityQueue::priority(0),
            oneshot: Mutex::new(Some(rx)),
            never_sent: Mutex::new(Some(tx)),
            stream,
            peer: Mutex::new(peer),
            arrived: Event::new(),
            release: Event::new(),
            log: Mutex::new(Vec::new()),
        };
        // Held by nobody who will let go: the child's wait blocks until it is cancelled.
        rig.lock.acquire_raw().await.unwrap();
        rig.bounded.acquire_raw().await.unwrap();
        rig.full.put_nowait(0).unwrap();
        Arc::new(rig)
    }

    /// Lets what outlives the child finish.
    pub fn finish(&self) {
        self.release.set();
        self.peer.lock().take();
        self.never_sent.lock().take();
    }
}

/// The child's wait, as a user writes it: `?` into the child's error type.
async fn wait_at<E: ChildError>(rig: Arc<Rig>) -> Result<(), E> {
    match rig.place {
        Place::Lock => {
            rig.arrived.set();
            let _guard = rig.lock.acquire().await?;
        }
        Place::Semaphore => {
            rig.arrived.set();
            let _permit = rig.semaphore.acquire().await?;
        }
        Place::BoundedSemaphore => {
            rig.arrived.set();
            let _permit = rig.bounded.acquire().await?;
        }
        Place::Event => {
            rig.arrived.set();
            rig.event.wait().await?;
        }
        Place::Condition => {
            let mut guard = rig.condition.acquire().await?;
            rig.arrived.set();
            guard.wait().await?;
        }
        Place::Barrier => {
            rig.arrived.set();
            rig.barrier.wait().await?;
        }
        Place::QueueGet => {
            rig.arrived.set();
            rig.queue.get().await?;
        }
        Place::QueuePut => {
            rig.arrived.set();
            rig.full.put(1).await?;
        }
        Place::LifoQueueGet => {
            rig.arrived.set();
            rig.lifo.get().await?;
        }
        Place::PriorityQueueGet => {
            rig.arrived.set();
            rig.priority.get().await?;
        }
        Place::Oneshot => {
            let rx = rig.oneshot.lock().take().expect("one child per rig");
            rig.arrived.set();
            rx.await?;
        }
        Place::Sleep => {
            rig.arrived.set();
            weft::time::sleep(Duration::from_secs(3600)).await?;
        }
        Place::TcpRead => {
            let mut buf = [0u8; 16];
            rig.arrived.set();
            rig.stream.as_ref().expect("a TCP pair").read(&mut buf).await?;
        }
        Place::TaskHandle => {
            let r = rig.clone();
            let other = spawn(async move { r.release.wait().await });
            rig.arrived.set();
            other.await??;
        }
        Place::NestedGroup => {
            let r = rig.clone();
            task_group(|tg| async move {
                tg.spawn(async move {
                    r.arrived.set();
                    r.release.wait().await
                })?;
                Ok::<_, GroupSpawnError>(())
            })
            .await?;
        }
        Place::Shield => {
            let r = rig.clone();
            rig.arrived.set();
            shield(async move { r.release.wait().await }).await??;
        }
    }
    Ok(())
}

/// A group child blocked at the rig's place. When its wait fails it cleans up (an await:
/// asyncio's `except CancelledError: await cleanup(); raise`), logs it, and propagates.
pub async fn child<E: ChildError>(rig: Arc<Rig>) -> Result<(), E> {
    let r = wait_at::<E>(rig.clone()).await;
    if r.is_err() {
        let awaited = weft::yield_now().await.is_ok();
        rig.log.lock().push((rig.place, awaited));
    }
    r
}

/// What a timeout around the group returns: the group's error or the timeout's. It
/// reports its source, as `thiserror`'s `#[from]` would, so that only the children's
/// errors are under test.
#[derive(Debug)]
pub enum Outer {
    Group(GroupError),
    TimedOut(TimeoutError),
}

impl fmt::Display for Outer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outer::Group(e) => e.fmt(f),
            Outer::TimedOut(e) => e.fmt(f),
        }
    }
}

impl Error for Outer {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Outer::Group(e) => Some(e),
            Outer::TimedOut(e) => Some(e),
        }
    }
}

impl From<TimeoutError> for Outer {
    fn from(e: TimeoutError) -> Outer {
        Outer::TimedOut(e)
    }
}

/// A group whose child waits at the rig's place; in scenario (a), with a sibling that
/// fails once the child has arrived.
async fn group<E: ChildError>(rig: Arc<Rig>, with_failing_sibling: bool) -> Result<(), GroupError> {
    task_group(|tg| async move {
        tg.spawn(child::<E>(rig.clone()))?;
        if with_failing_sibling {
            tg.spawn(async move {
                rig.arrived.wait().await?;
                Err::<(), E>(E::boom())
            })?;
        }
        Ok::<_, GroupSpawnError>(())
    })
    .await
}

/// Runs one row of the table on the current runtime.
pub async fn check<E: ChildError>(scenario: Scenario, place: Place, flavour: &str) {
    let rig = Rig::new(place).await;
    let row = format!(
        "{flavour}: {scenario:?} with a child at {place:?} (error type {})",
        std::any::type_name::<E>()
    );
    match scenario {
        Scenario::SiblingFails => {
            let r = group::<E>(rig.clone(), true).await;
            match &r {
                Err(GroupError::Failed(g)) if g.len() == 1 && E::is_boom(&*g.failures()[0]) => {}
                other => panic!("{row}: the group must report the sibling's failure alone, got {other:?}"),
            }
        }
        Scenario::OwnerCancelled => {
            let seen: Arc<Mutex<Option<Result<(), GroupError>>>> = Default::default();
            let (s, r) = (seen.clone(), rig.clone());
            let owner = spawn(async move {
                let result = group::<E>(r, false).await;
                *s.lock() = Some(result.clone());
                result
            });
            rig.arrived.wait().await.unwrap();
            assert!(owner.cancel(None));
            let joined = owner.await;
            let seen = seen.lock().take();
            assert!(
                matches!(seen, Some(Err(GroupError::Cancelled(_)))),
                "{row}: the group must end cancelled, with no failures; it returned {seen:?}"
            );
            assert!(
                matches!(joined, Err(JoinError::Cancelled(_))),
                "{row}: the owner propagated the group's cancellation and must end cancelled: {joined:?}"
            );
        }
        Scenario::TimeoutFires => {
            let r = rig.clone();
            let mut fut = weft::timeout(Duration::from_secs(3600), async move {
                group::<E>(r, false).await.map_err(Outer::Group)
            });
            // The deadline is moved to now once the child waits (asyncio's
            // `cm.reschedule(loop.time())`): it fires while the child is blocked.
            let handle = fut.handle();
            let r = rig.clone();
            let trigger = spawn(async move {
                r.arrived.wait().await?;
                handle.reschedule(Some(Instant::now())).expect("the timeout is running");
                Ok::<_, Cancelled>(())
            });
            let result = fut.await;
            trigger.await.unwrap().unwrap();
            assert!(
                matches!(result, Err(Outer::TimedOut(_))),
                "{row}: the timeout must report TimedOut, got {result:?}"
            );
        }
    }
    let log = rig.log.lock().clone();
    assert_eq!(log, [(place, true)], "{row}: the child's cleanup must have run, and could await");
    rig.finish();
}

/// Defines `async fn $name(place: Place, flavour: &str)`: `retry` around an operation
/// blocked at the rig's place, with the operation's error type `$error`; the task running
/// `retry` is cancelled, and `retry` must return the cancellation without another
/// attempt. A macro rather than a generic function, so that the only bound a row meets is
/// `retry`'s own.
#[macro_export]
macro_rules! define_check_retry {
    ($name:ident, $error:ty) => {
        pub async fn $name(place: $crate::cancellation_table::Place, flavour: &str) {
            use parking_lot::Mutex;
            use std::sync::Arc;
            use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
            use std::time::Duration;
            use $crate::cancellation_table::{Rig, child};

            let rig = Rig::new(place).await;
            let row = format!(
                "{flavour}: retry with the operation at {place:?} (error type {})",
                stringify!($error)
            );
            let attempts = Arc::new(AtomicU32::new(0));
            let seen: Arc<Mutex<Option<String>>> = Default::default();
            let policy = weft::RetryPolicy::builder()
                .max_attempts(3)
                .initial_delay(Duration::from_millis(1))
                .build()
                .unwrap();
            let (r, a, s) = (rig.clone(), attempts.clone(), seen.clone());
            let owner = weft::spawn(async move {
                let result = weft::retry(&policy, |attempt| {
                    a.fetch_add(1, SeqCst);
                    let r = r.clone();
                    async move {
                        if attempt > 1 {
                            // A second attempt would not block: a wrong retry shows as
                            // `Ok` here instead of a hang.
                            return Ok(());
                        }
                        child::<$error>(r).await
                    }
                })
                .await;
                *s.lock() = Some(format!("{result:?}"));
                result
            });
            rig.arrived.wait().await.unwrap();
            assert!(owner.cancel(None));
            let joined = owner.await;
            let seen = seen.lock().take().unwrap_or_default();
            assert_eq!(
                attempts.load(SeqCst),
                1,
                "{row}: retry made another attempt after the cancellation; it returned {seen}"
            );
            assert!(seen.starts_with("Err("), "{row}: retry must return the cancellation, returned {seen}");
            assert!(
                matches!(joined, Err(weft::JoinError::Cancelled(_))),
                "{row}: the task running retry propagated its cancellation and must end cancelled: {joined:?}"
            );
            assert_eq!(*rig.log.lock(), [(place, true)], "{row}: the operation's cleanup must have run");
            rig.finish();
        }
    };
}

define_check_retry!(check_retry_app_error, AppError);
define_check_retry!(check_retry_boxed, BoxError);
define_check_retry!(check_retry_anyhow, anyhow::Error);

/// One `#[test]` per place for a scenario and a child error type, each run on both
/// flavours: `rows!(module_name: Scenario, ErrorType; [test_name: Place, ...]);`
#[macro_export]
macro_rules! rows {
    ($module:ident: $scenario:ident, $error:ty; [$($test:ident: $place:ident),* $(,)?]) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[test]
                fn $test() {
                    $crate::common::block_on_both(|flavour| {
                        $crate::cancellation_table::check::<$error>(
                            $crate::cancellation_table::Scenario::$scenario,
                            $crate::cancellation_table::Place::$place,
                            flavour,
                        )
                    });
                }
            )*
        }
    };
}

/// One `#[test]` per place for `retry`, with a check defined by `define_check_retry!`:
/// `retry_rows!(module_name: check_fn; [test_name: Place, ...]);`
#[macro_export]
macro_rules! retry_rows {
    ($module:ident: $check:path; [$($test:ident: $place:ident),* $(,)?]) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[test]
                fn $test() {
                    $crate::common::block_on_both(|flavour| {
                        $check($crate::cancellation_table::Place::$place, flavour)
                    });
                }
            )*
        }
    };
}

/// [`rows!`] for every place.
#[macro_export]
macro_rules! every_place {
    ($module:ident: $scenario:ident, $error:ty) => {
        $crate::rows!($module: $scenario, $error; [
            lock: Lock,
            semaphore: Semaphore,
            bounded_semaphore: BoundedSemaphore,
            event: Event,
            condition: Condition,
            barrier: Barrier,
            queue_get: QueueGet,
            queue_put: QueuePut,
            lifo_queue_get: LifoQueueGet,
            priority_queue_get: PriorityQueueGet,
            oneshot: Oneshot,
            sleep: Sleep,
            tcp_read: TcpRead,
            task_handle: TaskHandle,
            nested_group: NestedGroup,
            shield: Shield,
        ]);
    };
}

/// [`retry_rows!`] for every place.
#[macro_export]
macro_rules! retry_at_every_place {
    ($module:ident: $check:path) => {
        $crate::retry_rows!($module: $check; [
            lock: Lock,
            semaphore: Semaphore,
            bounded_semaphore: BoundedSemaphore,
            event: Event,
            condition: Condition,
            barrier: Barrier,
            queue_get: QueueGet,
            queue_put: QueuePut,
            lifo_queue_get: LifoQueueGet,
            priority_queue_get: PriorityQueueGet,
            oneshot: Oneshot,
            sleep: Sleep,
            tcp_read: TcpRead,
            task_handle: TaskHandle,
            nested_group: NestedGroup,
            shield: Shield,
        ]);
    };
}
