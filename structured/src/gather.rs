//! asyncio's `gather`: run futures as tasks, wait for all, results in argument order.
//!
//! * [`gather`] takes a `Vec` of futures of one type; [`gather!`](crate::gather!) takes
//!   futures of different output types and returns a tuple.
//! * The first child error is returned at once (the other children run on, as in
//!   asyncio); a child that ended cancelled makes the gather return a cancellation.
//! * [`gather_settled`] is `return_exceptions=True`: it waits for all, and returns
//!   every child's join result.
//! * Cancelling the task that awaits a gather cancels every child; the gather waits for
//!   them to finish and returns the cancellation.

use crate::await_task::{poll_join, Joined};
use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_executor::{Cancelled, JoinError, Task};

/// asyncio's `gather(*aws)` for futures of one type: `Ok` of every value in order, or
/// the first error.
///
/// # Panics
///
/// The returned future panics when first polled outside a weft runtime, and resumes a
/// child's panic.
///
/// ```
/// use std::time::Duration;
/// # weft_executor::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let futs = (1..=3u64).map(|i| async move {
///     weft_executor::time::sleep(Duration::from_millis(10 * (4 - i))).await?;
///     Ok::<_, weft_executor::Cancelled>(i)
/// });
/// let all = weft_structured::gather(futs.collect()).await.unwrap();
/// assert_eq!(all, vec![1, 2, 3]); // argument order, not completion order
/// # });
/// ```
pub fn gather<F, T, E>(futures: Vec<F>) -> Gather<F, T, E>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: From<Cancelled> + Send + 'static,
{
    Gather { state: GatherState::New(futures), results: Vec::new(), cancelled: None }
}

/// The future of [`gather`].
#[must_use = "futures do nothing unless awaited"]
pub struct Gather<F, T, E> {
    state: GatherState<F, T, E>,
    results: Vec<Option<T>>,
    /// The waiter's cancellation, once the children were cancelled.
    cancelled: Option<Cancelled>,
}

enum GatherState<F, T, E> {
    New(Vec<F>),
    Running(Vec<Option<Task<Result<T, E>>>>),
    Done,
}

impl<F, T, E> Unpin for Gather<F, T, E> {}

impl<F, T, E> fmt::Debug for Gather<F, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather").field("children", &self.results.len()).finish()
    }
}

fn spawn_all<F>(futures: Vec<F>) -> Vec<Option<Task<F::Output>>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    futures.into_iter().map(|f| Some(weft_executor::spawn(f))).collect()
}

fn cancel_all<T>(tasks: &[Option<Task<T>>]) {
    for t in tasks.iter().flatten() {
        t.cancel(None);
    }
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
        if let GatherState::New(_) = this.state {
            let GatherState::New(futs) = std::mem::replace(&mut this.state, GatherState::Done) else {
                unreachable!()
            };
            this.results = futs.iter().map(|_| None).collect();
            this.state = GatherState::Running(spawn_all(futs));
        }
        let GatherState::Running(tasks) = &mut this.state else {
            panic!("weft: a gather was polled after it completed")
        };
        let mut pending = 0;
        for (i, slot) in tasks.iter_mut().enumerate() {
            let Some(task) = slot else { continue };
            match poll_join(task, cx) {
                Poll::Pending => pending += 1,
                Poll::Ready(Joined::WaiterCancelled(c)) => {
                    pending += 1;
                    if this.cancelled.is_none() {
                        this.cancelled = Some(c);
                    }
                }
                Poll::Ready(Joined::Done(r)) => {
                    *slot = None;
                    match r {
                        Ok(Ok(v)) => this.results[i] = Some(v),
                        // While cancelling, wait for everyone; errors are dropped.
                        _ if this.cancelled.is_some() => {}
                        Ok(Err(e)) => {
                            this.state = GatherState::Done;
                            return Poll::Ready(Err(e));
                        }
                        Err(JoinError::Panicked(p)) => {
                            this.state = GatherState::Done;
                            std::panic::resume_unwind(Box::new(p.message().to_string()))
                        }
                        Err(e) => {
                            this.state = GatherState::Done;
                            let c = e.as_cancelled().cloned().unwrap_or_else(|| Cancelled::new(None));
                            return Poll::Ready(Err(E::from(c)));
                        }
                    }
                }
            }
        }
        if let Some(c) = &this.cancelled {
            if pending > 0 {
                if let GatherState::Running(tasks) = &this.state {
                    cancel_all(tasks);
                }
                return Poll::Pending;
            }
            let c = c.clone();
            this.cancelled = None;
            this.state = GatherState::Done;
            return Poll::Ready(Err(E::from(c)));
        }
        if pending > 0 {
            return Poll::Pending;
        }
        this.state = GatherState::Done;
        Poll::Ready(Ok(this
            .results
            .iter_mut()
            .map(|r| r.take().expect("every child gave a value"))
            .collect()))
    }
}

