//! The test clock: `Builder::start_paused`, `time::pause`, `advance`, `resume`, and
//! auto-advance when every task is idle, on both flavours. Time waited on a paused clock
//! takes no wall-clock time, and timers fire in deadline order at their exact deadlines,
//! however busy the machine is.

mod common;

use parking_lot::Mutex;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use weft::time::{MissedTickBehavior, Timer, advance, interval_at, now, sleep, sleep_until};

const HOUR: Duration = Duration::from_secs(3600);

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn paused(flavour: &str) -> weft::Runtime {
    let b = weft::Runtime::builder().start_paused(true);
    match flavour {
        "current_thread" => b.current_thread(),
        _ => b.multi_thread().worker_threads(2),
    }
    .build()
    .unwrap()
}

/// Runs the future `make` builds on a paused runtime of each flavour, under the watchdog.
fn on_both_paused<F, Fut>(make: F)
where
    F: Fn(&'static str) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = ()>,
{
    for flavour in ["current_thread", "multi_thread"] {
        let make = make.clone();
        common::watchdog(flavour, common::WATCHDOG, move || paused(flavour).block_on(make(flavour)));
    }
}

#[test]
fn sleeps_on_a_paused_clock_end_at_their_deadlines_in_deadline_order_in_no_wall_time() {
    on_both_paused(|flavour| async move {
        let wall = Instant::now();
        let start = now();
        let log = Arc::new(Mutex::new(Vec::new()));
        let tasks: Vec<_> = [30u64, 10, 3600, 20, 10, 1]
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let log = log.clone();
                weft::spawn(async move {
                    sleep(secs(s)).await.unwrap();
                    log.lock().push((i, now() - start));
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let mut log = log.lock().clone();
        if flavour == "multi_thread" {
            // Two workers may run the tasks one timer tick woke in either order.
            log.sort_by_key(|&(i, d)| (d, i));
        }
        let expected = [(5, 1), (1, 10), (4, 10), (3, 20), (0, 30), (2, 3600)].map(|(i, s)| (i, secs(s)));
        assert_eq!(log, expected, "{flavour}");
        assert!(wall.elapsed() < secs(10), "{flavour}: an hour of sleeps took {:?}", wall.elapsed());
    });
}

#[test]
fn the_root_task_sleeps_on_the_paused_clock_too() {
    on_both_paused(|flavour| async move {
        let start = now();
        sleep(HOUR * 24).await.unwrap();
        assert_eq!(now() - start, HOUR * 24, "{flavour}");
        sleep_until(start + HOUR * 25).await.unwrap();
        assert_eq!(now() - start, HOUR * 25, "{flavour}");
    });
}

/// `advance` moves the clock and fires what became due; on the current-thread runtime the
/// tasks those timers wake have run a step when it returns.
#[test]
fn advance_fires_the_timers_it_passes_and_their_tasks_run_before_the_caller_resumes() {
    common::watchdog("advance", common::WATCHDOG, || {
        paused("current_thread").block_on(async {
            let start = now();
            let log = Arc::new(Mutex::new(Vec::new()));
            let sleepers: Vec<_> = [10u64, 5, 20]
                .into_iter()
                .map(|ms| {
                    let log = log.clone();
                    weft::spawn(async move {
                        sleep(Duration::from_millis(ms)).await.unwrap();
                        log.lock().push(ms);
                    })
                })
                .collect();
            weft::yield_now().await.unwrap(); // they register their timers
            advance(Duration::from_millis(4)).await.unwrap();
            assert!(log.lock().is_empty());
            advance(Duration::from_millis(6)).await.unwrap();
            assert_eq!(*log.lock(), [5, 10], "due by 10 ms, in deadline order");
            assert_eq!(now() - start, Duration::from_millis(10));
            for s in sleepers {
                s.await.unwrap(); // the last is auto-advanced to
            }
            assert_eq!(*log.lock(), [5, 10, 20]);
            assert_eq!(now() - start, Duration::from_millis(20));
        });
    });
}

#[test]
fn advance_needs_a_paused_clock_and_says_so() {
    let rt = common::current();
    let err = rt.block_on(async { weft::spawn(advance(secs(1))).await.unwrap_err() });
    let msg = err.panic_message().unwrap_or_default().to_string();
    assert!(msg.contains("paused clock") && msg.contains("start_paused"), "{msg}");
    let outside = std::panic::catch_unwind(weft::time::pause).unwrap_err();
    let msg = outside.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("outside a weft runtime"), "{msg}");
}

#[test]
fn pause_and_resume_inside_a_running_runtime() {
    common::watchdog("pause", common::WATCHDOG, || {
        common::current().block_on(async {
            weft::time::pause();
            let wall = Instant::now();
            let start = now();
            sleep(HOUR).await.unwrap();
            assert_eq!(now() - start, HOUR, "auto-advanced by exactly the sleep");
            weft::time::resume();
            let before = now();
            sleep(Duration::from_millis(5)).await.unwrap();
            // The clock runs again, at the real pace, from where it stood: an hour ahead.
            assert!(now() - before >= Duration::from_millis(5));
            assert!(now() - start >= HOUR);
            assert!(wall.elapsed() >= Duration::from_millis(5), "real time again");
            assert!(wall.elapsed() < secs(10));
        });
    });
}

/// While a task runs (here one blocking its worker, or the loop itself), the paused clock
/// does not move, and while a blocking-pool job is unfinished it does not either: its
/// result could wake a task before the next timer.
#[test]
fn a_paused_clock_waits_for_running_tasks_and_blocking_jobs_before_it_moves() {
    on_both_paused(|flavour| async move {
        let start = now();
        let sleeper = weft::spawn(async move {
            sleep(secs(1)).await.unwrap();
            now() - start
        });
        let busy = weft::spawn(async move {
            std::thread::sleep(Duration::from_millis(50)); // a task that keeps its thread
            now() - start
        });
        assert_eq!(busy.await.unwrap(), Duration::ZERO, "{flavour}: time moved while a task ran");
        let job = weft::spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(50));
        });
        job.await.unwrap();
        assert_eq!(now() - start, Duration::ZERO, "{flavour}: time moved while a blocking job ran");
        assert_eq!(sleeper.await.unwrap(), secs(1), "{flavour}");
    });
}

