//! Stress: many tasks on the multi-thread runtime hammer each primitive while a chaos task
//! cancels (`task.cancel`) and aborts (`task.abort`) them at random moments. At the end,
//! every permit, item and notification is accounted for (none lost, none duplicated) and
//! no task is left waiting. Bounded to a few seconds; the seed is printed on failure.

mod common;

use common::*;
use parking_lot::Mutex;
use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant, SystemTime};
use weft_executor::{Cancelled, Task, TaskRef};
use weft_primitives::{Condition, Event, Lock, Queue, Semaphore};

const TASKS: usize = 16;
const ROUNDS: usize = 200;
/// Every task must be finished this long after the chaos stops (a hang otherwise).
const SETTLE: Duration = Duration::from_secs(20);

/// xorshift64*: small, seedable, good enough to pick victims.
struct Rng(u64);

impl Rng {
    fn new() -> (Self, u64) {
        let seed = std::env::var("WEFT_STRESS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
        });
        (Rng(seed), seed)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Cancels or aborts random victims until they are all finished or `stop` is reached.
async fn chaos(victims: Vec<TaskRef>, seed_rng: u64, stop: Instant) -> (usize, usize) {
    let mut rng = Rng(seed_rng);
    let (mut cancels, mut aborts) = (0, 0);
    while Instant::now() < stop && victims.iter().any(|v| !v.is_finished()) {
        let v = &victims[rng.below(victims.len())];
        if rng.below(10) == 0 {
            v.abort();
            aborts += 1;
        } else if v.cancel(Some("chaos")) {
            cancels += 1;
        }
        let pause = rng.below(200) as u64;
        weft_executor::time::sleep(Duration::from_micros(pause)).await.unwrap();
    }
    (cancels, aborts)
}

/// A holder inside the critical section: counted on entry, and on exit however it leaves
/// (returning, or dropped by an abort).
struct Inside<'a>(&'a AtomicUsize);

impl<'a> Inside<'a> {
    fn enter(inside: &'a AtomicUsize, most: &AtomicUsize) -> Inside<'a> {
        let n = inside.fetch_add(1, SeqCst) + 1;
        most.fetch_max(n, SeqCst);
        Inside(inside)
    }
}

impl Drop for Inside<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, SeqCst);
    }
}

/// Waits for every task, failing if one is still running after SETTLE.
async fn settle<T>(tasks: Vec<Task<T>>, what: &str, seed: u64) {
    let deadline = Instant::now() + SETTLE;
    for t in tasks {
        let left = deadline.saturating_duration_since(Instant::now());
        let joined = move_on_after(left, t).await;
        assert!(joined.is_some(), "{what}: a task is still waiting after {SETTLE:?} (seed {seed})");
    }
}

fn stress(
    name: &str,
    body: impl FnOnce(u64) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
) {
    let (_, seed) = Rng::new();
    eprintln!("{name}: seed {seed} (WEFT_STRESS_SEED={seed} to replay the victims' order)");
    run_mt(body(seed));
}

#[test]
fn stress_lock_and_semaphore_mutual_exclusion() {
    stress("lock+semaphore", |seed| {
        Box::pin(async move {
            for permits in [1usize, 3] {
                let lock = Arc::new(Lock::new());
                let sem = Arc::new(Semaphore::new(permits));
                let inside = Arc::new(AtomicUsize::new(0));
                let most = Arc::new(AtomicUsize::new(0));
                // The tasks start their rounds only once the chaos task has cancelled one of
                // them (while it waits here): the chaos cancels something by construction,
                // however busy the machine is.
                let go = Arc::new(Event::new());
                let tasks: Vec<_> = (0..TASKS)
                    .map(|i| {
                        let (lock, sem, inside, most, go) =
                            (lock.clone(), sem.clone(), inside.clone(), most.clone(), go.clone());
                        spawn(async move {
                            let _ = go.wait().await; // cancelled here or not, the rounds run
                            for _ in 0..ROUNDS {
                                let r: Result<(), Cancelled> = async {
                                    let _permit = sem.acquire().await?;
                                    let _guard = if i % 2 == 0 { Some(lock.acquire().await?) } else { None };
                                    // Declared last, dropped first: a holder that is
                                    // aborted here leaves before its permit is released.
                                    let _inside = Inside::enter(&inside, &most);
                                    weft_executor::yield_now().await
                                }
                                .await;
                                // A cancelled round is handled; the task goes on.
                                let _ = r;
                            }
                        })
                    })
                    .collect();
                let victims: Vec<TaskRef> = tasks.iter().map(|t| t.task_ref()).collect();
                assert!(victims[0].cancel(Some("chaos")), "a task waiting for `go` is not finished");
                go.set();
                let stop = Instant::now() + Duration::from_millis(600);
                let _ = chaos(victims, seed ^ permits as u64, stop).await;
                settle(tasks, "lock+semaphore", seed).await;
                assert!(most.load(SeqCst) <= permits, "more holders than permits (seed {seed})");
                assert_eq!(inside.load(SeqCst), 0);
                assert!(!lock.locked(), "the lock leaked (seed {seed})");
                assert_eq!(lock.waiters(), 0);
                assert_eq!(sem.available_permits(), permits, "a permit leaked (seed {seed})");
                assert_eq!(sem.waiters(), 0);
            }
        })
    });
}