/// asyncio's `gather(*aws, return_exceptions=True)`: waits for every future and returns
/// each one's join result, in order. `Err` only if the waiting task is cancelled (the
/// children are then cancelled and awaited).
///
/// ```
/// # weft_executor::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// async fn half(n: u32) -> Result<u32, std::fmt::Error> {
///     if n % 2 == 0 { Ok(n / 2) } else { Err(std::fmt::Error) }
/// }
/// let all = weft_structured::gather_settled(vec![half(2), half(3)]).await.unwrap();
/// assert!(matches!(all[0], Ok(Ok(1))));
/// assert!(matches!(all[1], Ok(Err(_))));
/// # });
/// ```
pub fn gather_settled<F>(futures: Vec<F>) -> GatherSettled<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    GatherSettled { state: SettledState::New(futures), results: Vec::new(), cancelled: None }
}

/// The future of [`gather_settled`].
#[must_use = "futures do nothing unless awaited"]
pub struct GatherSettled<F: Future> {
    state: SettledState<F>,
    results: Vec<Option<Result<F::Output, JoinError>>>,
    cancelled: Option<Cancelled>,
}

enum SettledState<F: Future> {
    New(Vec<F>),
    Running(Vec<Option<Task<F::Output>>>),
    Done,
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
        if let SettledState::New(_) = this.state {
            let SettledState::New(futs) = std::mem::replace(&mut this.state, SettledState::Done) else {
                unreachable!()
            };
            this.results = futs.iter().map(|_| None).collect();
            this.state = SettledState::Running(spawn_all(futs));
        }
        let SettledState::Running(tasks) = &mut this.state else {
            panic!("weft: a gather was polled after it completed")
        };
        let mut pending = 0;
        for (i, slot) in tasks.iter_mut().enumerate() {
            let Some(task) = slot else { continue };
            match poll_join(task, cx) {
                Poll::Pending => pending += 1,
                Poll::Ready(Joined::WaiterCancelled(c)) => {
                    pending += 1;
                    if this.cancelled.is_none() {
                        this.cancelled = Some(c);
                    }
                }
                Poll::Ready(Joined::Done(r)) => {
                    *slot = None;
                    this.results[i] = Some(r);
                }
            }
        }
        if this.cancelled.is_some() && pending > 0 {
            cancel_all(tasks);
            return Poll::Pending;
        }
        if pending > 0 {
            return Poll::Pending;
        }
        this.state = SettledState::Done;
        if let Some(c) = this.cancelled.take() {
            return Poll::Ready(Err(c));
        }
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

    pub async fn gather_erased<E, M>(futs: Vec<Erased<E>>, markers: M) -> Result<M::Values, E>
    where
        E: From<Cancelled> + Send + 'static,
        M: Markers,
    {
        let values = super::gather(futs).await?;
        Ok(markers.take(values))
    }
}

/// asyncio's `gather(a, b, c)` for futures of different output types (up to 12): a
/// future of `Result<(A, B, C), E>`. Every future's error type is the same `E`, which
/// must convert from [`Cancelled`]. See [`gather`] for the rules.
///
/// ```
/// # weft_executor::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (n, s) = weft_structured::gather!(
///     async { Ok::<_, weft_executor::Cancelled>(1u8) },
///     async { Ok::<_, weft_executor::Cancelled>("two") },
/// )
/// .await
/// .unwrap();
/// assert_eq!((n, s), (1, "two"));
/// # });
/// ```
#[macro_export]
macro_rules! gather {
    ($($fut:expr),+ $(,)?) => {{
        let (__futs, __markers) =
            $crate::__private::Pairs::split(($($crate::__private::erase($fut),)+));
        $crate::__private::gather_erased(__futs, __markers)
    }};
}
