//! asyncio's order of events, turn by turn, on the current-thread runtime.
//!
//! Each test runs the scenario of one program from CPython 3.13's reference results and
//! asserts the order CPython printed; the program and its output are in the test's doc
//! comment. "itN" in CPython's output is the number of the loop iteration (a loop
//! subclass counts `_run_once` calls). weft's tests count turns the way the programs'
//! helper task does (`n += 1; await sleep(0)`): a counter task, spawned before the
//! scenario, runs first in every turn, so an event logged in a turn carries that turn's
//! count. Tests compare turns *relative* to an event of the scenario, as the programs
//! themselves do ("B+3", "+2 iterations").
//!
//! Where a scenario needs overdue timers, the test blocks the loop's thread inside a task
//! (`std::thread::sleep`, as the programs' `time.sleep(0.15)`), so that every deadline set
//! before has passed when the loop looks at its timers again: the order then follows from
//! the deadlines, never from how long a sleep happened to take.

mod common;

use parking_lot::Mutex;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use weft::{Interrupted, Task};

/// A log of events, each with the turn it happened in.
#[derive(Clone, Default)]
struct Log {
    turn: Arc<AtomicU64>,
    lines: Arc<Mutex<Vec<(u64, String)>>>,
}

impl Log {
    fn push(&self, line: impl Into<String>) {
        let n = self.turn.load(Ordering::SeqCst);
        self.lines.lock().push((n, line.into()));
    }

    /// The current turn.
    fn now(&self) -> u64 {
        self.turn.load(Ordering::SeqCst)
    }

    /// Takes the lines logged so far, their turns relative to the first one's plus
    /// `first` (so that they read like CPython's "B+3").
    fn take_relative(&self, first: i64) -> Vec<(i64, String)> {
        let lines = std::mem::take(&mut *self.lines.lock());
        let base = lines.first().map_or(0, |(n, _)| *n as i64);
        lines.into_iter().map(|(n, l)| (n as i64 - base + first, l)).collect()
    }

    /// Takes the lines of a scenario that blocked the loop: the first line is the block
    /// itself, in turn `B+1`; the others are numbered from the first of them, which
    /// happens in turn `first` (`B+first`).
    ///
    /// The timers are due during the block, and a task they wake runs in the turn after
    /// the loop next looks at its timers: in `B+3` when the loop looks at them at the
    /// start of every turn (`B+2`, asyncio's `_run_once`), later when it looks less
    /// often. So the test asserts the lines and their turns relative to each other, and
    /// that the first came no earlier than `B+first`.
    fn take_after_block(&self, first: i64) -> Vec<(i64, String)> {
        let mut lines = self.take_relative(1);
        if lines.len() > 1 {
            let shift = lines[1].0 - first;
            assert!(shift >= 0, "a timer's task ran before the timers were due: {lines:?}");
            for l in &mut lines[1..] {
                l.0 -= shift;
            }
        }
        lines
    }
}

/// Runs `scenario` on a current-thread runtime, under the watchdog, with the turn counter
/// running: the counter is the first task, so it runs first in every turn.
fn run<F, Fut>(scenario: F)
where
    F: FnOnce(Log) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    common::watchdog("asyncio_order", common::WATCHDOG, move || {
        let rt = common::current();
        rt.block_on(async move {
            let log = Log::default();
            let turn = log.turn.clone();
            let counter = weft::spawn(async move {
                loop {
                    turn.fetch_add(1, Ordering::SeqCst);
                    if weft::yield_now().await.is_err() {
                        return;
                    }
                }
            });
            weft::yield_now().await.unwrap(); // the counter runs first from now on
            scenario(log).await;
            counter.cancel(None);
            let _ = counter.await;
        });
    })
}

fn lines(expected: &[(i64, &str)]) -> Vec<(i64, String)> {
    expected.iter().map(|(n, l)| (*n, l.to_string())).collect()
}

/// Blocks the loop's thread, as the programs' `time.sleep(0.15)`: every timer set with a
/// smaller delay is overdue when the loop next looks at its timers.
fn block_loop() {
    std::thread::sleep(Duration::from_millis(150));
}