#[test]
fn stress_queue_items_accounted_for() {
    stress("queue", |seed| {
        Box::pin(async move {
            let q = Arc::new(Queue::new(4));
            let put_ok = Arc::new(Mutex::new(Vec::new()));
            let returned = Arc::new(Mutex::new(Vec::new()));
            let received = Arc::new(Mutex::new(Vec::new()));
            let mut tasks = Vec::new();
            for p in 0..TASKS / 2 {
                let (q, put_ok, returned) = (q.clone(), put_ok.clone(), returned.clone());
                tasks.push(spawn(async move {
                    for n in 0..ROUNDS {
                        let id = p * ROUNDS + n;
                        match q.put(id).await {
                            Ok(()) => put_ok.lock().push(id),
                            Err(e) => returned.lock().push(e.into_inner()),
                        }
                    }
                }));
            }
            for _ in 0..TASKS / 2 {
                let (q, received) = (q.clone(), received.clone());
                tasks.push(spawn(async move {
                    loop {
                        match q.get().await {
                            Ok(id) => received.lock().push(id),
                            Err(weft_primitives::GetError::ShutDown) => return,
                            Err(_) => {} // cancelled: go on
                        }
                    }
                }));
            }
            let victims = tasks.iter().map(|t| t.task_ref()).collect();
            let stop = Instant::now() + Duration::from_millis(600);
            chaos(victims, seed, stop).await;
            // Let the producers that survived finish, then stop the consumers.
            let (producers, consumers): (Vec<_>, Vec<_>) =
                tasks.into_iter().enumerate().partition(|(i, _)| *i < TASKS / 2);
            settle(producers.into_iter().map(|(_, t)| t).collect(), "queue producers", seed).await;
            // Consumers drain what is left until the queue is empty, then shutdown ends them.
            while !q.empty() {
                weft_executor::time::sleep(Duration::from_millis(1)).await.unwrap();
                if consumers.iter().all(|(_, t)| t.is_finished()) {
                    break;
                }
            }
            q.shutdown(false);
            settle(consumers.into_iter().map(|(_, t)| t).collect(), "queue consumers", seed).await;
            let mut drained = Vec::new();
            while let Ok(id) = q.get_nowait() {
                drained.push(id);
            }

            let put_ok: HashSet<usize> = put_ok.lock().iter().copied().collect();
            let received = received.lock().clone();
            let returned: HashSet<usize> = returned.lock().iter().copied().collect();
            let mut out = HashSet::new();
            for id in received.iter().chain(&drained) {
                assert!(out.insert(*id), "item {id} came out twice (seed {seed})");
                assert!(put_ok.contains(id), "item {id} came out but its put did not succeed (seed {seed})");
            }
            for id in &put_ok {
                assert!(out.contains(id), "item {id} was put and lost (seed {seed})");
                assert!(!returned.contains(id), "item {id} both put and handed back (seed {seed})");
            }
            assert_eq!(q.waiters(), (0, 0));
        })
    });
}

