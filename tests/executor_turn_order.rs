//! The current-thread runtime's turn, against CPython 3.13's `_run_once`, case by case.
//!
//! A turn (see `scheduler/current_thread.rs` and the book's scheduler chapter): remote
//! wake-ups join the queue, I/O readiness and due timers are collected; the tasks that were
//! ready when the turn began run once each; then the collected callbacks run (timers in
//! deadline order), and the tasks they wake run in the next turn. asyncio's iteration is
//! the same with callbacks for tasks, so each case below prints what CPython printed.
//!
//! Turns are counted as the reference programs count iterations: by a task spawned before
//! every other that adds one and yields (`n += 1; await asyncio.sleep(0)`); being first in
//! the queue, it runs first in every turn. Timers are made overdue by a blocking step, or
//! are relative to the turn they fire in, so no result depends on how busy the machine is.

mod common;

use parking_lot::Mutex;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::Duration;
use weft::time::{Timer, now};

/// Lines logged with the turn they were logged in.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<(usize, String)>>>);

impl Log {
    fn push(&self, turn: &Turns, line: impl Into<String>) {
        self.0.lock().push((turn.now(), line.into()));
    }

    fn take(&self) -> Vec<(usize, String)> {
        std::mem::take(&mut *self.0.lock())
    }
}

/// The turn counter: asyncio's `_run_once` count.
#[derive(Clone, Default)]
struct Turns(Arc<AtomicUsize>);

impl Turns {
    /// Spawns the counting task; spawn it before any other so that it runs first in every
    /// turn.
    fn start(&self) -> impl Future<Output = ()> + Send + 'static {
        let n = self.0.clone();
        async move {
            loop {
                n.fetch_add(1, SeqCst);
                if weft::yield_now().await.is_err() {
                    return;
                }
            }
        }
    }

    fn now(&self) -> usize {
        self.0.load(SeqCst)
    }
}

fn current() -> weft::Runtime {
    weft::Runtime::builder().current_thread().build().unwrap()
}

/// Formats `(turn, line)` entries as the reference programs print them, relative to
/// `base`: `iter B+1: ...`, or `iter K  : ...` for the base itself with `k_style`.
fn relative(entries: &[(usize, String)], base: usize, letter: char) -> Vec<String> {
    entries
        .iter()
        .map(|(turn, line)| {
            let d = *turn as i64 - base as i64;
            if letter == 'K' && d == 0 {
                format!("  iter K  : {line}")
            } else {
                format!("  iter {letter}{d:+}: {line}")
            }
        })
        .collect()
}

async fn spinner(name: &'static str, stop: Arc<AtomicBool>, log: Log, turns: Turns) {
    while !stop.load(SeqCst) {
        log.push(&turns, format!("{name} step"));
        weft::yield_now().await.unwrap();
    }
    log.push(&turns, format!("{name} sees stop, exits"));
}

/// CPython 3.13, `01_timers_every_iteration.py`, part 1: a timer callback becomes due while
/// tasks A, B and C keep yielding.
///
/// ```python
/// ts = [asyncio.create_task(spinner(n)) for n in "ABC"]
/// await asyncio.sleep(0)
/// f = loop.create_future()
/// def cb():
///     global stop; stop = True; log("timer cb fired"); f.set_result(IT)
/// loop.call_later(0.001, cb)
/// k = await f; log("main resumed (future set by timer cb)")
/// ```
///
/// ```text
///   iter K-1: A step
///   iter K-1: B step
///   iter K-1: C step
///   iter K  : A step
///   iter K  : B step
///   iter K  : C step
///   iter K  : timer cb fired
///   iter K+1: A sees stop, exits
///   iter K+1: B sees stop, exits
///   iter K+1: C sees stop, exits
///   iter K+1: main resumed (future set by timer cb)
/// ```
///
/// The timers are looked at in every turn, however busy the queue; a due callback runs
/// after the tasks that were ready when its turn began, and what it wakes runs in the next.
#[test]
fn a_timer_due_while_tasks_keep_yielding_fires_in_its_turn_after_the_ready_tasks() {
    let lines = common::watchdog("turns", common::WATCHDOG, || {
        current().block_on(async {
            let (turns, log) = (Turns::default(), Log::default());
            weft::spawn(turns.start());
            let stop = Arc::new(AtomicBool::new(false));
            let spinners: Vec<_> = ["A", "B", "C"]
                .into_iter()
                .map(|name| weft::spawn(spinner(name, stop.clone(), log.clone(), turns.clone())))
                .collect();
            weft::yield_now().await.unwrap();
            let fired = Arc::new(weft::Event::new());
            let k = Arc::new(AtomicUsize::new(0));
            let (f, k2, l, t) = (fired.clone(), k.clone(), log.clone(), turns.clone());
            let _timer = Timer::call_at(now() + Duration::from_millis(1), move || {
                stop.store(true, SeqCst);
                l.push(&t, "timer cb fired");
                k2.store(t.now(), SeqCst);
                f.set();
            })
            .unwrap();
            fired.wait().await.unwrap();
            log.push(&turns, "main resumed (future set by timer cb)");
            for s in spinners {
                s.await.unwrap();
            }
            let k = k.load(SeqCst);
            let window: Vec<_> =
                log.take().into_iter().filter(|(turn, _)| turn + 1 >= k && *turn <= k + 1).collect();
            relative(&window, k, 'K')
        })
    });
    assert_eq!(
        lines,
        [
            "  iter K-1: A step",
            "  iter K-1: B step",
            "  iter K-1: C step",
            "  iter K  : A step",
            "  iter K  : B step",
            "  iter K  : C step",
            "  iter K  : timer cb fired",
            "  iter K+1: A sees stop, exits",
            "  iter K+1: B sees stop, exits",
            "  iter K+1: C sees stop, exits",
            "  iter K+1: main resumed (future set by timer cb)",
        ]
    );
}

