//! `sync/*`: weft's primitives against `tokio::sync`'s nearest equivalents, in the shapes of
//! tokio's own benches (`sync_mutex.rs`, `sync_semaphore.rs`, `sync_notify.rs`,
//! `sync_mpsc.rs`, `sync_mpsc_oneshot.rs`).
//!
//! The two sides need different code (different primitives), so each workload is a pair of
//! setup functions, `weft_*` and `tokio_*`, written side by side with the same shape: same
//! task count, same iterations, same multi-thread runtime ([`WORKERS`] workers). A round
//! runs inside `block_on` and ends when every task it spawned has been joined.
//!
//! | workload | weft | tokio |
//! |---|---|---|
//! | lock_contended | `Lock` guard around a counter | `Mutex<u64>` |
//! | semaphore | `Semaphore(5)`, 6 tasks | `Semaphore(5)`, 6 tasks |
//! | event_broadcast | `Event::set` wakes 1000 waiters | `Notify::notify_waiters` |
//! | queue_spsc | `Queue(128)`, 1 producer, 1 consumer | `mpsc::channel(128)` |
//! | queue_mpmc | `Queue(128)`, 4 producers, 4 consumers | [`TokioQueue`]`(128)`, 4 producers, 4 consumers |
//! | oneshot_request_reply | `Queue(10)` of requests + `oneshot` replies | `mpsc(10)` + `oneshot` |
//!
//! tokio has no multi-consumer channel (its `mpsc` has one receiver; `broadcast` gives
//! every item to every receiver, which is not a queue). `queue_mpmc`'s tokio side is
//! therefore the bounded queue a tokio user writes for several consumers, from tokio's
//! own parts ([`TokioQueue`]): a `std::sync::Mutex<VecDeque>` for the items and two
//! `tokio::sync::Semaphore`s, one counting items (a consumer acquires one before it pops)
//! and one counting free slots (a producer acquires one before it pushes). Each item costs
//! one semaphore hand-off each way, as on weft's side, and no lock is held across an
//! await. It is fairer to tokio than the other tokio-only shape,
//! `Arc<tokio::sync::Mutex<mpsc::Receiver>>`, where each item costs an async-mutex
//! hand-off between the consumers on top of the channel's wake-up.
//!
//! **What `event_broadcast` measures on a small machine.** A round's time is mostly the
//! woken tasks' run on the workers, and on a two-core virtual machine mostly one
//! worker's: counted per round with weft's runtime metrics (`Observer::metrics`), one
//! worker polled all 1,000 tasks (or 999) in most rounds, and the two shared them (545
//! and 455, 384 and 616) in a few. The other worker is woken, by the first when it finds
//! the injector still full, but the guest kernel puts it on the core of the worker that
//! woke it and leaves it waiting there (`perf sched timehist`: 97 µs of scheduling delay,
//! until the first had run every task), while the other core runs the thread that called
//! `set`, or idles. The worker that runs a task then spends about 400 instructions
//! (callgrind) ending it, most of them freeing its memory: the task was allocated by the
//! thread that spawned it, and glibc's `free` of another thread's block takes that
//! arena's lock (186 instructions a free). tokio's tasks are allocated and freed the same
//! way. Handing the wakes to the workers in batches of 64 while `set` goes on (tokio
//! wakes in batches of 32) starts the first task sooner (25 µs after `set` began instead
//! of 42 µs) but did not shorten the quiet rounds reliably, and made the loaded ones
//! twice as long (docs/book/03-primitives.md): one batch it stays.
//!
//! **What `oneshot_request_reply` measures on a small machine.** Each request goes from
//! the thread in `block_on` to the server task on a worker and back, so a round's time is
//! where the kernel put those two threads. On one core (the usual placement here, for
//! both runtimes) every round trip is two context switches, about 4.7 µs on this virtual
//! machine whatever the runtime does in between (pinned to one core with `taskset`, weft
//! took 4.7 ms per 1,000 requests with its spin and linger and without either). On two
//! cores weft's caller spins for the reply and the worker lingers for the next request
//! (docs/book/02-the-scheduler.md, "The root task of `block_on`"), and 1,000 round trips
//! take about 0.7 ms. Beside the `--loaded` pass's burners the placement changes from run
//! to run and from round to round, and so does this line.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, mpsc as std_mpsc};
use std::time::Duration;

