//! asyncio's `gather`: run futures as tasks, wait for all, results in argument order.
//!
//! * [`gather`] takes a `Vec` of futures of one type; [`gather!`](crate::gather!) takes
//!   futures of different output types and returns a tuple.
//! * The futures become tasks when `gather` is called, in argument order (asyncio wraps
//!   them with `ensure_future` at the call): they start in the next turn whether or not
//!   the gather is awaited yet. (Called outside a task, `gather` spawns them when it is
//!   first polled.)
//! * The first child to fail *in time* is reported at once (of children failing in the
//!   same turn, the one whose step ran first); the other children run on, as in asyncio.
//!   A child that ended cancelled makes the gather return a cancellation.
//! * The awaiting task resumes two turns after the child that decided the result
//!   finished, as asyncio's (the child's done callback, then the wake-up; see `done.rs`).
//! * [`gather_settled`] is `return_exceptions=True`: it waits for all, and returns
//!   every child's join result.
//! * Cancelling the task that awaits a gather cancels every child; the gather waits for
//!   them to finish and returns the cancellation.

use crate::await_task::{Joined, poll_join};
use crate::done::{DoneOrder, Hops};
use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use weft_executor::{Cancelled, JoinError, Task};

/// asyncio's `gather(*aws)` for futures of one type: `Ok` of every value in order, or
/// the first error to happen. The futures are spawned now, in order (see the
/// [module docs](self)).
///
/// # Panics
///
/// The returned future panics when first polled outside a weft runtime, and resumes a
/// child's panic.
///
/// ```
/// use std::time::Duration;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let futs = (1..=3u64).map(|i| async move {
///     weft::time::sleep(Duration::from_millis(10 * (4 - i))).await?;
///     Ok::<_, weft::Cancelled>(i)
/// });
/// let all = weft::gather(futs.collect()).await.unwrap();
/// assert_eq!(all, vec![1, 2, 3]); // argument order, not completion order
/// # });
/// ```
pub fn gather<F, T, E>(futures: Vec<F>) -> Gather<F, T, E>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: From<Cancelled> + Send + 'static,
{
    Gather {
        results: futures.iter().map(|_| None).collect(),
        children: Children::new(futures),
        decided: None,
        _error: PhantomData,
    }
}

/// Future returned by [`gather`].
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let started = Arc::new(AtomicUsize::new(0));
/// let child = |i: usize| {
///     let started = started.clone();
///     async move { started.fetch_add(1, Ordering::SeqCst); Ok::<_, weft::Cancelled>(i) }
/// };
/// let all: weft::Gather<_, usize, weft::Cancelled> = weft::gather(vec![child(0), child(1)]);
/// weft::yield_now().await?;
/// // The children are tasks already: they ran before the gather was awaited.
/// assert_eq!(started.load(Ordering::SeqCst), 2);
/// assert_eq!(all.await?, vec![0, 1]);
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Gather<F, T, E> {
    children: Children<F, Result<T, E>>,
    results: Vec<Option<T>>,
    /// The result, once decided (returned after the turn asyncio's callback takes), or the
    /// message of a child's panic.
    decided: Option<Result<Result<Vec<T>, E>, String>>,
    _error: PhantomData<fn() -> E>,
}

impl<F, T, E> Unpin for Gather<F, T, E> {}

impl<F, T, E> fmt::Debug for Gather<F, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather").field("children", &self.results.len()).finish()
    }
}

/// What both gathers share: the children, spawned as tasks when the gather is made; their
/// completions, in the order they happened (each child's task records its own end, as a
/// done callback would: see `done.rs`); the turn the awaiting task still owes asyncio
/// once the result is decided; and the cancellation of the task that awaits them, which
/// cancels every child and waits until all of them have ended.
struct Children<F, O> {
    state: ChildrenState<F, O>,
    order: DoneOrder,
    /// Completions taken from `order`, not yet joined.
    taken: VecDeque<usize>,
    /// Children not finished yet.
    live: usize,
    /// The awaiting task has waited for a completion (returned `Pending`).
    waited: bool,
    hops: Hops,
    /// The awaiting task's cancellation, once it came: the children are being cancelled.
    cancelled: Option<Cancelled>,
}

enum ChildrenState<F, O> {
    /// Made outside a task: spawned at the first poll.
    New(Vec<F>),
    Running(Vec<Option<Task<O>>>),
    Done,
}

impl<F, O> Drop for Children<F, O> {
    fn drop(&mut self) {
        // A gather dropped before it returned leaves its children running (they are
        // tasks, as in asyncio); their ends need not wake the task that dropped it.
        self.order.close();
    }
}