/// CPython 3.13, `01_timers_every_iteration.py`, part 2: the loop is late (a blocking
/// step), and several timers are overdue at once. (`call_soon` is a spawned task here.)
///
/// ```python
/// loop.call_later(0.10, say, "t3 call_later(0.10) set 1st")
/// loop.call_later(0.05, say, "t1 call_later(0.05) set 2nd")   # t1 call_soon's another say
/// loop.call_later(0.05, say, "t2 call_later(0.05) set 3rd")
/// loop.call_soon(say, "call_soon'd before the blocking sleep")
/// print("  iter B+0: main blocks 150 ms (B = this iteration)"); time.sleep(0.15)
/// await asyncio.sleep(0); print(f"  iter B{IT - base:+d}: main resumed after sleep(0)")
/// ```
///
/// ```text
///   iter B+0: main blocks 150 ms (B = this iteration)
///   iter B+1: call_soon'd before the blocking sleep
///   iter B+1: main resumed after sleep(0)
///   iter B+1: t1 call_later(0.05) set 2nd
///   iter B+1: t2 call_later(0.05) set 3rd
///   iter B+1: t3 call_later(0.10) set 1st
///   iter B+2: call_soon'd from inside t1 cb
/// ```
///
/// Overdue timers fire in one turn, in deadline order (t3 was set first but is due last),
/// behind the tasks already ready; a task spawned by a timer callback runs one turn later.
#[test]
fn overdue_timers_fire_in_one_turn_in_deadline_order_behind_the_ready_tasks() {
    let lines = common::watchdog("turns", common::WATCHDOG, || {
        current().block_on(async {
            let (turns, log) = (Turns::default(), Log::default());
            weft::spawn(turns.start());
            weft::yield_now().await.unwrap();
            let say = |line: &'static str| {
                let (log, turns) = (log.clone(), turns.clone());
                move || log.push(&turns, line)
            };
            let base = turns.now();
            // One reading of the clock for the three deadlines: a thread descheduled
            // between two of the calls cannot bring t1 and t2 due after t3. They are set
            // in the same step as the block, so none can come due before it.
            let at = now();
            let _t3 = Timer::call_at(at + Duration::from_millis(100), say("t3 call_later(0.10) set 1st"));
            let inner = say("call_soon'd from inside t1 cb");
            let (l, t) = (log.clone(), turns.clone());
            let _t1 = Timer::call_at(at + Duration::from_millis(50), move || {
                l.push(&t, "t1 call_later(0.05) set 2nd");
                weft::spawn(async move { inner() });
            });
            let _t2 = Timer::call_at(at + Duration::from_millis(50), say("t2 call_later(0.05) set 3rd"));
            let before = say("call_soon'd before the blocking sleep");
            weft::spawn(async move { before() });
            log.push(&turns, "main blocks 150 ms (B = this iteration)");
            std::thread::sleep(Duration::from_millis(150));
            weft::yield_now().await.unwrap();
            log.push(&turns, "main resumed after sleep(0)");
            weft::time::sleep(Duration::from_millis(10)).await.unwrap();
            relative(&log.take(), base, 'B')
        })
    });
    assert_eq!(
        lines,
        [
            "  iter B+0: main blocks 150 ms (B = this iteration)",
            "  iter B+1: call_soon'd before the blocking sleep",
            "  iter B+1: main resumed after sleep(0)",
            "  iter B+1: t1 call_later(0.05) set 2nd",
            "  iter B+1: t2 call_later(0.05) set 3rd",
            "  iter B+1: t3 call_later(0.10) set 1st",
            "  iter B+2: call_soon'd from inside t1 cb",
        ]
    );
}