use crate::runtimes::{Flavor::MultiThread, Tokio, WORKERS, Weft};
use crate::{Workload, timed};

pub const WORKLOADS: &[Workload] = &[
    paired!("sync/lock_contended", MultiThread, weft_lock_contended, tokio_lock_contended),
    paired!("sync/semaphore", MultiThread, weft_semaphore, tokio_semaphore),
    paired!("sync/event_broadcast", MultiThread, weft_event_broadcast, tokio_event_broadcast),
    paired!("sync/queue_spsc", MultiThread, weft_queue_spsc, tokio_queue_spsc),
    paired!("sync/queue_mpmc", MultiThread, weft_queue_mpmc, tokio_queue_mpmc),
    paired!("sync/oneshot_request_reply", MultiThread, weft_request_reply, tokio_request_reply),
];

const _: usize = WORKERS; // both sides' runtimes are built with the same worker count

/// Tasks and iterations of `lock_contended` (tokio's `sync_mutex` contended shape).
const LOCK_TASKS: usize = 8;
const LOCK_ITERS: usize = 1_000;

fn weft_lock_contended(rt: Weft) -> impl FnMut() -> Duration {
    let lock = Arc::new(weft::Lock::new());
    let counter = Arc::new(AtomicU64::new(0));
    move || {
        timed(|| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..LOCK_TASKS)
                    .map(|_| {
                        let (lock, counter) = (lock.clone(), counter.clone());
                        weft::spawn(async move {
                            for _ in 0..LOCK_ITERS {
                                let _guard = lock.acquire().await.unwrap();
                                // A plain read-modify-write: the lock makes it exclusive.
                                counter.store(counter.load(Relaxed) + 1, Relaxed);
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
        })
    }
}

fn tokio_lock_contended(rt: Tokio) -> impl FnMut() -> Duration {
    let counter = Arc::new(tokio::sync::Mutex::new(0u64));
    move || {
        timed(|| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..LOCK_TASKS)
                    .map(|_| {
                        let counter = counter.clone();
                        tokio::spawn(async move {
                            for _ in 0..LOCK_ITERS {
                                *counter.lock().await += 1;
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
        })
    }
}

/// tokio's `sync_semaphore` "contended_concurrent_multi": 5 permits, 6 tasks; each task
/// acquires and releases SEM_ITERS times.
const SEM_PERMITS: usize = 5;
const SEM_TASKS: usize = 6;
const SEM_ITERS: usize = 1_000;

fn weft_semaphore(rt: Weft) -> impl FnMut() -> Duration {
    let sem = Arc::new(weft::Semaphore::new(SEM_PERMITS));
    move || {
        timed(|| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..SEM_TASKS)
                    .map(|_| {
                        let sem = sem.clone();
                        weft::spawn(async move {
                            for _ in 0..SEM_ITERS {
                                drop(sem.acquire().await.unwrap());
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
        })
    }
}

fn tokio_semaphore(rt: Tokio) -> impl FnMut() -> Duration {
    let sem = Arc::new(tokio::sync::Semaphore::new(SEM_PERMITS));
    move || {
        timed(|| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..SEM_TASKS)
                    .map(|_| {
                        let sem = sem.clone();
                        tokio::spawn(async move {
                            for _ in 0..SEM_ITERS {
                                drop(sem.acquire().await.unwrap());
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
        })
    }
}

/// Waiters woken by one broadcast (tokio's `sync_notify` "notify_waiters" shape).
const WAITERS: usize = 1_000;

/// Each round: WAITERS tasks wait, the caller broadcasts once every one has started
/// waiting, and the round ends when the last one has woken (it signals a std channel).
fn weft_event_broadcast(rt: Weft) -> impl FnMut() -> Duration {
    move || {
        let event = Arc::new(weft::Event::new());
        let started = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = std_mpsc::sync_channel(1);
        let woken = Arc::new(AtomicUsize::new(WAITERS));
        rt.block_on(async {
            for _ in 0..WAITERS {
                let (event, started, woken, tx) = (event.clone(), started.clone(), woken.clone(), tx.clone());
                drop(weft::spawn(async move {
                    started.fetch_add(1, Relaxed);
                    event.wait().await.unwrap();
                    if woken.fetch_sub(1, Relaxed) == 1 {
                        tx.send(()).unwrap();
                    }
                }));
            }
            while event.waiters() < WAITERS {
                let _ = weft::yield_now().await;
            }
        });
        timed(|| {
            event.set();
            rx.recv().unwrap();
        })
    }
}

fn tokio_event_broadcast(rt: Tokio) -> impl FnMut() -> Duration {
    move || {
        let notify = Arc::new(tokio::sync::Notify::new());
        let started = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = std_mpsc::sync_channel(1);
        let woken = Arc::new(AtomicUsize::new(WAITERS));
        rt.block_on(async {
            for _ in 0..WAITERS {
                let (notify, started, woken, tx) =
                    (notify.clone(), started.clone(), woken.clone(), tx.clone());
                drop(tokio::spawn(async move {
                    let notified = notify.notified();
                    tokio::pin!(notified);
                    notified.as_mut().enable(); // registered: notify_waiters will see it
                    started.fetch_add(1, Relaxed);
                    notified.await;
                    if woken.fetch_sub(1, Relaxed) == 1 {
                        tx.send(()).unwrap();
                    }
                }));
            }
            while started.load(Relaxed) < WAITERS {
                tokio::task::yield_now().await;
            }
        });
        timed(|| {
            notify.notify_waiters();
            rx.recv().unwrap();
        })
    }
}

/// Items per round of the queue workloads, and the queue's capacity.
const ITEMS: usize = 10_000;
const CAPACITY: usize = 128;

fn weft_queue_spsc(rt: Weft) -> impl FnMut() -> Duration {
    move || {
        timed(|| {
            rt.block_on(async {
                let q = Arc::new(weft::Queue::new(CAPACITY));
                let producer = weft::spawn({
                    let q = q.clone();
                    async move {
                        for i in 0..ITEMS {
                            q.put(i).await.unwrap();
                        }
                    }
                });
                let consumer = weft::spawn(async move {
                    for _ in 0..ITEMS {
                        q.get().await.unwrap();
                    }
                });
                producer.await.unwrap();
                consumer.await.unwrap();
            })
        })
    }
}

fn tokio_queue_spsc(rt: Tokio) -> impl FnMut() -> Duration {
    move || {
        timed(|| {
            rt.block_on(async {
                let (tx, mut rx) = tokio::sync::mpsc::channel(CAPACITY);
                let producer = tokio::spawn(async move {
                    for i in 0..ITEMS {
                        tx.send(i).await.unwrap();
                    }
                });
                let consumer = tokio::spawn(async move {
                    for _ in 0..ITEMS {
                        rx.recv().await.unwrap();
                    }
                });
                producer.await.unwrap();
                consumer.await.unwrap();
            })
        })
    }
}

/// Producers and consumers of `queue_mpmc`.
const PRODUCERS: usize = 4;
const CONSUMERS: usize = 4;

/// Hands out the ITEMS gets of a `queue_mpmc` round among the consumers: a consumer
/// claims one before each get, so exactly ITEMS gets are made, on both sides alike.
fn claim(remaining: &AtomicUsize) -> bool {
    remaining.fetch_update(Relaxed, Relaxed, |n| n.checked_sub(1)).is_ok()
}

fn weft_queue_mpmc(rt: Weft) -> impl FnMut() -> Duration {
    move || {
        timed(|| {
            rt.block_on(async {
                let q = Arc::new(weft::Queue::new(CAPACITY));
                let remaining = Arc::new(AtomicUsize::new(ITEMS));
                let producers: Vec<_> = (0..PRODUCERS)
                    .map(|_| {
                        let q = q.clone();
                        weft::spawn(async move {
                            for i in 0..ITEMS / PRODUCERS {
                                q.put(i).await.unwrap();
                            }
                        })
                    })
                    .collect();
                let consumers: Vec<_> = (0..CONSUMERS)
                    .map(|_| {
                        let (q, remaining) = (q.clone(), remaining.clone());
                        weft::spawn(async move {
                            let mut n = 0usize;
                            while claim(&remaining) {
                                q.get().await.unwrap();
                                n += 1;
                            }
                            n
                        })
                    })
                    .collect();
                for p in producers {
                    p.await.unwrap();
                }
                let mut total = 0;
                for c in consumers {
                    total += c.await.unwrap();
                }
                assert_eq!(total, ITEMS);
            })
        })
    }
}

/// A bounded multi-producer multi-consumer queue from tokio's parts (see the module docs).
pub struct TokioQueue<T> {
    items: std::sync::Mutex<std::collections::VecDeque<T>>,
    /// Permits: items in `items`.
    full: tokio::sync::Semaphore,
    /// Permits: free slots.
    empty: tokio::sync::Semaphore,
}

impl<T> TokioQueue<T> {
    /// A queue of `capacity` items.
    pub fn new(capacity: usize) -> Self {
        TokioQueue {
            items: std::sync::Mutex::new(std::collections::VecDeque::with_capacity(capacity)),
            full: tokio::sync::Semaphore::new(0),
            empty: tokio::sync::Semaphore::new(capacity),
        }
    }

    /// Waits for a free slot, then pushes `item`.
    pub async fn put(&self, item: T) {
        self.empty.acquire().await.expect("never closed").forget();
        self.items.lock().unwrap().push_back(item);
        self.full.add_permits(1);
    }

    /// Waits for an item, then pops it.
    pub async fn get(&self) -> T {
        self.full.acquire().await.expect("never closed").forget();
        let item = self.items.lock().unwrap().pop_front().expect("a permit means an item");
        self.empty.add_permits(1);
        item
    }
}

fn tokio_queue_mpmc(rt: Tokio) -> impl FnMut() -> Duration {
    move || {
        timed(|| {
            rt.block_on(async {
                let q = Arc::new(TokioQueue::new(CAPACITY));
                let remaining = Arc::new(AtomicUsize::new(ITEMS));
                let producers: Vec<_> = (0..PRODUCERS)
                    .map(|_| {
                        let q = q.clone();
                        tokio::spawn(async move {
                            for i in 0..ITEMS / PRODUCERS {
                                q.put(i).await;
                            }
                        })
                    })
                    .collect();
                let consumers: Vec<_> = (0..CONSUMERS)
                    .map(|_| {
                        let (q, remaining) = (q.clone(), remaining.clone());
                        tokio::spawn(async move {
                            let mut n = 0usize;
                            while claim(&remaining) {
                                q.get().await;
                                n += 1;
                            }
                            n
                        })
                    })
                    .collect();
                for p in producers {
                    p.await.unwrap();
                }
                let mut total = 0;
                for c in consumers {
                    total += c.await.unwrap();
                }
                assert_eq!(total, ITEMS);
            })
        })
    }
}

/// Requests per round of `oneshot_request_reply` (tokio's `sync_mpsc_oneshot`).
const REQUESTS: u32 = 1_000;

fn weft_request_reply(rt: Weft) -> impl FnMut() -> Duration {
    let requests: Arc<weft::Queue<(u32, weft::oneshot::Sender<u32>)>> = Arc::new(weft::Queue::new(10));
    rt.block_on(async {
        let requests = requests.clone();
        drop(weft::spawn(async move {
            while let Ok((v, reply)) = requests.get().await {
                reply.send(v).unwrap();
            }
        }));
    });
    move || {
        timed(|| {
            rt.block_on(async {
                for i in 0..REQUESTS {
                    let (tx, rx) = weft::oneshot::channel();
                    requests.put((i, tx)).await.unwrap();
                    assert_eq!(rx.await.unwrap(), i);
                }
            })
        })
    }
}

fn tokio_request_reply(rt: Tokio) -> impl FnMut() -> Duration {
    let (requests, mut server) = tokio::sync::mpsc::channel::<(u32, tokio::sync::oneshot::Sender<u32>)>(10);
    rt.spawn(async move {
        while let Some((v, reply)) = server.recv().await {
            reply.send(v).unwrap();
        }
    });
    move || {
        timed(|| {
            rt.block_on(async {
                for i in 0..REQUESTS {
                    let (tx, rx) = tokio::sync::oneshot::channel();
                    requests.send((i, tx)).await.unwrap();
                    assert_eq!(rx.await.unwrap(), i);
                }
            })
        })
    }
}