/// How polling the children ended.
enum Round<B> {
    /// Every child has finished.
    AllDone,
    /// The awaiting task was cancelled, and every child has now ended.
    Cancelled(Cancelled),
    /// The per-child hook stopped the gather early.
    Stopped(B),
}

impl<F> Children<F, F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn new(futures: Vec<F>) -> Self {
        let order = DoneOrder::new(futures.len());
        let live = futures.len();
        let mut children = Children {
            state: ChildrenState::New(futures),
            order,
            taken: VecDeque::new(),
            live,
            waited: false,
            hops: Hops::default(),
            cancelled: None,
        };
        if weft_executor::current_task().is_some() {
            children.spawn();
        }
        children
    }

    /// Makes every future a task, in argument order; each records its end in `order`.
    fn spawn(&mut self) {
        if !matches!(self.state, ChildrenState::New(_)) {
            return;
        }
        let ChildrenState::New(futs) = std::mem::replace(&mut self.state, ChildrenState::Done) else {
            unreachable!()
        };
        let tasks = futs
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                let mark = self.order.mark(i);
                Some(weft_executor::spawn(async move {
                    let _mark = mark; // dropped when the future ends, however it ends
                    f.await
                }))
            })
            .collect();
        self.state = ChildrenState::Running(tasks);
    }

    /// Hands every child that finished since the last call to `on_done`, in the order they
    /// finished, with its index and whether the gather is being cancelled. `on_done` may
    /// stop the gather (the remaining children run on, as in asyncio).
    fn poll<B>(
        &mut self,
        cx: &mut Context<'_>,
        mut on_done: impl FnMut(usize, Result<F::Output, JoinError>, bool) -> ControlFlow<B>,
    ) -> Poll<Round<B>> {
        self.spawn();
        let ChildrenState::Running(tasks) = &mut self.state else {
            panic!("weft: a gather was polled after it completed")
        };
        self.order.take(cx.waker(), &mut self.taken);
        let was_cancelled = self.cancelled.is_some();
        let mut stopped = None;
        while let Some(i) = self.taken.pop_front() {
            let Some(task) = tasks[i].as_mut() else { continue };
            match poll_join(task, cx) {
                Poll::Pending => {
                    // Its end is recorded but its output not yet published (another
                    // thread), or the budget ran out: its handle wakes us.
                    self.taken.push_front(i);
                    break;
                }
                Poll::Ready(Joined::WaiterCancelled(c)) => {
                    self.taken.push_front(i);
                    self.cancelled.get_or_insert(c);
                    break;
                }
                Poll::Ready(Joined::Done(r)) => {
                    tasks[i] = None;
                    self.live -= 1;
                    if let ControlFlow::Break(b) = on_done(i, r, self.cancelled.is_some()) {
                        stopped = Some(b);
                        break;
                    }
                }
            }
        }
        let round = match stopped {
            Some(b) => Round::Stopped(b),
            None if self.live == 0 => match self.cancelled.take() {
                Some(c) => Round::Cancelled(c),
                None => Round::AllDone,
            },
            None => {
                // Waiting is a checkpoint: the awaiting task's cancellation cancels every
                // child, once, and the gather waits for them.
                if self.cancelled.is_none() {
                    if let Err(c) = weft_executor::cancel::check() {
                        self.cancelled = Some(c);
                    }
                }
                if let Some(c) = self.cancelled.as_ref().filter(|_| !was_cancelled) {
                    // asyncio's gather passes the message of its own cancellation on.
                    for t in tasks.iter().flatten() {
                        t.cancel(c.message());
                    }
                }
                self.waited = true;
                return Poll::Pending;
            }
        };
        self.state = ChildrenState::Done;
        Poll::Ready(round)
    }

    /// After a round that decided the result: the turns the awaiting task still owes
    /// asyncio. A completion it waited for was seen in the turn where asyncio runs the
    /// child's done callback; the awaiting task resumes in the next. A result already
    /// decided when the gather is first awaited is returned at once (asyncio's gather
    /// future was done then).
    fn hop(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if !self.hops.owing() {
            self.hops.owe(u8::from(self.waited));
        }
        self.hops.poll(cx)
    }
}

/// Why [`gather`] stopped before every child finished.
enum Stop<E> {
    Failed(E),
    Panicked(String),
}

