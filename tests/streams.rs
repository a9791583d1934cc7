//! weft's `futures_core::Stream`s: a queue's items (`Queue::stream`), an interval's ticks,
//! a signal listener's signals and `as_completed`'s tasks; and futures-util's
//! `AsyncReadExt`/`AsyncBufReadExt` over weft's sockets and files.
//!
//! Each stream is a checkpoint on every poll, yields a cancellation as `Some(Err(..))`,
//! and loses nothing to it: the item, tick or signal a cancelled (or dropped) poll did not
//! yield is yielded by the next one, or goes back to the queue. The tests prove order with
//! the current-thread runtime's turns (`yield_now` lets the spawned task run until it
//! waits) and with the paused test clock, never with a sleep.

use futures_util::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use futures_util::{StreamExt, TryStreamExt};
use std::sync::Arc;
use std::time::Duration;
use weft::Queue;
use weft::signal::{SignalKind, signal};

// ---- Queue::stream ----

#[weft::test]
async fn a_queue_stream_yields_every_item_then_ends_at_shutdown() {
    let q = Arc::new(Queue::new(2));
    let producer = weft::spawn({
        let q = q.clone();
        async move {
            for n in 0..10 {
                q.put(n).await.unwrap();
            }
            q.shutdown(false);
        }
    });
    let got: Vec<i32> = q.stream().try_collect().await.unwrap();
    assert_eq!(got, (0..10).collect::<Vec<_>>());
    producer.await.unwrap();
}

#[weft::test]
async fn an_item_handed_to_a_dropped_stream_goes_back_to_the_queue() {
    let q = Queue::new(0);
    let mut s = q.stream();
    // Poll once: the stream waits in the queue's getter list.
    assert!(futures_util::poll!(s.next()).is_pending());
    q.put_nowait("job").unwrap();
    assert_eq!(q.qsize(), 0, "the item was handed to the waiting stream");
    drop(s); // dropped before it yielded the item
    assert_eq!(q.get_nowait(), Ok("job"), "the item went back to the queue");
}

/// The task that polls a queue stream, cancelled at each point of its life.
fn consumer(q: &Arc<Queue<u32>>) -> weft::Task<Result<Vec<u32>, weft::Cancelled>> {
    let q = q.clone();
    weft::spawn(async move {
        let mut got = Vec::new();
        let mut s = q.stream();
        while let Some(item) = s.next().await {
            got.push(item?);
        }
        Ok(got)
    })
}

#[weft::test]
async fn a_stream_task_cancelled_before_its_first_poll_takes_nothing() {
    let q = Arc::new(Queue::new(0));
    let t = consumer(&q);
    assert!(t.cancel(None));
    q.put_nowait(1).unwrap();
    assert!(t.await.unwrap_err().is_cancelled());
    assert_eq!(q.get_nowait(), Ok(1));
}

#[weft::test]
async fn a_stream_task_cancelled_while_suspended_takes_nothing() {
    let q = Arc::new(Queue::new(0));
    let t = consumer(&q);
    weft::yield_now().await.unwrap(); // the consumer runs and waits in `next`
    assert_eq!(q.waiters(), (1, 0));
    assert!(t.cancel(None));
    assert!(t.await.unwrap_err().is_cancelled());
    assert_eq!(q.waiters(), (0, 0), "the cancelled stream left the getter list");
    q.put_nowait(2).unwrap();
    assert_eq!(q.get_nowait(), Ok(2));
}

#[weft::test]
async fn a_stream_task_cancelled_after_the_hand_off_gives_the_item_back() {
    let q = Arc::new(Queue::new(0));
    let t = consumer(&q);
    weft::yield_now().await.unwrap();
    q.put_nowait(3).unwrap(); // handed to the waiting stream, which has not run yet
    assert_eq!(q.qsize(), 0);
    assert!(t.cancel(None));
    assert!(t.await.unwrap_err().is_cancelled());
    assert_eq!(q.get_nowait(), Ok(3), "the item the stream did not yield is back");
}

#[weft::test]
async fn a_stream_task_cancelled_after_completion_keeps_what_it_took() {
    let q = Arc::new(Queue::new(0));
    q.put_nowait(4).unwrap();
    q.shutdown(false);
    let t = consumer(&q);
    weft::yield_now().await.unwrap();
    assert!(t.is_finished());
    assert!(!t.cancel(None), "a finished task cannot be cancelled");
    assert_eq!(t.await.unwrap().unwrap(), [4]);
}

/// Many consumers on a multi-thread runtime, cancelled while they run: every item is
/// taken by exactly one consumer or is still in the queue.
#[weft::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_item_is_lost_or_taken_twice_when_stream_tasks_are_cancelled() {
    let q = Arc::new(Queue::new(4));
    let taken = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let consumers: Vec<_> = (0..8)
        .map(|_| {
            let (q, taken) = (q.clone(), taken.clone());
            weft::spawn(async move {
                let mut s = q.stream();
                while let Some(item) = s.next().await {
                    taken.lock().push(item?);
                }
                Ok::<_, weft::Cancelled>(())
            })
        })
        .collect();
    for n in 0..400u32 {
        q.put(n).await.unwrap();
        if n % 100 == 25 {
            // Half the consumers are cancelled while the others go on taking.
            consumers[(n / 100) as usize].cancel(None);
        }
    }
    q.shutdown(false);
    for c in consumers {
        match c.await {
            Ok(r) => r.unwrap(),
            Err(e) => assert!(e.is_cancelled()),
        }
    }
    let mut seen = std::mem::take(&mut *taken.lock());
    while let Ok(n) = q.get_nowait() {
        seen.push(n);
    }
    seen.sort_unstable();
    assert_eq!(seen, (0..400).collect::<Vec<_>>());
}