async fn join_all<T>(tasks: Vec<Task<T>>) {
    for t in tasks {
        let _ = t.await;
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Case 2: a timeout acts from its timer, in deadline order among the timers due; the
/// timed-out body's cleanup runs in the next turn, before a later timer's task resumes.
/// (The "timer cb" lines come from the program's instrumented callbacks; the test logs
/// what the tasks do, and a line for the block.)
///
/// ```python
/// import asyncio, time
/// IT = 0
/// class Loop(asyncio.SelectorEventLoop):
///     def _run_once(self):
///         global IT; IT += 1; super()._run_once()
/// def log(m): print(f"  iter B{IT - BASE:+d}: {m}")
/// # Instrument the two timer callbacks (behaviour unchanged) so the firing iteration is visible.
/// _on_timeout = asyncio.Timeout._on_timeout
/// def on_timeout(self): log(f"timer cb: Timeout._on_timeout -> {self._task.get_name()}.cancel()"); _on_timeout(self)
/// asyncio.Timeout._on_timeout = on_timeout
/// _sruc = asyncio.futures._set_result_unless_cancelled
/// def sruc(fut, res): log(f"timer cb: sleep({res}) future set_result"); _sruc(fut, res)
/// asyncio.futures._set_result_unless_cancelled = sruc
///
/// async def body(name, tmo, inner):  # `async with timeout(tmo)` around a sleep(inner)
///     try:
///         async with asyncio.timeout(tmo):
///             try:
///                 await asyncio.sleep(inner, inner); log(f"{name} body's sleep returned normally")
///             except asyncio.CancelledError:
///                 log(f"{name} except CancelledError (cleanup 1)"); raise
///             finally:
///                 log(f"{name} finally (cleanup 2, same step)")
///     except TimeoutError:
///         log(f"{name} got TimeoutError"); await asyncio.sleep(0); log(f"{name} after one more sleep(0)")
///
/// async def sleeper(name, d):
///     await asyncio.sleep(d, d); log(f"{name} resumed from sleep({d})")
///
/// async def scenario(title, *tasks):
///     global BASE
///     print(title); BASE = IT
///     ts = [asyncio.create_task(t, name=t.cr_frame.f_locals["name"]) for t in tasks]
///     await asyncio.sleep(0)          # let every task register its timer (iteration B+1)
///     log("main blocks 150 ms -> all timers overdue"); time.sleep(0.15)
///     await asyncio.gather(*ts)
///
/// async def main():
///     await scenario("a) timeout(0.010) vs another task's sleep(0.012)",
///                    body("A", 0.010, 10), sleeper("S", 0.012))
///     await scenario("b) timeout(0.10) vs another task's sleep(0.05) (earlier deadline, registered later)",
///                    body("A", 0.10, 10), sleeper("S", 0.05))
///     await scenario("c) two timeouts, different deadlines, task order opposite to deadline order",
///                    body("T1(0.10)", 0.10, 10), body("T2(0.05)", 0.05, 10))
///     await scenario("d) body's own sleep(0.05) and its timeout(0.10) both overdue",
///                    body("A", 0.10, 0.05))
///
/// asyncio.run(main(), loop_factory=Loop)
/// ```
///
/// CPython 3.13 prints:
///
/// ```text
/// a) timeout(0.010) vs another task's sleep(0.012)
///   iter B+1: main blocks 150 ms -> all timers overdue
///   iter B+2: timer cb: Timeout._on_timeout -> A.cancel()
///   iter B+2: timer cb: sleep(0.012) future set_result
///   iter B+3: A except CancelledError (cleanup 1)
///   iter B+3: A finally (cleanup 2, same step)
///   iter B+3: A got TimeoutError
///   iter B+3: S resumed from sleep(0.012)
///   iter B+4: A after one more sleep(0)
/// b) timeout(0.10) vs another task's sleep(0.05) (earlier deadline, registered later)
///   iter B+1: main blocks 150 ms -> all timers overdue
///   iter B+2: timer cb: sleep(0.05) future set_result
///   iter B+2: timer cb: Timeout._on_timeout -> A.cancel()
///   iter B+3: S resumed from sleep(0.05)
///   iter B+3: A except CancelledError (cleanup 1)
///   iter B+3: A finally (cleanup 2, same step)
///   iter B+3: A got TimeoutError
///   iter B+4: A after one more sleep(0)
/// c) two timeouts, different deadlines, task order opposite to deadline order
///   iter B+1: main blocks 150 ms -> all timers overdue
///   iter B+2: timer cb: Timeout._on_timeout -> T2(0.05).cancel()
///   iter B+2: timer cb: Timeout._on_timeout -> T1(0.10).cancel()
///   iter B+3: T2(0.05) except CancelledError (cleanup 1)
///   iter B+3: T2(0.05) finally (cleanup 2, same step)
///   iter B+3: T2(0.05) got TimeoutError
///   iter B+3: T1(0.10) except CancelledError (cleanup 1)
///   iter B+3: T1(0.10) finally (cleanup 2, same step)
///   iter B+3: T1(0.10) got TimeoutError
///   iter B+4: T2(0.05) after one more sleep(0)
///   iter B+4: T1(0.10) after one more sleep(0)
/// d) body's own sleep(0.05) and its timeout(0.10) both overdue
///   iter B+1: main blocks 150 ms -> all timers overdue
///   iter B+2: timer cb: sleep(0.05) future set_result
///   iter B+2: timer cb: Timeout._on_timeout -> A.cancel()
///   iter B+3: A except CancelledError (cleanup 1)
///   iter B+3: A finally (cleanup 2, same step)
///   iter B+3: A got TimeoutError
///   iter B+4: A after one more sleep(0)
/// ```
#[test]
fn case_02_timeout_acts_from_its_timer_in_deadline_order() {
    fn body(
        log: &Log,
        name: &'static str,
        tmo: u64,
        inner: u64,
    ) -> impl Future<Output = ()> + Send + 'static {
        let log = log.clone();
        async move {
            let r = weft::timeout(ms(tmo), {
                let log = log.clone();
                async move {
                    match weft::time::sleep(ms(inner)).await {
                        Ok(()) => log.push(format!("{name} body's sleep returned normally")),
                        Err(c) => {
                            log.push(format!("{name} except CancelledError (cleanup 1)"));
                            log.push(format!("{name} finally (cleanup 2, same step)"));
                            return Err(Interrupted::from(c));
                        }
                    }
                    log.push(format!("{name} finally (cleanup 2, same step)"));
                    Ok(())
                }
            })
            .await;
            if let Err(Interrupted::TimedOut(_)) = r {
                log.push(format!("{name} got TimeoutError"));
                weft::yield_now().await.unwrap();
                log.push(format!("{name} after one more sleep(0)"));
            }
        }
    }
    fn sleeper(log: &Log, name: &'static str, d: u64) -> impl Future<Output = ()> + Send + 'static {
        let log = log.clone();
        async move {
            weft::time::sleep(ms(d)).await.unwrap();
            log.push(format!("{name} resumed from sleep(0.{d:03})"));
        }
    }
    async fn scenario(log: &Log, tasks: Vec<Task<()>>) -> Vec<(i64, String)> {
        weft::yield_now().await.unwrap(); // every task registers its timer (B+1)
        log.push("main blocks 150 ms -> all timers overdue");
        block_loop();
        join_all(tasks).await;
        log.take_after_block(3)
    }
    run(|log| async move {
        // a) timeout(0.010) vs another task's sleep(0.012)
        let ts = vec![weft::spawn(body(&log, "A", 10, 10_000)), weft::spawn(sleeper(&log, "S", 12))];
        assert_eq!(
            scenario(&log, ts).await,
            lines(&[
                (1, "main blocks 150 ms -> all timers overdue"),
                (3, "A except CancelledError (cleanup 1)"),
                (3, "A finally (cleanup 2, same step)"),
                (3, "A got TimeoutError"),
                (3, "S resumed from sleep(0.012)"),
                (4, "A after one more sleep(0)"),
            ])
        );
        // b) timeout(0.10) vs another task's sleep(0.05) (earlier deadline, registered later)
        let ts = vec![weft::spawn(body(&log, "A", 100, 10_000)), weft::spawn(sleeper(&log, "S", 50))];
        assert_eq!(
            scenario(&log, ts).await,
            lines(&[
                (1, "main blocks 150 ms -> all timers overdue"),
                (3, "S resumed from sleep(0.050)"),
                (3, "A except CancelledError (cleanup 1)"),
                (3, "A finally (cleanup 2, same step)"),
                (3, "A got TimeoutError"),
                (4, "A after one more sleep(0)"),
            ])
        );
        // c) two timeouts, different deadlines, task order opposite to deadline order
        let ts = vec![
            weft::spawn(body(&log, "T1(0.10)", 100, 10_000)),
            weft::spawn(body(&log, "T2(0.05)", 50, 10_000)),
        ];
        assert_eq!(
            scenario(&log, ts).await,
            lines(&[
                (1, "main blocks 150 ms -> all timers overdue"),
                (3, "T2(0.05) except CancelledError (cleanup 1)"),
                (3, "T2(0.05) finally (cleanup 2, same step)"),
                (3, "T2(0.05) got TimeoutError"),
                (3, "T1(0.10) except CancelledError (cleanup 1)"),
                (3, "T1(0.10) finally (cleanup 2, same step)"),
                (3, "T1(0.10) got TimeoutError"),
                (4, "T2(0.05) after one more sleep(0)"),
                (4, "T1(0.10) after one more sleep(0)"),
            ])
        );
        // d) body's own sleep(0.05) and its timeout(0.10) both overdue
        let ts = vec![weft::spawn(body(&log, "A", 100, 50))];
        assert_eq!(
            scenario(&log, ts).await,
            lines(&[
                (1, "main blocks 150 ms -> all timers overdue"),
                (3, "A except CancelledError (cleanup 1)"),
                (3, "A finally (cleanup 2, same step)"),
                (3, "A got TimeoutError"),
                (4, "A after one more sleep(0)"),
            ])
        );
    });
}

/// Case 3: `as_completed` yields in completion order, two turns after each task finished;
/// a task that finishes after the deadline is not yielded, and the tasks not yielded stay
/// reachable. (weft yields the task's index and result where asyncio yields the task;
/// the test logs a line for each block. In (b), where the program's timers are not
/// overdue together, the test makes fast and slow finish when it lets them instead, and
/// blocks the loop past the deadline.)
///
/// ```python
/// import asyncio, time
/// IT = 0
/// class Loop(asyncio.SelectorEventLoop):
///     def _run_once(self):
///         global IT; IT += 1; super()._run_once()
/// def log(m): print(f"  it{IT}: {m}")
///
/// async def waits_on(name, fut):
///     await fut; log(f"{name} finishes"); return name
///
/// async def sleeps(name, d):
///     await asyncio.sleep(d); log(f"{name} finishes (slept {d})"); return name
///
/// async def main():
///     loop = asyncio.get_running_loop()
///     print("(a) t1, t2 finish in the same iteration, t2's step runs first")
///     f1, f2 = loop.create_future(), loop.create_future()
///     ts = [asyncio.create_task(waits_on(n, f), name=n) for n, f in (("t1", f1), ("t2", f2))]
///     loop.call_soon(lambda: (f2.set_result(None), f1.set_result(None)))  # wakes t2 before t1
///     async for t in asyncio.as_completed(ts):
///         log(f"async for yielded {t.get_name()} = ts[{ts.index(t)}] (original object: {t in ts}), result {t.result()}")
///     print("(a') same via timers: t1 sleep(0.1), t2 sleep(0.05), both overdue after a 150 ms block; plain for")
///     ts = [asyncio.create_task(sleeps("t1", 0.1)), asyncio.create_task(sleeps("t2", 0.05))]
///     await asyncio.sleep(0); time.sleep(0.15)
///     for c in asyncio.as_completed(ts):
///         log(f"plain for: await -> {await c}")
///     print("(b) timeout=0.25: fast sleep(0.05), slow sleep(0.5)")
///     ts = [asyncio.create_task(sleeps(n, d), name=n) for n, d in (("slow", 0.5), ("fast", 0.05))]
///     try:
///         async for t in asyncio.as_completed(ts, timeout=0.25):
///             log(f"yielded {t.get_name()} -> {t.result()}")
///     except TimeoutError:
///         log(f"TimeoutError; slow done={ts[0].done()} cancelled={ts[0].cancelled()}")
///     print("(c) original tasks still awaitable after as_completed")
///     log(f"await ts[0] -> {await ts[0]!r}; await ts[1] -> {await ts[1]!r}")
///     print("(b') task sleep(0.05) and as_completed timeout=0.10 both overdue (150 ms block)")
///     ts = [asyncio.create_task(sleeps("x", 0.05), name="x")]
///     await asyncio.sleep(0)  # x registers its timer first, then the as_completed timer is set
///     it = asyncio.as_completed(ts, timeout=0.10); time.sleep(0.15)
///     try:
///         async for t in it: log(f"yielded {t.get_name()}")
///     except TimeoutError:
///         log(f"TimeoutError, x not yielded (its timer was earlier; x.done()={ts[0].done()})")
///     log(f"await x -> {await ts[0]!r}")
///
/// asyncio.run(main(), loop_factory=Loop)
/// ```
///
/// CPython 3.13 prints:
///
/// ```text
/// (a) t1, t2 finish in the same iteration, t2's step runs first
///   it3: t2 finishes
///   it3: t1 finishes
///   it5: async for yielded t2 = ts[1] (original object: True), result t2
///   it5: async for yielded t1 = ts[0] (original object: True), result t1
/// (a') same via timers: t1 sleep(0.1), t2 sleep(0.05), both overdue after a 150 ms block; plain for
///   it8: t2 finishes (slept 0.05)
///   it8: t1 finishes (slept 0.1)
///   it10: plain for: await -> t2
///   it10: plain for: await -> t1
/// (b) timeout=0.25: fast sleep(0.05), slow sleep(0.5)
///   it13: fast finishes (slept 0.05)
///   it15: yielded fast -> fast
///   it17: TimeoutError; slow done=False cancelled=False
/// (c) original tasks still awaitable after as_completed
///   it19: slow finishes (slept 0.5)
///   it20: await ts[0] -> 'slow'; await ts[1] -> 'fast'
/// (b') task sleep(0.05) and as_completed timeout=0.10 both overdue (150 ms block)
///   it23: x finishes (slept 0.05)
///   it23: TimeoutError, x not yielded (its timer was earlier; x.done()=True)
///   it23: await x -> 'x'
/// ```
#[test]
fn case_03_as_completed_in_completion_order_and_deadline() {
    fn waits_on(
        log: &Log,
        name: &'static str,
        rx: weft::oneshot::Receiver<()>,
    ) -> Task<Result<&'static str, ()>> {
        let log = log.clone();
        weft::spawn(async move {
            rx.await.unwrap();
            log.push(format!("{name} finishes"));
            Ok(name)
        })
    }
    fn sleeps(log: &Log, name: &'static str, d: u64) -> Task<Result<&'static str, ()>> {
        let log = log.clone();
        weft::spawn(async move {
            weft::time::sleep(ms(d)).await.unwrap();
            log.push(format!("{name} finishes (slept {})", d as f64 / 1000.0));
            Ok(name)
        })
    }
    fn name(f: &weft::Finished<Result<&'static str, ()>>) -> &'static str {
        f.result.as_ref().unwrap().as_ref().unwrap()
    }
    run(|log| async move {
        // (a) t1, t2 finish in the same turn, t2's step runs first
        let (tx1, rx1) = weft::oneshot::channel();
        let (tx2, rx2) = weft::oneshot::channel();
        let ts = vec![waits_on(&log, "t1", rx1), waits_on(&log, "t2", rx2)];
        // `call_soon(lambda: (f2.set_result(None), f1.set_result(None)))`: wakes t2 before t1.
        weft::spawn(async move {
            tx2.send(()).unwrap();
            tx1.send(()).unwrap();
        });
        let mut s = weft::as_completed(ts, None);
        while let Some(f) = s.next().await {
            let f = f.unwrap();
            log.push(format!("async for yielded {} = ts[{}], result {}", name(&f), f.index, name(&f)));
        }
        assert_eq!(
            log.take_relative(3),
            lines(&[
                (3, "t2 finishes"),
                (3, "t1 finishes"),
                (5, "async for yielded t2 = ts[1], result t2"),
                (5, "async for yielded t1 = ts[0], result t1"),
            ])
        );
        // (a') same via timers: t1 sleep(0.1), t2 sleep(0.05), both overdue after a 150 ms block
        let ts = vec![sleeps(&log, "t1", 100), sleeps(&log, "t2", 50)];
        weft::yield_now().await.unwrap();
        log.push("main blocks 150 ms");
        block_loop();
        let mut s = weft::as_completed(ts, None);
        while let Some(f) = s.next().await {
            log.push(format!("plain for: await -> {}", name(&f.unwrap())));
        }
        assert_eq!(
            log.take_after_block(3),
            lines(&[
                (1, "main blocks 150 ms"),
                (3, "t2 finishes (slept 0.05)"),
                (3, "t1 finishes (slept 0.1)"),
                (5, "plain for: await -> t2"),
                (5, "plain for: await -> t1"),
            ])
        );
        // (b) with a timeout: fast finishes, slow only after the deadline; (c) the tasks
        // stay reachable. Controlled, not timed: fast finishes at its first step and slow
        // when main lets it; the deadline (1 s, generous for the two turns fast needs to
        // be yielded) passes while main blocks the loop.
        let (tx_fast, rx_fast) = weft::oneshot::channel();
        tx_fast.send(()).unwrap();
        let (tx_slow, rx_slow) = weft::oneshot::channel();
        let ts = vec![waits_on(&log, "slow", rx_slow), waits_on(&log, "fast", rx_fast)];
        let mut s = weft::as_completed(ts, Some(Duration::from_secs(1)));
        let f = s.next().await.unwrap().unwrap();
        log.push(format!("yielded {} -> {}", name(&f), name(&f)));
        std::thread::sleep(Duration::from_millis(1050)); // past the deadline
        assert!(matches!(s.next().await, Some(Err(weft::AsCompletedError::TimedOut(_)))));
        assert!(s.next().await.is_none());
        let mut rest = s.into_remaining();
        assert!(rest.finished.is_empty());
        let (index, slow) = rest.pending.pop().unwrap();
        assert_eq!(index, 0);
        log.push(format!("TimeoutError; slow done={} cancelled={}", slow.is_finished(), slow.is_cancelled()));
        tx_slow.send(()).unwrap();
        let slow = slow.await.unwrap().unwrap();
        log.push(format!("await ts[0] -> {slow:?}; ts[1] -> {:?} (yielded)", name(&f)));
        let got = log.take_relative(13);
        assert_eq!(got[..2], lines(&[(13, "fast finishes"), (15, "yielded fast -> fast")]));
        let rest: Vec<_> = got[2..].iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            rest,
            [
                "TimeoutError; slow done=false cancelled=false",
                "slow finishes",
                "await ts[0] -> \"slow\"; ts[1] -> \"fast\" (yielded)",
            ]
        );
        // (b') task sleep(0.05) and as_completed timeout=0.10 both overdue (150 ms block)
        let x = sleeps(&log, "x", 50);
        weft::yield_now().await.unwrap(); // x sets its timer first, then the deadline is set
        let mut s = weft::as_completed(vec![x], Some(ms(100)));
        log.push("main blocks 150 ms");
        block_loop();
        match s.next().await {
            Some(Err(weft::AsCompletedError::TimedOut(_))) => {}
            other => panic!("x was yielded: {other:?}"),
        }
        let (_, x) = s.into_remaining().pending.pop().unwrap();
        log.push(format!("TimeoutError, x not yielded (x.done()={})", x.is_finished()));
        log.push(format!("await x -> {:?}", x.await.unwrap().unwrap()));
        assert_eq!(
            log.take_after_block(3),
            lines(&[
                (1, "main blocks 150 ms"),
                (3, "x finishes (slept 0.05)"),
                (3, "TimeoutError, x not yielded (x.done()=true)"),
                (3, "await x -> \"x\""),
            ])
        );
    });
}

/// Case 4: `gather` makes its children tasks at the call, and reports the first child to
/// fail in time (of children failing in the same turn, the one whose step ran first);
/// the caller resumes two turns after the deciding child finished. (The test logs a line
/// for the block. In (b), where the program's timers are not overdue together, the
/// children fail when the test lets them, in the program's order.)
///
/// ```python
/// import asyncio, time
/// IT = 0
/// class Loop(asyncio.SelectorEventLoop):
///     def _run_once(self):
///         global IT; IT += 1; super()._run_once()
/// def log(m): print(f"  it{IT}: {m}")
///
/// async def child(name, steps):
///     log(f"{name} step 1 (started)")
///     for i in range(steps): await asyncio.sleep(0); log(f"{name} step {i + 2}")
///     return name
///
/// async def fails(name, d):
///     await asyncio.sleep(d); log(f"{name} raises"); raise ValueError(name)
///
/// async def main():
///     print("(a) gather() wraps coroutines into tasks at the call")
///     fut = asyncio.gather(child("c1", 2), child("c2", 2))
///     log("main: gather() returned, now 2x sleep(0)")
///     await asyncio.sleep(0); log("main after sleep(0) #1")
///     await asyncio.sleep(0); log("main after sleep(0) #2; now await fut")
///     log(f"main: gather result {await fut}")
///     print("(b) f1 fails at 0.2, f2 at 0.1, f3 at 0.3 (argument order f1, f2, f3)")
///     try: await asyncio.gather(fails("f1", 0.2), fails("f2", 0.1), fails("f3", 0.3))
///     except ValueError as e: log(f"gather raised ValueError({e}); f1, f3 keep running, not cancelled")
///     await asyncio.sleep(0.3); log("main: slept past f1/f3 (no 'exception never retrieved' warning)")
///     print("(b') f1 (0.1) and f2 (0.05) both overdue (150 ms block): same iteration, f2 first")
///     g = asyncio.gather(fails("f1", 0.1), fails("f2", 0.05)); await asyncio.sleep(0); time.sleep(0.15)
///     try: await g
///     except ValueError as e: log(f"gather raised ValueError({e})")
///
/// asyncio.run(main(), loop_factory=Loop)
/// ```
///
/// CPython 3.13 prints:
///
/// ```text
/// (a) gather() wraps coroutines into tasks at the call
///   it1: main: gather() returned, now 2x sleep(0)
///   it2: c1 step 1 (started)
///   it2: c2 step 1 (started)
///   it2: main after sleep(0) #1
///   it3: c1 step 2
///   it3: c2 step 2
///   it3: main after sleep(0) #2; now await fut
///   it4: c1 step 3
///   it4: c2 step 3
///   it6: main: gather result ['c1', 'c2']
/// (b) f1 fails at 0.2, f2 at 0.1, f3 at 0.3 (argument order f1, f2, f3)
///   it9: f2 raises
///   it11: gather raised ValueError(f2); f1, f3 keep running, not cancelled
///   it13: f1 raises
///   it16: f3 raises
///   it19: main: slept past f1/f3 (no 'exception never retrieved' warning)
/// (b') f1 (0.1) and f2 (0.05) both overdue (150 ms block): same iteration, f2 first
///   it22: f2 raises
///   it22: f1 raises
///   it24: gather raised ValueError(f2)
/// ```
#[test]
fn case_04_gather_spawns_at_the_call_and_reports_the_first_failure_in_time() {
    #[derive(Debug)]
    enum Error {
        Value(&'static str),
        Cancelled(weft::Cancelled),
    }
    impl From<weft::Cancelled> for Error {
        fn from(c: weft::Cancelled) -> Error {
            Error::Cancelled(c)
        }
    }
    impl std::fmt::Display for Error {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                Error::Value(name) => write!(f, "ValueError({name})"),
                Error::Cancelled(c) => c.fmt(f),
            }
        }
    }
    fn child(
        log: &Log,
        name: &'static str,
        steps: usize,
    ) -> impl Future<Output = Result<&'static str, Error>> + Send + 'static {
        let log = log.clone();
        async move {
            log.push(format!("{name} step 1 (started)"));
            for i in 0..steps {
                weft::yield_now().await?;
                log.push(format!("{name} step {}", i + 2));
            }
            Ok(name)
        }
    }
    fn fails_on(
        log: &Log,
        name: &'static str,
        rx: weft::oneshot::Receiver<()>,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'static {
        let log = log.clone();
        async move {
            if let Err(weft::oneshot::RecvError::Cancelled(c)) = rx.await {
                return Err(c.into());
            }
            log.push(format!("{name} raises"));
            Err(Error::Value(name))
        }
    }
    fn fails(
        log: &Log,
        name: &'static str,
        d: u64,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'static {
        let log = log.clone();
        async move {
            weft::time::sleep(ms(d)).await?;
            log.push(format!("{name} raises"));
            Err(Error::Value(name))
        }
    }
    run(|log| async move {
        // (a) gather() wraps coroutines into tasks at the call
        let fut = weft::gather(vec![child(&log, "c1", 2), child(&log, "c2", 2)]);
        log.push("main: gather() returned, now 2x sleep(0)");
        weft::yield_now().await.unwrap();
        log.push("main after sleep(0) #1");
        weft::yield_now().await.unwrap();
        log.push("main after sleep(0) #2; now await fut");
        let r = fut.await.unwrap();
        log.push(format!("main: gather result {r:?}"));
        assert_eq!(
            log.take_relative(1),
            lines(&[
                (1, "main: gather() returned, now 2x sleep(0)"),
                (2, "c1 step 1 (started)"),
                (2, "c2 step 1 (started)"),
                (2, "main after sleep(0) #1"),
                (3, "c1 step 2"),
                (3, "c2 step 2"),
                (3, "main after sleep(0) #2; now await fut"),
                (4, "c1 step 3"),
                (4, "c2 step 3"),
                (6, "main: gather result [\"c1\", \"c2\"]"),
            ])
        );
        // (b) f2 fails first, then f1, then f3 (argument order f1, f2, f3). Controlled, not
        // timed: each fails when main lets it.
        let (tx1, rx1) = weft::oneshot::channel();
        let (tx2, rx2) = weft::oneshot::channel();
        let (tx3, rx3) = weft::oneshot::channel();
        let g = weft::gather(vec![
            fails_on(&log, "f1", rx1),
            fails_on(&log, "f2", rx2),
            fails_on(&log, "f3", rx3),
        ]);
        tx2.send(()).unwrap();
        let r = g.await;
        log.push(format!("gather raised {}; f1, f3 keep running, not cancelled", r.unwrap_err()));
        tx1.send(()).unwrap();
        weft::yield_now().await.unwrap();
        tx3.send(()).unwrap();
        weft::yield_now().await.unwrap();
        log.push("main: past f1/f3");
        assert_eq!(
            log.take_relative(9),
            lines(&[
                (9, "f2 raises"),
                (11, "gather raised ValueError(f2); f1, f3 keep running, not cancelled"),
                (12, "f1 raises"),
                (13, "f3 raises"),
                (13, "main: past f1/f3"),
            ])
        );
        // (b') f1 (0.1) and f2 (0.05) both overdue (150 ms block): same turn, f2 first
        let g = weft::gather(vec![fails(&log, "f1", 100), fails(&log, "f2", 50)]);
        weft::yield_now().await.unwrap();
        log.push("main blocks 150 ms");
        block_loop();
        let r = g.await;
        log.push(format!("gather raised {}", r.unwrap_err()));
        assert_eq!(
            log.take_after_block(3),
            lines(&[
                (1, "main blocks 150 ms"),
                (3, "f2 raises"),
                (3, "f1 raises"),
                (5, "gather raised ValueError(f2)"),
            ])
        );
    });
}

/// Case 5: turns from "last child done" to "awaiter resumed": two through a done
/// callback (a group, `gather`, `shield`, `wait`, `as_completed`), one for `await task`
/// and `wait_for(task)`, none inline.
///
/// ```python
/// import asyncio
/// IT = 0
/// class Loop(asyncio.SelectorEventLoop):
///     def _run_once(self):
///         global IT; IT += 1; super()._run_once()
/// n = 0
/// async def counter():  # the counter task: one increment per loop iteration
///     global n
///     while True: n += 1; await asyncio.sleep(0)
///
/// async def child(steps):
///     for _ in range(steps): await asyncio.sleep(0)
///     global done_at; done_at = (IT, n)
///
/// async def measure(name, make_await):
///     await asyncio.sleep(0)
///     await make_await()
///     print(f"{name:<34} last child done it{done_at[0]} (n={done_at[1]}) -> awaiter resumed it{IT} (n={n}):"
///           f" +{IT - done_at[0]} iteration(s)")
///
/// async def main():
///     asyncio.create_task(counter()); await asyncio.sleep(0)
///     async def tg():
///         async with asyncio.TaskGroup() as g: g.create_task(child(2)); g.create_task(child(3))
///     await measure("TaskGroup (2 children)", tg)
///     await measure("gather(c(2), c(3))", lambda: asyncio.gather(child(2), child(3)))
///     await measure("shield(task)", lambda: asyncio.shield(asyncio.create_task(child(3))))
///     await measure("wait([t1, t2]) ALL_COMPLETED", lambda: asyncio.wait([asyncio.create_task(child(k)) for k in (2, 3)]))
///     async def ac():
///         async for _ in asyncio.as_completed([asyncio.create_task(child(k)) for k in (2, 3)]): pass
///     await measure("as_completed (async for, 2 tasks)", ac)
///     await measure("await task", lambda: asyncio.create_task(child(3)))
///     await measure("wait_for(task, 10)", lambda: asyncio.wait_for(asyncio.create_task(child(3)), 10))
///     await measure("wait_for(coro, 10) (no child task)", lambda: asyncio.wait_for(child(3), 10))
///     await measure("await coro (inline, reference)", lambda: child(3))
///
/// asyncio.run(main(), loop_factory=Loop)
/// ```
///
/// CPython 3.13 prints:
///
/// ```text
/// TaskGroup (2 children)             last child done it7 (n=6) -> awaiter resumed it9 (n=8): +2 iteration(s)
/// gather(c(2), c(3))                 last child done it14 (n=13) -> awaiter resumed it16 (n=15): +2 iteration(s)
/// shield(task)                       last child done it21 (n=20) -> awaiter resumed it23 (n=22): +2 iteration(s)
/// wait([t1, t2]) ALL_COMPLETED       last child done it28 (n=27) -> awaiter resumed it30 (n=29): +2 iteration(s)
/// as_completed (async for, 2 tasks)  last child done it35 (n=34) -> awaiter resumed it37 (n=36): +2 iteration(s)
/// await task                         last child done it42 (n=41) -> awaiter resumed it43 (n=42): +1 iteration(s)
/// wait_for(task, 10)                 last child done it48 (n=47) -> awaiter resumed it49 (n=48): +1 iteration(s)
/// wait_for(coro, 10) (no child task) last child done it53 (n=52) -> awaiter resumed it53 (n=52): +0 iteration(s)
/// await coro (inline, reference)     last child done it57 (n=56) -> awaiter resumed it57 (n=56): +0 iteration(s)
/// ```
#[test]
fn case_05_turns_from_the_last_child_to_the_awaiter() {
    /// `child(steps)`: `steps` bare yields, then records the turn it finished in.
    fn child(
        log: &Log,
        done_at: &Arc<AtomicU64>,
        steps: usize,
    ) -> impl Future<Output = Result<(), weft::Cancelled>> + Send + 'static {
        let (log, done_at) = (log.clone(), done_at.clone());
        async move {
            for _ in 0..steps {
                weft::yield_now().await?;
            }
            done_at.store(log.now(), Ordering::SeqCst);
            Ok(())
        }
    }
    run(|log| async move {
        let done_at = Arc::new(AtomicU64::new(0));
        let mut measured = Vec::new();
        macro_rules! measure {
            ($name:expr, $await:expr) => {{
                weft::yield_now().await.unwrap();
                $await;
                measured.push(($name, log.now() as i64 - done_at.load(Ordering::SeqCst) as i64));
            }};
        }
        let (l, d) = (&log, &done_at);
        measure!("TaskGroup (2 children)", {
            weft::task_group(|tg| {
                let (a, b) = (child(l, d, 2), child(l, d, 3));
                async move {
                    tg.spawn(a)?;
                    tg.spawn(b)?;
                    Ok::<_, weft::GroupSpawnError>(())
                }
            })
            .await
            .unwrap()
        });
        measure!("gather(c(2), c(3))", weft::gather(vec![child(l, d, 2), child(l, d, 3)]).await.unwrap());
        measure!("shield(task)", weft::shield(child(l, d, 3)).await.unwrap().unwrap());
        measure!(
            "wait([t1, t2]) ALL_COMPLETED",
            weft::wait(
                vec![weft::spawn(child(l, d, 2)), weft::spawn(child(l, d, 3))],
                weft::ReturnWhen::AllCompleted,
                None
            )
            .await
            .unwrap()
        );
        measure!("as_completed (async for, 2 tasks)", {
            let mut s =
                weft::as_completed(vec![weft::spawn(child(l, d, 2)), weft::spawn(child(l, d, 3))], None);
            while let Some(f) = s.next().await {
                f.unwrap();
            }
        });
        measure!("await task", weft::spawn(child(l, d, 3)).await.unwrap().unwrap());
        measure!(
            "wait_for(task, 10)",
            weft::wait_for(
                async {
                    weft::await_task(weft::spawn(child(l, d, 3))).await.unwrap().map_err(Interrupted::from)
                },
                Duration::from_secs(10)
            )
            .await
            .unwrap()
        );
        measure!(
            "wait_for(coro, 10) (no child task)",
            weft::wait_for(
                async { child(l, d, 3).await.map_err(Interrupted::from) },
                Duration::from_secs(10)
            )
            .await
            .unwrap()
        );
        measure!("await coro (inline, reference)", child(l, d, 3).await.unwrap());
        assert_eq!(
            measured,
            [
                ("TaskGroup (2 children)", 2),
                ("gather(c(2), c(3))", 2),
                ("shield(task)", 2),
                ("wait([t1, t2]) ALL_COMPLETED", 2),
                ("as_completed (async for, 2 tasks)", 2),
                ("await task", 1),
                ("wait_for(task, 10)", 1),
                ("wait_for(coro, 10) (no child task)", 0),
                ("await coro (inline, reference)", 0),
            ]
        );
    });
}