#[test]
fn stress_condition_notifications_accounted_for() {
    stress("condition", |seed| {
        Box::pin(async move {
            let cond = Arc::new(Condition::new());
            // (items available, items consumed, done)
            let state = Arc::new(Mutex::new((0usize, 0usize, false)));
            let produced = Arc::new(AtomicUsize::new(0));
            let mut tasks = Vec::new();
            for _ in 0..TASKS / 2 {
                let (cond, state) = (cond.clone(), state.clone());
                tasks.push(spawn(async move {
                    loop {
                        let r: Result<bool, weft_primitives::ConditionError> = async {
                            let mut guard = cond.acquire().await?;
                            guard.wait_for(|| state.lock().0 > 0 || state.lock().2).await?;
                            let mut st = state.lock();
                            if st.0 > 0 {
                                st.0 -= 1;
                                st.1 += 1;
                                return Ok(false);
                            }
                            Ok(st.2)
                        }
                        .await;
                        if r == Ok(true) {
                            return;
                        }
                    }
                }));
            }
            let producers: Vec<_> = (0..TASKS / 2)
                .map(|_| {
                    let (cond, state, produced) = (cond.clone(), state.clone(), produced.clone());
                    spawn(async move {
                        for _ in 0..ROUNDS / 4 {
                            if let Ok(guard) = cond.acquire().await {
                                state.lock().0 += 1;
                                produced.fetch_add(1, SeqCst);
                                guard.notify(1);
                            }
                            let _ = weft_executor::yield_now().await;
                        }
                    })
                })
                .collect();
            let victims = tasks.iter().map(|t| t.task_ref()).collect();
            let stop = Instant::now() + Duration::from_millis(400);
            chaos(victims, seed, stop).await;
            settle(producers, "condition producers", seed).await;
            {
                let guard = cond.acquire().await.unwrap();
                state.lock().2 = true;
                guard.notify_all();
            }
            settle(tasks, "condition consumers", seed).await;
            let (left, consumed, _) = *state.lock();
            assert_eq!(
                left + consumed,
                produced.load(SeqCst),
                "an item was lost or duplicated (seed {seed})"
            );
            assert!(!cond.locked(), "the condition's lock leaked (seed {seed})");
            assert_eq!(cond.waiters(), 0);
        })
    });
}

/// How many polls of a future began and how many ended.
#[derive(Default)]
struct Polls {
    began: AtomicUsize,
    ended: AtomicUsize,
}

/// `fut`, counting its polls in `polls`.
async fn counted<F: Future>(fut: F, polls: Arc<Polls>) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(move |cx| {
        polls.began.fetch_add(1, SeqCst);
        let r = fut.as_mut().poll(cx);
        polls.ended.fetch_add(1, SeqCst);
        r
    })
    .await
}

#[test]
fn stress_event_wakes_every_waiter() {
    stress("event", |seed| {
        Box::pin(async move {
            for round in 0..20u64 {
                let ev = Arc::new(Event::new());
                let woke = Arc::new(AtomicUsize::new(0));
                let polls: Vec<_> = (0..TASKS).map(|_| Arc::new(Polls::default())).collect();
                let tasks: Vec<_> = polls
                    .iter()
                    .map(|p| {
                        let (ev, woke) = (ev.clone(), woke.clone());
                        spawn(counted(
                            async move {
                                while ev.wait().await.is_err() {} // a cancelled wait waits again
                                woke.fetch_add(1, SeqCst);
                            },
                            p.clone(),
                        ))
                    })
                    .collect();
                let victims: Vec<_> = tasks.iter().map(|t| t.task_ref()).collect();
                let stop = Instant::now() + Duration::from_millis(5);
                chaos(victims, seed ^ round, stop).await;
                // The chaos has made its last request. A request is delivered at the first
                // poll that begins after it, so once every survivor has been polled again
                // from here, each has seen its cancellations and waits again (an aborted
                // task is dropped at that run instead): wake them all, and wait for that.
                let began: Vec<_> = polls.iter().map(|p| p.began.load(SeqCst)).collect();
                for t in &tasks {
                    t.task_ref().wake();
                }
                let deadline = Instant::now() + SETTLE;
                let repolled = |(t, (p, b)): (&Task<()>, (&Arc<Polls>, &usize))| {
                    t.is_finished() || p.ended.load(SeqCst) > *b
                };
                while !tasks.iter().zip(polls.iter().zip(&began)).all(repolled) {
                    assert!(Instant::now() < deadline, "survivors never polled again (seed {seed})");
                    weft_executor::time::sleep(Duration::from_millis(1)).await.unwrap();
                }
                // Set then clear at once: every waiter must wake.
                let survivors = tasks.iter().filter(|t| !t.is_finished()).count();
                assert_eq!(ev.waiters(), survivors, "a survivor is not waiting (seed {seed})");
                ev.set();
                ev.clear();
                settle(tasks, "event", seed).await;
                assert_eq!(
                    woke.load(SeqCst),
                    survivors,
                    "a waiter present at set() did not wake (seed {seed})"
                );
                assert_eq!(ev.waiters(), 0, "a waiter was left behind (seed {seed})");
            }
        })
    });
}