/// CPython 3.13, `01_timers_every_iteration.py`, part 3: eight timers with the same `when`.
///
/// ```python
/// when = loop.time() + 0.01
/// for n in "abcdefgh": loop.call_at(when, say, f"tie {n}")
/// ```
///
/// ```text
///   iter B+1: tie a
///   iter B+1: tie c
///   iter B+1: tie g
///   iter B+1: tie f
///   iter B+1: tie h
///   iter B+1: tie b
///   iter B+1: tie d
///   iter B+1: tie e
/// ```
///
/// A deliberate difference (docs/asyncio-mapping.md, `loop.call_at`): asyncio's heap is not
/// stable and its docs leave the order of equal deadlines undefined; weft fires them in the
/// order they were set, in one turn.
#[test]
fn timers_with_the_same_deadline_fire_in_one_turn_in_the_order_they_were_set() {
    let entries = common::watchdog("turns", common::WATCHDOG, || {
        current().block_on(async {
            let (turns, log) = (Turns::default(), Log::default());
            weft::spawn(turns.start());
            let when = now() + Duration::from_millis(10);
            let timers: Vec<_> = "abcdefgh"
                .chars()
                .map(|n| {
                    let (log, turns) = (log.clone(), turns.clone());
                    Timer::call_at(when, move || log.push(&turns, format!("tie {n}"))).unwrap()
                })
                .collect();
            weft::time::sleep(Duration::from_millis(50)).await.unwrap();
            drop(timers);
            log.take()
        })
    });
    let turn = entries[0].0;
    assert!(entries.iter().all(|(t, _)| *t == turn), "{entries:?}");
    let lines: Vec<_> = entries.into_iter().map(|(_, line)| line).collect();
    assert_eq!(lines, ["tie a", "tie b", "tie c", "tie d", "tie e", "tie f", "tie g", "tie h"]);
}