/// Case 6: two `cancel()` calls before the task runs. The first request's message is
/// delivered when it found the task waiting (in a sleep, on a future); the last one's
/// when the task was queued (not started, or after a bare yield); `cancelling()` counts
/// both. (weft's "future" is a oneshot receiver, asyncio's `loop.create_future()`.)
///
/// ```python
/// import asyncio
///
/// async def victim(kind, ev):
///     try:
///         if kind == "sleep": await asyncio.sleep(10)
///         elif kind == "future": await asyncio.get_running_loop().create_future()
///         elif kind == "ready": await asyncio.sleep(0); await asyncio.sleep(10)
///     except asyncio.CancelledError as e:
///         ev.append(f"coroutine sees CancelledError{e.args}"); raise
///
/// async def scenario(kind, started, msgs):
///     ev = []
///     shown = " then ".join("cancel()" if m is None else f"cancel({m!r})" for m in msgs)
///     t = asyncio.create_task(victim(kind, ev))
///     if started: await asyncio.sleep(0)   # let it run once and block in `kind`
///     for m in msgs: t.cancel(m) if m is not None else t.cancel()
///     try: await t
///     except asyncio.CancelledError as e: ev.append(f"awaiter sees CancelledError{e.args}")
///     where = f"waiting in {kind}" if started and kind != "ready" else (
///         "queued in ready (bare yield, no fut_waiter)" if started else "created, first step not run yet")
///     if len(ev) == 1: ev.insert(0, "coroutine body never ran")
///     print(f"{where:<44} {shown:<36}: {' | '.join(ev)}; cancelling()={t.cancelling()}")
///
/// async def main():
///     for kind, started in (("sleep", True), ("future", True), ("ready", True), ("sleep", False)):
///         for msgs in (("first", "second"), (None, "second"), ("first", None)):
///             await scenario(kind, started, msgs)
///
/// asyncio.run(main())
/// ```
///
/// CPython 3.13 prints:
///
/// ```text
/// waiting in sleep                             cancel('first') then cancel('second'): coroutine sees CancelledError('first',) | awaiter sees CancelledError('first',); cancelling()=2
/// waiting in sleep                             cancel() then cancel('second')      : coroutine sees CancelledError() | awaiter sees CancelledError(); cancelling()=2
/// waiting in sleep                             cancel('first') then cancel()       : coroutine sees CancelledError('first',) | awaiter sees CancelledError('first',); cancelling()=2
/// waiting in future                            cancel('first') then cancel('second'): coroutine sees CancelledError('first',) | awaiter sees CancelledError('first',); cancelling()=2
/// waiting in future                            cancel() then cancel('second')      : coroutine sees CancelledError() | awaiter sees CancelledError(); cancelling()=2
/// waiting in future                            cancel('first') then cancel()       : coroutine sees CancelledError('first',) | awaiter sees CancelledError('first',); cancelling()=2
/// queued in ready (bare yield, no fut_waiter)  cancel('first') then cancel('second'): coroutine sees CancelledError('second',) | awaiter sees CancelledError('second',); cancelling()=2
/// queued in ready (bare yield, no fut_waiter)  cancel() then cancel('second')      : coroutine sees CancelledError('second',) | awaiter sees CancelledError('second',); cancelling()=2
/// queued in ready (bare yield, no fut_waiter)  cancel('first') then cancel()       : coroutine sees CancelledError() | awaiter sees CancelledError(); cancelling()=2
/// created, first step not run yet              cancel('first') then cancel('second'): coroutine body never ran | awaiter sees CancelledError('second',); cancelling()=2
/// created, first step not run yet              cancel() then cancel('second')      : coroutine body never ran | awaiter sees CancelledError('second',); cancelling()=2
/// created, first step not run yet              cancel('first') then cancel()       : coroutine body never ran | awaiter sees CancelledError(); cancelling()=2
/// ```
#[test]
fn case_06_two_cancel_messages() {
    #[derive(Clone, Copy, Debug)]
    enum Kind {
        Sleep,
        Future,
        Ready,
    }
    fn args(m: Option<&str>) -> String {
        m.map_or("()".to_string(), |m| format!("('{m}',)"))
    }
    async fn scenario(kind: Kind, started: bool, msgs: [Option<&'static str>; 2]) -> String {
        let ev: Arc<Mutex<Vec<String>>> = Arc::default();
        let shown = msgs
            .iter()
            .map(|m| m.map_or("cancel()".to_string(), |m| format!("cancel('{m}')")))
            .collect::<Vec<_>>()
            .join(" then ");
        let t = weft::spawn({
            let ev = ev.clone();
            async move {
                let (_tx, rx) = weft::oneshot::channel::<()>();
                let r = match kind {
                    Kind::Sleep => weft::time::sleep(Duration::from_secs(10)).await,
                    Kind::Future => rx.await.map_err(|e| match e {
                        weft::oneshot::RecvError::Cancelled(c) => c,
                        e => panic!("{e}"),
                    }),
                    Kind::Ready => match weft::yield_now().await {
                        Ok(()) => weft::time::sleep(Duration::from_secs(10)).await,
                        Err(c) => Err(c),
                    },
                };
                let c = r.unwrap_err();
                ev.lock().push(format!("coroutine sees CancelledError{}", args(c.message())));
                Err::<(), _>(c)
            }
        });
        if started {
            weft::yield_now().await.unwrap(); // let it run once and block in `kind`
        }
        for m in msgs {
            t.cancel(m);
        }
        let probe = t.task_ref();
        match t.await {
            Err(weft::JoinError::Cancelled(c)) => {
                ev.lock().push(format!("awaiter sees CancelledError{}", args(c.message())))
            }
            other => panic!("{other:?}"),
        }
        let where_ = match (kind, started) {
            (Kind::Sleep, true) => "waiting in sleep",
            (Kind::Future, true) => "waiting in future",
            (Kind::Ready, true) => "queued in ready (bare yield, no fut_waiter)",
            (_, false) => "created, first step not run yet",
        };
        let mut ev = ev.lock().clone();
        if ev.len() == 1 {
            ev.insert(0, "coroutine body never ran".into());
        }
        format!("{where_:<44} {shown:<36}: {}; cancelling()={}", ev.join(" | "), probe.cancelling())
    }
    let out: Arc<Mutex<Vec<String>>> = Arc::default();
    let o = out.clone();
    run(|_log| async move {
        for (kind, started) in
            [(Kind::Sleep, true), (Kind::Future, true), (Kind::Ready, true), (Kind::Sleep, false)]
        {
            for msgs in [[Some("first"), Some("second")], [None, Some("second")], [Some("first"), None]] {
                let line = scenario(kind, started, msgs).await;
                o.lock().push(line);
            }
        }
    });
    assert_eq!(out.lock().join("\n"), CASE_06_OUT.trim_end());
}

/// CPython 3.13's output for case 6, line for line.
const CASE_06_OUT: &str = "\
waiting in sleep                             cancel('first') then cancel('second'): coroutine sees CancelledError('first',) | awaiter sees CancelledError('first',); cancelling()=2
waiting in sleep                             cancel() then cancel('second')      : coroutine sees CancelledError() | awaiter sees CancelledError(); cancelling()=2
waiting in sleep                             cancel('first') then cancel()       : coroutine sees CancelledError('first',) | awaiter sees CancelledError('first',); cancelling()=2
waiting in future                            cancel('first') then cancel('second'): coroutine sees CancelledError('first',) | awaiter sees CancelledError('first',); cancelling()=2
waiting in future                            cancel() then cancel('second')      : coroutine sees CancelledError() | awaiter sees CancelledError(); cancelling()=2
waiting in future                            cancel('first') then cancel()       : coroutine sees CancelledError('first',) | awaiter sees CancelledError('first',); cancelling()=2
queued in ready (bare yield, no fut_waiter)  cancel('first') then cancel('second'): coroutine sees CancelledError('second',) | awaiter sees CancelledError('second',); cancelling()=2
queued in ready (bare yield, no fut_waiter)  cancel() then cancel('second')      : coroutine sees CancelledError('second',) | awaiter sees CancelledError('second',); cancelling()=2
queued in ready (bare yield, no fut_waiter)  cancel('first') then cancel()       : coroutine sees CancelledError() | awaiter sees CancelledError(); cancelling()=2
created, first step not run yet              cancel('first') then cancel('second'): coroutine body never ran | awaiter sees CancelledError('second',); cancelling()=2
created, first step not run yet              cancel() then cancel('second')      : coroutine body never ran | awaiter sees CancelledError('second',); cancelling()=2
created, first step not run yet              cancel('first') then cancel()       : coroutine body never ran | awaiter sees CancelledError(); cancelling()=2
";

/// Case 7: a getter woken by `put_nowait` takes the item the queue's order gives when it
/// runs: the newest from a LIFO queue, the smallest from a priority queue. weft's
/// `qsize()` does not count items already promised to a woken getter (documented in the
/// asyncio mapping), so the test prints it as weft reports it: asyncio's `qsize()` minus
/// the getters woken.
///
/// ```python
/// import asyncio
///
/// async def getter(name, q, out):
///     item = await q.get(); out.append(f"{name} got {item}")
///
/// async def scenario(cls, items, ngetters):
///     q, out = cls(), []
///     gs = [asyncio.create_task(getter(f"g{i + 1}", q, out)) for i in range(ngetters)]
///     await asyncio.sleep(0)                       # all getters now waiting on q.get()
///     for it in items: q.put_nowait(it)            # same step, no yield in between
///     out.append(f"after put_nowait{items}: qsize={q.qsize()}")
///     await asyncio.gather(*gs)
///     out.append(f"left in queue: {[q.get_nowait() for _ in range(q.qsize())]}")
///     print(f"{cls.__name__:<13} {ngetters} waiting getter(s), put {items}: " + "; ".join(out))
///
/// async def main():
///     for ng in (1, 2):
///         await scenario(asyncio.Queue, (1, 2), ng)
///         await scenario(asyncio.LifoQueue, (1, 2), ng)
///         await scenario(asyncio.PriorityQueue, (5, 1), ng)
///         await scenario(asyncio.PriorityQueue, (5, 1, 3), ng)
///
/// asyncio.run(main())
/// ```
///
/// CPython 3.13 prints:
///
/// ```text
/// Queue         1 waiting getter(s), put (1, 2): after put_nowait(1, 2): qsize=2; g1 got 1; left in queue: [2]
/// LifoQueue     1 waiting getter(s), put (1, 2): after put_nowait(1, 2): qsize=2; g1 got 2; left in queue: [1]
/// PriorityQueue 1 waiting getter(s), put (5, 1): after put_nowait(5, 1): qsize=2; g1 got 1; left in queue: [5]
/// PriorityQueue 1 waiting getter(s), put (5, 1, 3): after put_nowait(5, 1, 3): qsize=3; g1 got 1; left in queue: [3, 5]
/// Queue         2 waiting getter(s), put (1, 2): after put_nowait(1, 2): qsize=2; g1 got 1; g2 got 2; left in queue: []
/// LifoQueue     2 waiting getter(s), put (1, 2): after put_nowait(1, 2): qsize=2; g1 got 2; g2 got 1; left in queue: []
/// PriorityQueue 2 waiting getter(s), put (5, 1): after put_nowait(5, 1): qsize=2; g1 got 1; g2 got 5; left in queue: []
/// PriorityQueue 2 waiting getter(s), put (5, 1, 3): after put_nowait(5, 1, 3): qsize=3; g1 got 1; g2 got 3; left in queue: [5]
/// ```
#[test]
fn case_07_lifo_and_priority_getters_take_by_the_order() {
    async fn scenario<O: weft::queue::Order<u32> + Send + Sync + 'static>(
        name: &str,
        q: weft::Queue<u32, O>,
        items: &[u32],
        ngetters: usize,
    ) -> String
    where
        O::Buf: Send,
    {
        let q = Arc::new(q);
        let out: Arc<Mutex<Vec<String>>> = Arc::default();
        let gs: Vec<_> = (0..ngetters)
            .map(|i| {
                let (q, out) = (q.clone(), out.clone());
                weft::spawn(async move {
                    let item = q.get().await.unwrap();
                    out.lock().push(format!("g{} got {item}", i + 1));
                })
            })
            .collect();
        weft::yield_now().await.unwrap(); // all getters now waiting on q.get()
        for &it in items {
            q.put_nowait(it).unwrap(); // same step, no yield in between
        }
        let shown = items.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
        out.lock()
            .push(format!("after put_nowait({shown}): qsize={}", q.qsize() + ngetters.min(items.len())));
        join_all(gs).await;
        let left: Vec<_> = std::iter::from_fn(|| q.get_nowait().ok()).collect();
        out.lock().push(format!("left in queue: {left:?}"));
        format!("{name:<13} {ngetters} waiting getter(s), put ({shown}): {}", out.lock().join("; "))
    }
    let out: Arc<Mutex<Vec<String>>> = Arc::default();
    let o = out.clone();
    run(|_log| async move {
        for ng in [1, 2] {
            let lines = [
                scenario("Queue", weft::Queue::new(0), &[1, 2], ng).await,
                scenario("LifoQueue", weft::Queue::lifo(0), &[1, 2], ng).await,
                scenario("PriorityQueue", weft::Queue::priority(0), &[5, 1], ng).await,
                scenario("PriorityQueue", weft::Queue::priority(0), &[5, 1, 3], ng).await,
            ];
            o.lock().extend(lines);
        }
    });
    assert_eq!(out.lock().join("\n"), CASE_07_OUT.trim_end());
}