#[test]
fn intervals_tick_on_the_paused_clock_and_handle_missed_ticks() {
    on_both_paused(|flavour| async move {
        let t0 = now();
        let at = |s: u64| t0 + secs(s);
        let p = secs(10);
        let mut burst = interval_at(t0, p);
        let mut skip = interval_at(t0, p);
        skip.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut delay = interval_at(t0, p);
        delay.set_missed_tick_behavior(MissedTickBehavior::Delay);
        assert_eq!(skip.tick().await.unwrap(), t0, "{flavour}: the first tick at once");
        assert_eq!(delay.tick().await.unwrap(), t0, "{flavour}");
        for s in [0, 10, 20] {
            assert_eq!(burst.tick().await.unwrap(), at(s), "{flavour}");
            assert_eq!(now(), at(s), "{flavour}: each tick at its instant");
        }
        // A stall to 55 s that none of them sees.
        advance(secs(35)).await.unwrap();
        assert_eq!(now(), at(55));
        // Skip: the missed tick due at 10 s, then back on the schedule at 60 s.
        assert_eq!(skip.tick().await.unwrap(), at(10), "{flavour}");
        assert_eq!(now(), at(55), "{flavour}: a missed tick comes at once");
        assert_eq!(skip.tick().await.unwrap(), at(60), "{flavour}");
        // Delay: the missed tick (at 60 s now), then a period after it: 70 s, 80 s.
        assert_eq!(delay.tick().await.unwrap(), at(10), "{flavour}");
        assert_eq!(delay.tick().await.unwrap(), at(70), "{flavour}");
        assert_eq!(delay.tick().await.unwrap(), at(80), "{flavour}");
        // Burst: every missed tick at once (now 80 s), on the old schedule, then 90 s.
        for s in [30, 40, 50, 60, 70, 80] {
            assert_eq!(burst.tick().await.unwrap(), at(s), "{flavour}");
            assert_eq!(now(), at(80), "{flavour}");
        }
        assert_eq!(burst.tick().await.unwrap(), at(90), "{flavour}");
        assert_eq!(now(), at(90), "{flavour}");
    });
}