async fn worker(name: &'static str, steps: usize, log: Log, turns: Turns) -> &'static str {
    for i in 1..=steps {
        log.push(&turns, format!("{name} step {i}"));
        if i < steps {
            weft::yield_now().await.unwrap();
        }
    }
    name
}

/// CPython 3.13, `09_tasks_before_loop_runs.py`: tasks created before the loop runs.
///
/// ```python
/// t1 = loop.create_task(worker("a", 4))
/// t2 = loop.create_task(worker("b", 2))
/// loop.call_soon(log, "plain call_soon callback queued before run_until_complete")
/// loop.run_until_complete(main())   # main creates c, yields twice, awaits t1
/// ```
///
/// ```text
/// it0: before run: creating t1=a, t2=b, then run_until_complete(main())
/// it1: a step 1
/// it1: b step 1
/// it1: plain call_soon callback queued before run_until_complete
/// it1: main step 1
/// it2: a step 2
/// it2: b step 2
/// it2: c (created by main) step 1
/// it2: main step 2
/// it3: a step 3
/// it3: c (created by main) step 2
/// it3: main step 3
/// it4: a step 4
/// it5: main awaits t1 -> a
/// it6: after run_until_complete: t2 done=True
/// ```
///
/// Tasks spawned with `rt.spawn` before `block_on` run first, in the order they were
/// spawned, then the root; then round-robin. One difference remains, on the last line:
/// `block_on` returns in the turn its future completes (it5), where `run_until_complete`
/// stops the loop from main's done-callback one iteration later (it6). Nothing else runs
/// in that iteration here.
#[test]
fn tasks_spawned_before_block_on_run_first_in_spawn_order() {
    let lines = common::watchdog("turns", common::WATCHDOG, || {
        let rt = current();
        let (turns, log) = (Turns::default(), Log::default());
        rt.spawn(turns.start());
        log.push(&turns, "before run: creating t1=a, t2=b, then run_until_complete(main())");
        let t1 = rt.spawn(worker("a", 4, log.clone(), turns.clone()));
        let t2 = rt.spawn(worker("b", 2, log.clone(), turns.clone()));
        let (l, t) = (log.clone(), turns.clone());
        rt.spawn(async move { l.push(&t, "plain call_soon callback queued before run_until_complete") });
        let (l, t) = (log.clone(), turns.clone());
        rt.block_on(async move {
            l.push(&t, "main step 1");
            let _t3 = weft::spawn(worker("c (created by main)", 2, l.clone(), t.clone()));
            weft::yield_now().await.unwrap();
            l.push(&t, "main step 2");
            weft::yield_now().await.unwrap();
            l.push(&t, "main step 3");
            let a = t1.await.unwrap();
            l.push(&t, format!("main awaits t1 -> {a}"));
        });
        log.push(&turns, format!("after run_until_complete: t2 done={}", t2.is_finished()));
        log.take().into_iter().map(|(turn, line)| format!("it{turn}: {line}")).collect::<Vec<_>>()
    });
    assert_eq!(
        lines,
        [
            "it0: before run: creating t1=a, t2=b, then run_until_complete(main())",
            "it1: a step 1",
            "it1: b step 1",
            "it1: plain call_soon callback queued before run_until_complete",
            "it1: main step 1",
            "it2: a step 2",
            "it2: b step 2",
            "it2: c (created by main) step 1",
            "it2: main step 2",
            "it3: a step 3",
            "it3: c (created by main) step 2",
            "it3: main step 3",
            "it4: a step 4",
            "it5: main awaits t1 -> a",
            "it5: after run_until_complete: t2 done=true",
        ]
    );
}

/// A body cancelled from a timer callback (the way asyncio's `timeout` acts:
/// `loop.call_at(when, self._on_timeout)`) against another task's sleep, both overdue after
/// a blocking step. CPython 3.13, `02_timeout_from_timer.py` (a) and (b):
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
/// b) timeout(0.10) vs another task's sleep(0.05) (earlier deadline, registered later)
///   iter B+1: main blocks 150 ms -> all timers overdue
///   iter B+2: timer cb: sleep(0.05) future set_result
///   iter B+2: timer cb: Timeout._on_timeout -> A.cancel()
///   iter B+3: S resumed from sleep(0.05)
///   iter B+3: A except CancelledError (cleanup 1)
/// ```
///
/// A [`Timer`] callback runs in the timer phase of the turn, in deadline order with the
/// other timers due, and the tasks woken or cancelled there resume in the next turn in
/// that same order: the hook an asyncio-style timeout needs.
///
/// The deadlines are set in one turn and the loop blocks in the next, so the clock stays
/// paused until the block starts: however long the thread is descheduled before it, no
/// deadline comes due a turn early and none is past when its timer is registered. The
/// block itself runs on the real clock again (`resume`), and makes them all overdue.
#[test]
fn a_cancel_from_a_timer_callback_and_a_sleep_resume_in_deadline_order() {
    for (a_ms, s_ms, expected) in [
        (
            10,
            12,
            [
                "  iter B+1: main blocks 150 ms -> all timers overdue",
                "  iter B+2: timer cb: A.cancel()",
                "  iter B+3: A except CancelledError (cleanup)",
                "  iter B+3: S resumed from sleep",
            ],
        ),
        (
            100,
            50,
            [
                "  iter B+1: main blocks 150 ms -> all timers overdue",
                "  iter B+2: timer cb: A.cancel()",
                "  iter B+3: S resumed from sleep",
                "  iter B+3: A except CancelledError (cleanup)",
            ],
        ),
    ] {
        let lines = common::watchdog("turns", common::WATCHDOG, move || {
            let paused = weft::Runtime::builder().current_thread().start_paused(true).build().unwrap();
            paused.block_on(async move {
                let (turns, log) = (Turns::default(), Log::default());
                weft::spawn(turns.start());
                weft::yield_now().await.unwrap();
                let base = turns.now();
                let start = now();
                let (l, t) = (log.clone(), turns.clone());
                let a = weft::spawn(async move {
                    if weft::time::sleep(Duration::from_secs(10)).await.is_err() {
                        l.push(&t, "A except CancelledError (cleanup)");
                    }
                });
                let (l, t) = (log.clone(), turns.clone());
                let s = weft::spawn(async move {
                    weft::time::sleep_until(start + Duration::from_millis(s_ms)).await.unwrap();
                    l.push(&t, "S resumed from sleep");
                });
                let (l, t, target) = (log.clone(), turns.clone(), a.task_ref());
                let _timeout = Timer::call_at(start + Duration::from_millis(a_ms), move || {
                    l.push(&t, "timer cb: A.cancel()");
                    target.cancel(None);
                });
                weft::yield_now().await.unwrap(); // A and S register their timers
                log.push(&turns, "main blocks 150 ms -> all timers overdue");
                weft::time::resume();
                std::thread::sleep(Duration::from_millis(150));
                a.await.unwrap();
                s.await.unwrap();
                relative(&log.take(), base, 'B')
            })
        });
        assert_eq!(lines, expected, "timeout at {a_ms} ms, sleep until {s_ms} ms");
    }
}