/// Case 8: `run` cancels the tasks left when main returns one turn later, through main's
/// done callback: a task main created in its last step runs its first step before it is
/// cancelled; a task created in that turn never runs. (weft has no hook inside `run`;
/// the test logs what the tasks see.)
///
/// ```python
/// import asyncio
/// IT = 0
/// class Loop(asyncio.SelectorEventLoop):
///     def _run_once(self):
///         global IT; IT += 1; super()._run_once()
/// def log(m): print(f"it{IT}: {m}")
/// kept = []
///
/// async def grandchild():
///     log("grandchild step 1 (body started)")          # never printed: see below
///
/// async def child():
///     log("child step 1 (started)")
///     kept.append(asyncio.create_task(grandchild()))
///     try:
///         await asyncio.sleep(10)
///     except asyncio.CancelledError as e:
///         t = asyncio.current_task()
///         log(f"child sees CancelledError{e.args}, cancelling()={t.cancelling()}")
///         await asyncio.sleep(0); log("child cleanup step after an await (still allowed)")
///         raise
///     finally:
///         log("child finally")
///
/// async def main():
///     log("main step 1"); await asyncio.sleep(0)
///     kept.append(asyncio.create_task(child()))
///     log("main last step: created child, returning")
///     return "main result"
///
/// orig_cancel_all = asyncio.runners._cancel_all_tasks
/// def cancel_all(loop):
///     log(f"asyncio.run: main done; _cancel_all_tasks over {sorted(t.get_coro().__name__ for t in asyncio.all_tasks(loop))}")
///     orig_cancel_all(loop)
/// asyncio.runners._cancel_all_tasks = cancel_all
/// print("asyncio.run returned", asyncio.run(main(), loop_factory=Loop))
/// for t in kept: print(f"{t.get_coro().__name__}: cancelled={t.cancelled()}")
/// ```
///
/// CPython 3.13 prints:
///
/// ```text
/// it1: main step 1
/// it2: main last step: created child, returning
/// it3: child step 1 (started)
/// it3: asyncio.run: main done; _cancel_all_tasks over ['child', 'grandchild']
/// it4: child sees CancelledError(), cancelling()=1
/// it5: child cleanup step after an await (still allowed)
/// it5: child finally
/// asyncio.run returned main result
/// child: cancelled=True
/// grandchild: cancelled=True
/// ```
#[test]
fn case_08_run_cancels_leftovers_one_turn_after_main() {
    common::watchdog("case_08", common::WATCHDOG, || {
        let log = Log::default();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let kept: Arc<Mutex<Vec<(&str, weft::TaskRef)>>> = Arc::default();
        let rt = common::current();
        let (l, s, k) = (log.clone(), stop.clone(), kept.clone());
        let r = weft::run_on(&rt, async move {
            // The turn counter: a leftover task too; it ignores the cancellation and stops
            // when the child's cleanup is over.
            let turn = l.turn.clone();
            let s2 = s.clone();
            weft::spawn(async move {
                loop {
                    turn.fetch_add(1, Ordering::SeqCst);
                    // A cancellation is delivered when the counter resumes: that is a step
                    // too, and the next yield waits within it.
                    let _ = weft::yield_now().await;
                    if s2.load(Ordering::SeqCst) {
                        return;
                    }
                }
            });
            weft::yield_now().await.unwrap();
            l.push("main step 1");
            weft::yield_now().await.unwrap();
            let child = {
                let (l, k) = (l.clone(), k.clone());
                weft::spawn(async move {
                    l.push("child step 1 (started)");
                    let gl = l.clone();
                    let grandchild = weft::spawn(async move { gl.push("grandchild step 1 (body started)") });
                    k.lock().push(("grandchild", grandchild.task_ref()));
                    let r = weft::time::sleep(Duration::from_secs(10)).await;
                    let me = weft::current_task().unwrap();
                    let c = r.unwrap_err();
                    l.push(format!(
                        "child sees CancelledError{}, cancelling()={}",
                        match c.message() {
                            Some(m) => format!("('{m}',)"),
                            None => "()".into(),
                        },
                        me.cancelling()
                    ));
                    let _ = weft::yield_now().await;
                    l.push("child cleanup step after an await (still allowed)");
                    l.push("child finally");
                    s.store(true, Ordering::SeqCst);
                    Err::<(), _>(c)
                })
            };
            k.lock().push(("child", child.task_ref()));
            l.push("main last step: created child, returning");
            "main result"
        });
        log.push(format!("asyncio.run returned {}", r.unwrap()));
        for (name, t) in kept.lock().iter() {
            log.push(format!("{name}: cancelled={}", t.is_cancelled()));
        }
        let got = log.take_relative(1);
        let (turns, tail) = got.split_at(5);
        assert_eq!(
            turns,
            lines(&[
                (1, "main step 1"),
                (2, "main last step: created child, returning"),
                (3, "child step 1 (started)"),
                (4, "child sees CancelledError(), cancelling()=1"),
                (5, "child cleanup step after an await (still allowed)"),
            ])
        );
        let tail: Vec<_> = tail.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            tail,
            [
                "child finally",
                "asyncio.run returned main result",
                "child: cancelled=true",
                "grandchild: cancelled=true"
            ]
        );
    });
}