// ---- Interval ----

#[weft::test(start_paused = true)]
async fn an_interval_stream_ticks_on_schedule() {
    let start = weft::time::now();
    let ticks: Vec<_> =
        weft::time::interval(Duration::from_millis(10)).take(4).map(|t| t.unwrap() - start).collect().await;
    assert_eq!(ticks, [0, 10, 20, 30].map(Duration::from_millis));
}

#[weft::test(start_paused = true)]
async fn an_interval_stream_cancelled_while_waiting_loses_no_tick() {
    let start = weft::time::now();
    let t = weft::spawn(async move {
        let mut ticks = weft::time::interval(Duration::from_secs(1));
        ticks.next().await.unwrap().unwrap(); // the first tick, at once
        let cancelled = ticks.next().await.unwrap().is_err(); // suspended here
        let next = ticks.next().await.unwrap().unwrap();
        (cancelled, next)
    });
    weft::yield_now().await.unwrap(); // the task waits for the second tick
    t.cancel(None); // cancelled while it waits...
    // ...and the tick falls due before it runs: the cancellation comes first, the tick
    // is kept for the next poll.
    weft::time::advance(Duration::from_secs(1)).await.unwrap();
    let (cancelled, next) = t.await.unwrap();
    assert!(cancelled);
    assert_eq!(next - start, Duration::from_secs(1), "the due tick was kept for the next poll");
}

// ---- Signal ----

fn raise(kind: SignalKind) {
    // SAFETY: raise only sends a signal, whose handler weft installed.
    assert_eq!(unsafe { libc::raise(kind.as_raw()) }, 0);
}

#[weft::test]
async fn a_signal_stream_cancelled_while_waiting_keeps_the_signal() {
    let kind = SignalKind::user_defined2();
    let mut listener = signal(kind).unwrap();
    let t = weft::spawn(async move {
        let cancelled = listener.next().await.unwrap().is_err(); // suspended here
        let then = listener.next().await.unwrap().is_ok();
        (cancelled, then)
    });
    weft::yield_now().await.unwrap(); // the task waits for a signal
    raise(kind); // arrives...
    t.cancel(None); // ...but the cancellation is delivered first
    assert_eq!(t.await.unwrap(), (true, true), "the signal was delivered by the next poll");
}

// ---- as_completed ----

#[weft::test]
async fn an_as_completed_task_cancelled_while_waiting_leaves_the_tasks_running() {
    let release = Arc::new(weft::Event::new());
    let worker = weft::spawn({
        let release = release.clone();
        async move { release.wait().await.map(|_| "done") }
    });
    let waiter = weft::spawn(async move {
        let mut s = weft::as_completed(vec![worker], None);
        let first = s.next().await.unwrap();
        let cancelled = matches!(first, Err(weft::AsCompletedError::Cancelled(_)));
        drop(first);
        let mut rest = s.into_remaining();
        (cancelled, rest.pending.pop().map(|(_, task)| task))
    });
    weft::yield_now().await.unwrap();
    waiter.cancel(None);
    let (cancelled, worker) = waiter.await.unwrap();
    assert!(cancelled);
    let worker = worker.expect("the worker was not yielded: it is handed back");
    release.set();
    assert_eq!(worker.await.unwrap().unwrap(), "done", "the worker ran on");
}

// ---- futures-util's I/O extensions ----

#[weft::test]
async fn async_buf_read_ext_reads_lines_from_a_tcp_stream() {
    let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = weft::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        sock.write_all(b"alpha\nbeta\ngamma\n").await.unwrap();
        sock.close().await.unwrap();
    });
    let client = weft::net::TcpStream::connect(addr).await.unwrap();
    let lines: Vec<String> = BufReader::new(client).lines().try_collect().await.unwrap();
    assert_eq!(lines, ["alpha", "beta", "gamma"]);
    server.await.unwrap();
}

#[weft::test]
async fn async_read_ext_and_copy_work_on_files_and_sockets() {
    let dir = std::env::temp_dir().join(format!("weft-streams-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("copy.txt");
    let text = "weft on futures-util\n".repeat(1000);

    let mut file = weft::fs::File::create(&path).await.unwrap();
    AsyncWriteExt::write_all(&mut file, text.as_bytes()).await.unwrap();
    AsyncWriteExt::flush(&mut file).await.unwrap();
    drop(file);

    let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let receiver = weft::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut got = String::new();
        AsyncReadExt::read_to_string(&mut sock, &mut got).await.unwrap();
        got
    });
    let mut sock = weft::net::TcpStream::connect(addr).await.unwrap();
    let file = weft::fs::File::open(&path).await.unwrap();
    let copied = futures_util::io::copy(file, &mut sock).await.unwrap();
    assert_eq!(copied, text.len() as u64);
    sock.close().await.unwrap();
    assert_eq!(receiver.await.unwrap(), text);

    let mut back = String::new();
    weft::fs::File::open(&path).await.unwrap().read_to_string(&mut back).await.unwrap();
    assert_eq!(back, text);
    std::fs::remove_dir_all(&dir).unwrap();
}