impl<F, T, E> Future for Gather<F, T, E>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: From<Cancelled> + Send + 'static,
{
    type Output = Result<Vec<T>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.decided.is_none() {
            let results = &mut this.results;
            let round = ready!(this.children.poll(cx, |i, r, cancelling| match r {
                Ok(Ok(v)) => {
                    results[i] = Some(v);
                    ControlFlow::Continue(())
                }
                // While cancelling, wait for everyone; errors are dropped.
                _ if cancelling => ControlFlow::Continue(()),
                Ok(Err(e)) => ControlFlow::Break(Stop::Failed(e)),
                Err(JoinError::Panicked(p)) => ControlFlow::Break(Stop::Panicked(p.message().to_string())),
                Err(JoinError::Cancelled(c)) => {
                    // A child ended cancelled: gather raises its CancelledError in the waiter.
                    ControlFlow::Break(Stop::Failed(E::from(c.redeliver())))
                }
                Err(e) => unreachable!("a gathered task is joined once: {e}"),
            }));
            this.decided = Some(match round {
                Round::AllDone => {
                    Ok(Ok(results.iter_mut().map(|r| r.take().expect("every child gave a value")).collect()))
                }
                // The awaiting task was cancelled: it resumes with its cancellation.
                Round::Cancelled(c) => return Poll::Ready(Err(E::from(c))),
                Round::Stopped(Stop::Failed(e)) => Ok(Err(e)),
                Round::Stopped(Stop::Panicked(message)) => Err(message),
            });
        }
        ready!(this.children.hop(cx));
        match this.decided.take().expect("decided") {
            Ok(out) => Poll::Ready(out),
            Err(message) => std::panic::resume_unwind(Box::new(message)),
        }
    }
}

/// asyncio's `gather(*aws, return_exceptions=True)`: waits for every future and returns
/// each one's join result, in order. `Err` only if the waiting task is cancelled (the
/// children are then cancelled and awaited).
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// async fn half(n: u32) -> Result<u32, std::fmt::Error> {
///     if n % 2 == 0 { Ok(n / 2) } else { Err(std::fmt::Error) }
/// }
/// let all = weft::gather_settled(vec![half(2), half(3)]).await.unwrap();
/// assert!(matches!(all[0], Ok(Ok(1))));
/// assert!(matches!(all[1], Ok(Err(_))));
/// # });
/// ```
pub fn gather_settled<F>(futures: Vec<F>) -> GatherSettled<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    GatherSettled {
        results: futures.iter().map(|_| None).collect(),
        children: Children::new(futures),
        done: false,
    }
}

/// Future returned by [`gather_settled`].
///
/// ```
/// use weft::JoinError;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let child = |quit: bool| async move {
///     if quit {
///         weft::current_task().unwrap().cancel(None); // this child cancels itself
///     }
///     weft::yield_now().await.map(|()| 1)
/// };
/// let settled: weft::GatherSettled<_> = weft::gather_settled(vec![child(false), child(true)]);
/// let all = settled.await?;
/// assert!(matches!(all[0], Ok(Ok(1))));
/// assert!(matches!(all[1], Err(JoinError::Cancelled(_))));
/// // A child's cancellation is a record here: the gathering task was not cancelled.
/// assert!(weft::yield_now().await.is_ok());
/// # Ok::<(), weft::Cancelled>(()) }).unwrap();
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct GatherSettled<F: Future> {
    children: Children<F, F::Output>,
    results: Vec<Option<Result<F::Output, JoinError>>>,
    /// Every child has finished: the result is returned after the turn asyncio's
    /// callback takes.
    done: bool,
}

impl<F: Future> Unpin for GatherSettled<F> {}

impl<F: Future> fmt::Debug for GatherSettled<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatherSettled").field("children", &self.results.len()).finish()
    }
}

impl<F> Future for GatherSettled<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    type Output = Result<Vec<Result<F::Output, JoinError>>, Cancelled>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if !this.done {
            let results = &mut this.results;
            let round = ready!(this.children.poll(cx, |i, r, _| {
                // Results are data here (asyncio's `return_exceptions=True`): a child's
                // cancellation stays a record, not delivered to the gathering task.
                results[i] = Some(r);
                ControlFlow::<()>::Continue(())
            }));
            if let Round::Cancelled(c) = round {
                return Poll::Ready(Err(c));
            }
            this.done = true;
        }
        ready!(this.children.hop(cx));
        Poll::Ready(Ok(this.results.iter_mut().map(|r| r.take().expect("settled")).collect()))
    }
}

#[doc(hidden)]
pub mod __private {
    //! Support for the `gather!` macro: futures of different types are erased to one
    //! type, gathered, and their values turned back into a tuple.
    use super::*;

    pub type Erased<E> = Pin<Box<dyn Future<Output = Result<Box<dyn Any + Send>, E>> + Send>>;

    /// Remembers the output type of one erased future.
    pub struct Marker<T>(PhantomData<fn() -> T>);

