//! Seed 003, "Pitfall 3: Event Loop Closed": the seed calls `asyncio.run` twice in a row
//! ("ERROR: Event loop is closed") where one `main` awaiting both would do.
//!
//! **The seed's BAD code does not fail in CPython**: each `asyncio.run` makes a fresh
//! loop and closes it, so two calls in a row both work; "Event loop is closed" comes
//! when an object tied to the first run's loop is used in the second. The CPython
//! program (tests/seeds/python/seed003_single_event_loop.py) shows both, the second with
//! a client that remembers the loop it was created in.
//!
//! weft: two [`weft::run`] calls in a row work too, each on a runtime of its own. The
//! client of the third part is the Rust way to tie an object to a runtime: it starts a
//! worker task where it is created (as clients with a background connection task do)
//! and talks to it through a queue. When the first run ends, the worker is cancelled
//! with it and shuts the queue; the second run's fetch gets that as an error. weft
//! prints something else than CPython there, on purpose, and its expected output is
//! tests/seeds/expected/seed003_single_event_loop.weft.txt: there is no loop object to
//! be closed, the error is the client's own.
//!
//! ```text
//! BAD (two asyncio.run calls): fetch1-data fetch2-data
//! GOOD (one main): ('fetch1-data', 'fetch2-data')
//! first run: client-data
//! second run, same client: error: the client's worker ended with the runtime it was started on
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::sync::Arc;
use std::time::Duration;
use weft::{Cancelled, Queue, oneshot};

async fn fetch1() -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_millis(10)).await?;
    Ok("fetch1-data".into())
}

async fn fetch2() -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_millis(10)).await?;
    Ok("fetch2-data".into())
}

// ✅ GOOD - single runtime
async fn main_() -> Result<(String, String), Cancelled> {
    let result1 = fetch1().await?;
    let result2 = fetch2().await?;
    Ok((result1, result2))
}

/// Shuts the queue when the worker that owns it ends, whichever way.
struct ShutOnDrop(Arc<Queue<oneshot::Sender<&'static str>>>);

impl Drop for ShutOnDrop {
    fn drop(&mut self) {
        self.0.shutdown(true);
    }
}

/// A client bound to the runtime it was created on, through its worker task.
struct Client {
    requests: Arc<Queue<oneshot::Sender<&'static str>>>,
}

#[derive(Debug)]
enum ClientError {
    WorkerGone,
    Cancelled(Cancelled),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::WorkerGone => {
                f.write_str("the client's worker ended with the runtime it was started on")
            }
            ClientError::Cancelled(c) => c.fmt(f),
        }
    }
}

/// The client's worker: answers each request after 10 ms, until it is cancelled.
async fn worker(queue: ShutOnDrop) -> Result<(), weft::GetError> {
    loop {
        let reply = queue.0.get().await?;
        weft::time::sleep(Duration::from_millis(10)).await?;
        let _ = reply.send("client-data");
    }
}

impl Client {
    fn new() -> Client {
        let requests = Arc::new(Queue::new(0));
        let queue = requests.clone();
        drop(weft::spawn(worker(ShutOnDrop(queue))));
        Client { requests }
    }

    async fn fetch(&self) -> Result<&'static str, ClientError> {
        let (reply, answer) = oneshot::channel();
        self.requests.put_nowait(reply).map_err(|_| ClientError::WorkerGone)?;
        match answer.await {
            Ok(data) => Ok(data),
            Err(oneshot::RecvError::Cancelled(c)) => Err(ClientError::Cancelled(c)),
            Err(_) => Err(ClientError::WorkerGone),
        }
    }
}

async fn make_client() -> Result<Client, ClientError> {
    let client = Client::new();
    println!("first run: {}", client.fetch().await?);
    Ok(client)
}

fn main() {
    // ❌ "BAD" - two runtimes, one after the other
    let result1 = weft::run(fetch1()).unwrap();
    let result2 = weft::run(fetch2()).unwrap(); // works: a fresh runtime
    println!("BAD (two asyncio.run calls): {result1} {result2}");

    println!("GOOD (one main): {}", weft::run(main_()).unwrap().repr());

    // What does fail: an object that kept the first runtime.
    let client = weft::run(make_client()).unwrap();
    if let Err(e) = weft::run(client.fetch()) {
        println!("second run, same client: error: {e}");
    }
}