/// Case 10, a deliberate difference: a slot freed while a putter waits is *reserved* for
/// that putter, so `put_nowait` from another task is refused (`QueueFull`) where asyncio
/// accepts the item and lets the woken putter wait again, now behind the others. weft's
/// guarantee is stronger: putters are served in the order they came, and a woken putter
/// or getter never finds its slot or item taken. The test runs the program's scenarios
/// and asserts weft's order, which keeps P1 before P2 in (c).
///
/// ```python
/// import asyncio
/// IT = 0
/// class Loop(asyncio.SelectorEventLoop):
///     def _run_once(self):
///         global IT; IT += 1; super()._run_once()
/// def log(m): print(f"  it{IT}: {m}")
///
/// async def putter(q, item):
///     log(f"putter: put({item!r}) blocks (queue full)"); await q.put(item); log(f"putter: put({item!r}) returned")
///
/// async def getter(q):
///     log("getter: get() waits (queue empty)"); item = await q.get(); log(f"getter: get() -> {item!r}")
///
/// async def main():
///     print("(a) full Queue(maxsize=1), putter waiting; get_nowait frees the slot, then someone put_nowait's")
///     q = asyncio.Queue(maxsize=1); q.put_nowait("old")
///     p = asyncio.create_task(putter(q, "P")); await asyncio.sleep(0)
///     log(f"main: get_nowait() -> {q.get_nowait()!r} (putter's future is now set)")
///     try: q.put_nowait("intruder"); log("main: put_nowait('intruder') ACCEPTED")
///     except asyncio.QueueFull: log("main: put_nowait('intruder') -> QueueFull")
///     await asyncio.sleep(0); log(f"main: after one iteration, putter done={p.done()} (re-queued: {len(q._putters)} putter future), queue={list(q._queue)}")
///     log(f"main: get_nowait() -> {q.get_nowait()!r}"); await p
///     log(f"main: queue={list(q._queue)}")
///     print("(b) mirror image: getter waiting on empty Queue; put_nowait then get_nowait in the same step")
///     q = asyncio.Queue()
///     g = asyncio.create_task(getter(q)); await asyncio.sleep(0)
///     q.put_nowait("X"); log(f"main: put_nowait('X') then get_nowait() -> {q.get_nowait()!r} (stolen)")
///     await asyncio.sleep(0); log(f"main: after one iteration getter done={g.done()} (re-queued: {len(q._getters)} getter future)")
///     q.put_nowait("Y"); await g
///     print("(c) two putters P1, P2 waiting; P1 is woken but its slot is stolen -> P1 re-queues BEHIND P2")
///     q = asyncio.Queue(maxsize=1); q.put_nowait("old")
///     ps = [asyncio.create_task(putter(q, n)) for n in ("P1", "P2")]; await asyncio.sleep(0)
///     q.get_nowait(); q.put_nowait("intruder"); await asyncio.sleep(0)
///     log(f"main: get_nowait() -> {q.get_nowait()!r}"); await asyncio.sleep(0)
///     log(f"main: get_nowait() -> {q.get_nowait()!r}"); await asyncio.gather(*ps)
///     log(f"main: get_nowait() -> {q.get_nowait()!r}")
///
/// asyncio.run(main(), loop_factory=Loop)
/// ```
///
/// CPython 3.13 prints:
///
/// ```text
/// (a) full Queue(maxsize=1), putter waiting; get_nowait frees the slot, then someone put_nowait's
///   it2: putter: put('P') blocks (queue full)
///   it2: main: get_nowait() -> 'old' (putter's future is now set)
///   it2: main: put_nowait('intruder') ACCEPTED
///   it3: main: after one iteration, putter done=False (re-queued: 1 putter future), queue=['intruder']
///   it3: main: get_nowait() -> 'intruder'
///   it4: putter: put('P') returned
///   it5: main: queue=['P']
/// (b) mirror image: getter waiting on empty Queue; put_nowait then get_nowait in the same step
///   it6: getter: get() waits (queue empty)
///   it6: main: put_nowait('X') then get_nowait() -> 'X' (stolen)
///   it7: main: after one iteration getter done=False (re-queued: 1 getter future)
///   it8: getter: get() -> 'Y'
/// (c) two putters P1, P2 waiting; P1 is woken but its slot is stolen -> P1 re-queues BEHIND P2
///   it10: putter: put('P1') blocks (queue full)
///   it10: putter: put('P2') blocks (queue full)
///   it11: main: get_nowait() -> 'intruder'
///   it12: putter: put('P2') returned
///   it12: main: get_nowait() -> 'P2'
///   it13: putter: put('P1') returned
///   it15: main: get_nowait() -> 'P1'
/// ```
#[test]
fn case_10_a_freed_slot_is_reserved_for_the_waiting_putter() {
    fn putter(log: &Log, q: &Arc<weft::Queue<&'static str>>, item: &'static str) -> Task<()> {
        let (log, q) = (log.clone(), q.clone());
        weft::spawn(async move {
            log.push(format!("putter: put('{item}') blocks (queue full)"));
            q.put(item).await.unwrap();
            log.push(format!("putter: put('{item}') returned"));
        })
    }
    run(|log| async move {
        // (a) full Queue(maxsize=1), putter waiting; get_nowait frees the slot, then someone put_nowait's
        let q = Arc::new(weft::Queue::new(1));
        q.put_nowait("old").unwrap();
        let p = putter(&log, &q, "P");
        weft::yield_now().await.unwrap();
        log.push(format!(
            "main: get_nowait() -> {:?} (the slot is reserved for the putter)",
            q.get_nowait().unwrap()
        ));
        match q.put_nowait("intruder") {
            Err(weft::TryPutError::Full(_)) => log.push("main: put_nowait('intruder') -> QueueFull"),
            other => panic!("{other:?}"),
        }
        weft::yield_now().await.unwrap();
        log.push(format!("main: after one turn, putter done={}", p.is_finished()));
        log.push(format!("main: get_nowait() -> {:?}", q.get_nowait().unwrap()));
        p.await.unwrap();
        // (b) mirror image: getter waiting on empty Queue; put_nowait then get_nowait in the same step
        let q = Arc::new(weft::Queue::new(0));
        let g = weft::spawn({
            let (log, q) = (log.clone(), q.clone());
            async move {
                log.push("getter: get() waits (queue empty)");
                let item = q.get().await.unwrap();
                log.push(format!("getter: get() -> {item:?}"));
            }
        });
        weft::yield_now().await.unwrap();
        q.put_nowait("X").unwrap();
        log.push(format!(
            "main: put_nowait('X') then get_nowait() -> {:?} (X is the getter's)",
            q.get_nowait()
        ));
        g.await.unwrap();
        // (c) two putters P1, P2 waiting; the slot freed goes to P1, the first to wait
        // (CPython: P1 re-queues behind P2, whose item goes in first)
        let q = Arc::new(weft::Queue::new(1));
        q.put_nowait("old").unwrap();
        let ps = vec![putter(&log, &q, "P1"), putter(&log, &q, "P2")];
        weft::yield_now().await.unwrap();
        q.get_nowait().unwrap();
        assert!(q.put_nowait("intruder").is_err());
        weft::yield_now().await.unwrap();
        log.push(format!("main: get_nowait() -> {:?}", q.get_nowait().unwrap()));
        weft::yield_now().await.unwrap();
        log.push(format!("main: get_nowait() -> {:?}", q.get_nowait().unwrap()));
        join_all(ps).await;
        assert_eq!(
            log.take_relative(2),
            lines(&[
                (2, "putter: put('P') blocks (queue full)"),
                (2, "main: get_nowait() -> \"old\" (the slot is reserved for the putter)"),
                (2, "main: put_nowait('intruder') -> QueueFull"),
                (3, "putter: put('P') returned"),
                (3, "main: after one turn, putter done=true"),
                (3, "main: get_nowait() -> \"P\""),
                (4, "getter: get() waits (queue empty)"),
                (4, "main: put_nowait('X') then get_nowait() -> Err(Empty) (X is the getter's)"),
                (5, "getter: get() -> \"X\""),
                (7, "putter: put('P1') blocks (queue full)"),
                (7, "putter: put('P2') blocks (queue full)"),
                (8, "putter: put('P1') returned"),
                (8, "main: get_nowait() -> \"P1\""),
                (9, "putter: put('P2') returned"),
                (9, "main: get_nowait() -> \"P2\""),
            ])
        );
    });
}