/// A callback timer (the hook of asyncio-style timeouts and cancel-scope deadlines) fires
/// at its deadline by the paused clock.
#[test]
fn callback_timers_fire_on_the_paused_clock() {
    on_both_paused(|flavour| async move {
        let start = now();
        let fired = Arc::new(Mutex::new(None));
        let f = fired.clone();
        let _t = Timer::call_at(start + HOUR, move || *f.lock() = Some(now())).unwrap();
        sleep(HOUR * 2).await.unwrap();
        assert_eq!(*fired.lock(), Some(start + HOUR), "{flavour}");
    });
}

/// asyncio's `timeout` around a slow body, on the paused clock: the deadline fires at its
/// instant by the paused clock, the body is cancelled, and no wall time passes.
#[test]
fn timeouts_act_on_the_paused_clock() {
    on_both_paused(|flavour| async move {
        let wall = Instant::now();
        let start = now();
        let r = weft::timeout_at(start + HOUR, async {
            sleep(HOUR * 2).await?;
            Ok::<_, weft::Interrupted>(())
        })
        .await;
        assert!(r.is_err(), "{flavour}: the body should have timed out");
        assert_eq!(now() - start, HOUR, "{flavour}");
        let fast = weft::timeout_at(now() + HOUR, async {
            sleep(secs(1)).await?;
            Ok::<_, weft::Interrupted>(7)
        })
        .await;
        assert_eq!(fast, Ok(7), "{flavour}");
        assert_eq!(now() - start, HOUR + secs(1), "{flavour}");
        assert!(wall.elapsed() < secs(10), "{flavour}: took {:?}", wall.elapsed());
    });
}

/// `timeout`, `move_on_after` and `fail_after` count their delay from the runtime's clock:
/// after an hour of paused time (a few microseconds of wall time) a one-second timeout
/// still ends one second later, not at once (as a deadline computed from
/// `Instant::now()`, an hour behind, would).
#[test]
fn delays_count_from_the_paused_clock_after_it_moved() {
    on_both_paused(|flavour| async move {
        let start = now();
        sleep(HOUR).await.unwrap();
        let won = weft::timeout(secs(2), async { Ok::<_, weft::Interrupted>(sleep(secs(1)).await?) }).await;
        assert!(won.is_ok(), "{flavour}: a 1 s sleep under a 2 s timeout completes");
        assert_eq!(now() - start, HOUR + secs(1), "{flavour}");
        let lost = weft::timeout(secs(1), async { Ok::<_, weft::Interrupted>(sleep(secs(2)).await?) }).await;
        assert!(lost.is_err(), "{flavour}: a 2 s sleep under a 1 s timeout times out");
        assert_eq!(now() - start, HOUR + secs(2), "{flavour}");
        let moved = weft::move_on_after(secs(1), sleep(secs(2))).await;
        assert!(moved.is_none(), "{flavour}: move_on_after cuts a 2 s sleep at 1 s: {moved:?}");
        assert_eq!(now() - start, HOUR + secs(3), "{flavour}");
        let failed =
            weft::fail_after(secs(3), async { Ok::<_, weft::Interrupted>(sleep(secs(1)).await?) }).await;
        assert!(failed.is_ok(), "{flavour}: fail_after lets a 1 s sleep finish under 3 s");
        assert_eq!(now() - start, HOUR + secs(4), "{flavour}");
    });
}