    pub fn erase<F, T, E>(f: F) -> (Erased<E>, Marker<T>)
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        (Box::pin(async move { f.await.map(|v| Box::new(v) as Box<dyn Any + Send>) }), Marker(PhantomData))
    }

    /// Splits a tuple of `(Erased, Marker)` pairs, and later rebuilds the tuple of values.
    pub trait Pairs<E> {
        type Markers: Markers;
        fn split(self) -> (Vec<Erased<E>>, Self::Markers);
    }

    pub trait Markers {
        type Values;
        fn take(self, values: Vec<Box<dyn Any + Send>>) -> Self::Values;
    }

    fn down<T: 'static>(it: &mut std::vec::IntoIter<Box<dyn Any + Send>>) -> T {
        *it.next().expect("one value per future").downcast::<T>().expect("values come back in order")
    }

    macro_rules! tuples {
        ($( ($($T:ident $v:ident),+) )+) => {$(
            impl<E, $($T: 'static),+> Pairs<E> for ($((Erased<E>, Marker<$T>),)+) {
                type Markers = ($(Marker<$T>,)+);
                fn split(self) -> (Vec<Erased<E>>, Self::Markers) {
                    let ($($v,)+) = self;
                    (vec![$($v.0),+], ($($v.1,)+))
                }
            }
            impl<$($T: 'static),+> Markers for ($(Marker<$T>,)+) {
                type Values = ($($T,)+);
                #[allow(unused_variables)]
                fn take(self, values: Vec<Box<dyn Any + Send>>) -> Self::Values {
                    let mut it = values.into_iter();
                    ($(down::<$T>(&mut it),)+)
                }
            }
        )+};
    }

    tuples! {
        (A a)
        (A a, B b)
        (A a, B b, C c)
        (A a, B b, C c, D d)
        (A a, B b, C c, D d, F f)
        (A a, B b, C c, D d, F f, G g)
        (A a, B b, C c, D d, F f, G g, H h)
        (A a, B b, C c, D d, F f, G g, H h, I i)
        (A a, B b, C c, D d, F f, G g, H h, I i, J j)
        (A a, B b, C c, D d, F f, G g, H h, I i, J j, K k)
        (A a, B b, C c, D d, F f, G g, H h, I i, J j, K k, L l)
        (A a, B b, C c, D d, F f, G g, H h, I i, J j, K k, L l, M m)
    }

    /// The future of `gather!`. A named type, not an `async fn`: rustc cannot prove an
    /// `async fn` generic over the markers `Send` inside another future ("higher-ranked
    /// lifetime error"), which kept `gather!` out of spawned tasks.
    pub fn gather_erased<E, M>(futs: Vec<Erased<E>>, markers: M) -> GatherErased<E, M>
    where
        E: From<Cancelled> + Send + 'static,
        M: Markers,
    {
        // `gather` spawns the futures now (see the module docs).
        GatherErased { gather: super::gather(futs), markers: Some(markers) }
    }

    /// Future returned by `gather!`.
    #[must_use = "futures do nothing unless awaited"]
    pub struct GatherErased<E, M> {
        gather: Gather<Erased<E>, Box<dyn Any + Send>, E>,
        markers: Option<M>,
    }

    impl<E, M> Unpin for GatherErased<E, M> {}

    impl<E, M> fmt::Debug for GatherErased<E, M> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("GatherErased").field("gather", &self.gather).finish()
        }
    }

    impl<E, M> Future for GatherErased<E, M>
    where
        E: From<Cancelled> + Send + 'static,
        M: Markers,
    {
        type Output = Result<M::Values, E>;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            let values = ready!(Pin::new(&mut self.gather).poll(cx))?;
            let markers = self.markers.take().expect("gather! polled after it completed");
            Poll::Ready(Ok(markers.take(values)))
        }
    }
}

/// asyncio's `gather(a, b, c)` for futures of different output types (up to 12): a
/// future of `Result<(A, B, C), E>`. Every future's error type is the same `E`, which
/// must convert from [`Cancelled`]. See [`gather`] for the rules.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (n, s) = weft::gather!(
///     async { Ok::<_, weft::Cancelled>(1u8) },
///     async { Ok::<_, weft::Cancelled>("two") },
/// )
/// .await
/// .unwrap();
/// assert_eq!((n, s), (1, "two"));
/// # });
/// ```
#[macro_export]
macro_rules! gather {
    ($($fut:expr_2021),+ $(,)?) => {{
        let (__futs, __markers) =
            $crate::__private::Pairs::split(($($crate::__private::erase($fut),)+));
        $crate::__private::gather_erased(__futs, __markers)
    }};
}