/// Case 11, a deliberate difference: a `Condition` waiter cancelled *before* it was
/// notified passes nothing on (CPython 3.13's `wait()` notifies another waiter on any
/// exception, a spurious wake-up); a waiter notified and then cancelled passes its
/// notification on, as in CPython. weft's guarantee: `wait()` returns only for a
/// notification given to it (or passed on to it), and no notification is lost. So in
/// (a) W2 stays waiting until main notifies, and in (b), where `notify(1)` still finds
/// W1 first in line (its cancellation has not run yet), W1 hands the notification to
/// W2, which wakes one turn later than in CPython.
///
/// ```python
/// import asyncio
/// IT = 0
/// class Loop(asyncio.SelectorEventLoop):
///     def _run_once(self):
///         global IT; IT += 1; super()._run_once()
/// def log(m): print(f"  it{IT}: {m}")
///
/// async def waiter(name, cond):
///     async with cond:
///         try:
///             await cond.wait(); log(f"{name}: wait() returned (woken)")
///         except asyncio.CancelledError:
///             log(f"{name}: wait() raised CancelledError (lock re-acquired)"); raise
///
/// async def scenario(title, mode):
///     print(title)
///     cond = asyncio.Condition()
///     w1, w2 = (asyncio.create_task(waiter(n, cond), name=n) for n in ("W1", "W2"))
///     await asyncio.sleep(0); log(f"main: W1 and W2 waiting ({len(cond._waiters)} waiters)")
///     for op in mode.split("+"):
///         if op == "cancel": w1.cancel(); log("main: W1.cancel()")
///         else:
///             async with cond: cond.notify(1); log("main: notify(1)")
///     for _ in range(4): await asyncio.sleep(0)
///     log(f"main: W2 done={w2.done()}")
///     if not w2.done():
///         async with cond: cond.notify(1); log("main: notify(1)")
///     await asyncio.gather(w1, w2, return_exceptions=True)
///
/// async def main():
///     await scenario("(a) cancel W1 while waiting, never notify: does W2 wake?", "cancel")
///     await scenario("(b) cancel W1, then notify(1) in the same step", "cancel+notify")
///     await scenario("(c) notify(1) (picks W1), then cancel W1 in the same step", "notify+cancel")
///
/// asyncio.run(main(), loop_factory=Loop)
/// ```
///
/// CPython 3.13 prints:
///
/// ```text
/// (a) cancel W1 while waiting, never notify: does W2 wake?
///   it2: main: W1 and W2 waiting (2 waiters)
///   it2: main: W1.cancel()
///   it3: W1: wait() raised CancelledError (lock re-acquired)
///   it4: W2: wait() returned (woken)
///   it6: main: W2 done=True
/// (b) cancel W1, then notify(1) in the same step
///   it7: main: W1 and W2 waiting (2 waiters)
///   it7: main: W1.cancel()
///   it7: main: notify(1)
///   it8: W1: wait() raised CancelledError (lock re-acquired)
///   it8: W2: wait() returned (woken)
///   it11: main: W2 done=True
/// (c) notify(1) (picks W1), then cancel W1 in the same step
///   it12: main: W1 and W2 waiting (2 waiters)
///   it12: main: notify(1)
///   it12: main: W1.cancel()
///   it13: W1: wait() raised CancelledError (lock re-acquired)
///   it14: W2: wait() returned (woken)
///   it16: main: W2 done=True
/// ```
#[test]
fn case_11_a_cancelled_condition_waiter_passes_on_only_what_it_was_given() {
    async fn scenario(log: &Log, title: &str, ops: &[&str]) {
        log.push(title);
        let cond = Arc::new(weft::Condition::new());
        let spawn_waiter = |name: &'static str| {
            let (log, cond) = (log.clone(), cond.clone());
            weft::spawn(async move {
                let mut guard = cond.acquire().await.unwrap();
                match guard.wait().await {
                    Ok(()) => log.push(format!("{name}: wait() returned (woken)")),
                    Err(_) => log.push(format!("{name}: wait() raised CancelledError (lock re-acquired)")),
                }
            })
        };
        let (w1, w2) = (spawn_waiter("W1"), spawn_waiter("W2"));
        weft::yield_now().await.unwrap();
        log.push("main: W1 and W2 waiting");
        for op in ops {
            if *op == "cancel" {
                w1.cancel(None);
                log.push("main: W1.cancel()");
            } else {
                cond.acquire().await.unwrap().notify(1);
                log.push("main: notify(1)");
            }
        }
        for _ in 0..4 {
            weft::yield_now().await.unwrap();
        }
        log.push(format!("main: W2 done={}", w2.is_finished()));
        if !w2.is_finished() {
            cond.acquire().await.unwrap().notify(1);
            log.push("main: notify(1)");
        }
        join_all(vec![w1, w2]).await;
    }
    run(|log| async move {
        scenario(&log, "(a) cancel W1 while waiting, never notify: does W2 wake?", &["cancel"]).await;
        scenario(&log, "(b) cancel W1, then notify(1) in the same step", &["cancel", "notify"]).await;
        scenario(&log, "(c) notify(1) (picks W1), then cancel W1 in the same step", &["notify", "cancel"])
            .await;
        assert_eq!(
            log.take_relative(1),
            lines(&[
                (1, "(a) cancel W1 while waiting, never notify: does W2 wake?"),
                (2, "main: W1 and W2 waiting"),
                (2, "main: W1.cancel()"),
                (3, "W1: wait() raised CancelledError (lock re-acquired)"),
                // CPython: W2 wakes here (a spurious wake-up) and main sees done=True.
                (6, "main: W2 done=false"),
                (6, "main: notify(1)"),
                (7, "W2: wait() returned (woken)"),
                (8, "(b) cancel W1, then notify(1) in the same step"),
                (9, "main: W1 and W2 waiting"),
                (9, "main: W1.cancel()"),
                (9, "main: notify(1)"),
                (10, "W1: wait() raised CancelledError (lock re-acquired)"),
                // CPython: W2 wakes in the same turn as W1 (notify skipped W1).
                (11, "W2: wait() returned (woken)"),
                (13, "main: W2 done=true"),
                (13, "(c) notify(1) (picks W1), then cancel W1 in the same step"),
                (14, "main: W1 and W2 waiting"),
                (14, "main: notify(1)"),
                (14, "main: W1.cancel()"),
                (15, "W1: wait() raised CancelledError (lock re-acquired)"),
                (16, "W2: wait() returned (woken)"),
                (18, "main: W2 done=true"),
            ])
        );
    });
}

/// Case 12: `wait(FIRST_COMPLETED)` returns two turns after the first task finished (the
/// done callback, then the wake-up), and takes `done` and `pending` when it resumes.
///
/// ```python
/// import asyncio
/// IT = 0
/// class Loop(asyncio.SelectorEventLoop):
///     def _run_once(self):
///         global IT; IT += 1; super()._run_once()
/// n = 0
/// async def counter():  # helper task: one increment per loop iteration
///     global n
///     while True: n += 1; await asyncio.sleep(0)
/// def log(m): print(f"  it{IT} n={n}: {m}")
///
/// async def child(name, steps):
///     for _ in range(steps): await asyncio.sleep(0)
///     log(f"{name} finishes"); return name
///
/// async def scenario(title, steps, **kw):
///     print(title)
///     ts = [asyncio.create_task(child(f"t{i + 1}", s), name=f"t{i + 1}") for i, s in enumerate(steps)]
///     done, pending = await asyncio.wait(ts, return_when=asyncio.FIRST_COMPLETED, **kw)
///     log(f"wait returned done={sorted(t.get_name() for t in done)} pending={sorted(t.get_name() for t in pending)}")
///     await asyncio.gather(*ts)
///
/// async def main():
///     asyncio.create_task(counter()); await asyncio.sleep(0)
///     await scenario("(a) t1 finishes first (2 steps), t2 much later (10 steps)", (2, 10))
///     await scenario("(b) t1 at step 2, t2 one iteration later (3 steps): t2 also in `done`", (2, 3))
///     await scenario("(c) t1 at step 2, t2 two iterations later (4 steps): same iteration as wait's return, but after it", (2, 4))
///     await scenario("(d) with timeout=10 (timer handle cancelled, same turn count)", (2, 10), timeout=10)
///
/// asyncio.run(main(), loop_factory=Loop)
/// ```
///
/// CPython 3.13 prints:
///
/// ```text
/// (a) t1 finishes first (2 steps), t2 much later (10 steps)
///   it5 n=4: t1 finishes
///   it7 n=6: wait returned done=['t1'] pending=['t2']
///   it13 n=12: t2 finishes
/// (b) t1 at step 2, t2 one iteration later (3 steps): t2 also in `done`
///   it18 n=17: t1 finishes
///   it19 n=18: t2 finishes
///   it20 n=19: wait returned done=['t1', 't2'] pending=[]
/// (c) t1 at step 2, t2 two iterations later (4 steps): same iteration as wait's return, but after it
///   it23 n=22: t1 finishes
///   it25 n=24: wait returned done=['t1'] pending=['t2']
///   it25 n=24: t2 finishes
/// (d) with timeout=10 (timer handle cancelled, same turn count)
///   it30 n=29: t1 finishes
///   it32 n=31: wait returned done=['t1'] pending=['t2']
///   it38 n=37: t2 finishes
/// ```
#[test]
fn case_12_wait_first_completed_returns_two_turns_later() {
    fn child(log: &Log, name: &'static str, steps: usize) -> Task<Result<&'static str, ()>> {
        let log = log.clone();
        weft::spawn(async move {
            for _ in 0..steps {
                weft::yield_now().await.unwrap();
            }
            log.push(format!("{name} finishes"));
            Ok(name)
        })
    }
    async fn scenario(log: &Log, steps: [usize; 2], timeout: Option<Duration>) -> Vec<(i64, String)> {
        let ts = vec![child(log, "t1", steps[0]), child(log, "t2", steps[1])];
        let (done, pending) = weft::wait(ts, weft::ReturnWhen::FirstCompleted, timeout).await.unwrap();
        let name = |i: usize| ["t1", "t2"][i];
        let mut done: Vec<_> = done.iter().map(|f| name(f.index)).collect();
        done.sort();
        let names: Vec<_> = pending.iter().map(|(i, _)| name(*i)).collect();
        log.push(format!("wait returned done={done:?} pending={names:?}"));
        join_all(pending.into_iter().map(|(_, t)| t).collect()).await;
        log.take_relative(0)
    }
    run(|log| async move {
        // (a) t1 finishes first (2 steps), t2 much later (10 steps)
        assert_eq!(
            scenario(&log, [2, 10], None).await,
            lines(&[
                (0, "t1 finishes"),
                (2, "wait returned done=[\"t1\"] pending=[\"t2\"]"),
                (8, "t2 finishes")
            ])
        );
        // (b) t1 at step 2, t2 one turn later (3 steps): t2 also in `done`
        assert_eq!(
            scenario(&log, [2, 3], None).await,
            lines(&[
                (0, "t1 finishes"),
                (1, "t2 finishes"),
                (2, "wait returned done=[\"t1\", \"t2\"] pending=[]")
            ])
        );
        // (c) t1 at step 2, t2 two turns later (4 steps): same turn as wait's return, but after it
        assert_eq!(
            scenario(&log, [2, 4], None).await,
            lines(&[
                (0, "t1 finishes"),
                (2, "wait returned done=[\"t1\"] pending=[\"t2\"]"),
                (2, "t2 finishes")
            ])
        );
        // (d) with timeout=10 (the timer is cancelled, same turn count)
        assert_eq!(
            scenario(&log, [2, 10], Some(Duration::from_secs(10))).await,
            lines(&[
                (0, "t1 finishes"),
                (2, "wait returned done=[\"t1\"] pending=[\"t2\"]"),
                (8, "t2 finishes")
            ])
        );
    });
}

/// CPython 3.13's output for case 7, line for line.
const CASE_07_OUT: &str = "\
Queue         1 waiting getter(s), put (1, 2): after put_nowait(1, 2): qsize=2; g1 got 1; left in queue: [2]
LifoQueue     1 waiting getter(s), put (1, 2): after put_nowait(1, 2): qsize=2; g1 got 2; left in queue: [1]
PriorityQueue 1 waiting getter(s), put (5, 1): after put_nowait(5, 1): qsize=2; g1 got 1; left in queue: [5]
PriorityQueue 1 waiting getter(s), put (5, 1, 3): after put_nowait(5, 1, 3): qsize=3; g1 got 1; left in queue: [3, 5]
Queue         2 waiting getter(s), put (1, 2): after put_nowait(1, 2): qsize=2; g1 got 1; g2 got 2; left in queue: []
LifoQueue     2 waiting getter(s), put (1, 2): after put_nowait(1, 2): qsize=2; g1 got 2; g2 got 1; left in queue: []
PriorityQueue 2 waiting getter(s), put (5, 1): after put_nowait(5, 1): qsize=2; g1 got 1; g2 got 5; left in queue: []
PriorityQueue 2 waiting getter(s), put (5, 1, 3): after put_nowait(5, 1, 3): qsize=3; g1 got 1; g2 got 3; left in queue: [5]
";

/// Case 13: a task outside a group awaits the group's last child; the child ends (with a
/// value, cancelled while it waits, or cancelled before its first step). The awaiter
/// resumes before the group's owner: the group's done-callback, the child's first, wakes
/// the owner through a future, behind the awaiter's wake-up.
///
/// ```python
/// import asyncio
///
/// async def scenario(kind):
///     order = []
///     ev = asyncio.Event()
///     async def child():
///         try:
///             await ev.wait()
///             return 7
///         finally:
///             order.append("child ends")
///     async def watcher(t):
///         try:
///             order.append(f"watcher got {await t}")
///         except asyncio.CancelledError:
///             order.append("watcher sees CancelledError")
///     async with asyncio.TaskGroup() as tg:
///         t = tg.create_task(child())
///         w = asyncio.create_task(watcher(t))
///         if kind != "cancelled before its first step":
///             await asyncio.sleep(0)
///         if kind == "returns a value":
///             ev.set()
///         else:
///             t.cancel()
///         order.append("body ends")
///     order.append("group returns")
///     await w
///     print(f"{kind}: {' | '.join(order)}")
///
/// async def main():
///     for kind in ("returns a value", "cancelled while waiting", "cancelled before its first step"):
///         await scenario(kind)
///
/// asyncio.run(main())
/// ```
///
/// CPython 3.13 prints:
///
/// ```text
/// returns a value: body ends | child ends | watcher got 7 | group returns
/// cancelled while waiting: body ends | child ends | watcher sees CancelledError | group returns
/// cancelled before its first step: body ends | watcher sees CancelledError | group returns
/// ```
#[test]
fn case_13_an_awaiter_of_the_last_child_resumes_before_the_groups_owner() {
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        ReturnsAValue,
        CancelledWhileWaiting,
        CancelledBeforeItsFirstStep,
    }
    async fn scenario(kind: Kind) -> Vec<String> {
        let order = Arc::new(Mutex::new(Vec::<String>::new()));
        let ev = Arc::new(weft::Event::new());
        let watcher = {
            let (order, ev) = (order.clone(), ev.clone());
            weft::task_group(move |tg| async move {
                let child = {
                    let (order, ev) = (order.clone(), ev.clone());
                    async move {
                        /// "finally": logs when the child's future ends, however it ends.
                        struct Finally(Arc<Mutex<Vec<String>>>);
                        impl Drop for Finally {
                            fn drop(&mut self) {
                                self.0.lock().push("child ends".into());
                            }
                        }
                        let _finally = Finally(order);
                        ev.wait().await?;
                        Ok::<_, weft::Cancelled>(7)
                    }
                };
                let t = tg.spawn(child)?;
                let t_ref = t.task_ref();
                let w = {
                    let order = order.clone();
                    weft::spawn(async move {
                        match t.await {
                            Ok(v) => order.lock().push(format!("watcher got {v}")),
                            Err(e) if e.is_cancelled() => {
                                order.lock().push("watcher sees CancelledError".into())
                            }
                            Err(e) => panic!("{e}"),
                        }
                    })
                };
                if kind != Kind::CancelledBeforeItsFirstStep {
                    weft::yield_now().await.unwrap();
                }
                if kind == Kind::ReturnsAValue {
                    ev.set();
                } else {
                    t_ref.cancel(None);
                }
                order.lock().push("body ends".into());
                Ok::<_, weft::GroupSpawnError>(w)
            })
        }
        .await
        .unwrap();
        order.lock().push("group returns".into());
        watcher.await.unwrap();
        order.lock().clone()
    }
    run(|_log| async move {
        assert_eq!(
            scenario(Kind::ReturnsAValue).await,
            ["body ends", "child ends", "watcher got 7", "group returns"]
        );
        assert_eq!(
            scenario(Kind::CancelledWhileWaiting).await,
            ["body ends", "child ends", "watcher sees CancelledError", "group returns"]
        );
        // The child's body never ran, so its "finally" was never entered.
        assert_eq!(
            scenario(Kind::CancelledBeforeItsFirstStep).await,
            ["body ends", "watcher sees CancelledError", "group returns"]
        );
    });
}
