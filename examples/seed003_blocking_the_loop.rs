//! Seed 003, "Pitfall 1: Blocking the Event Loop": a table of blocking calls and their
//! fixes: `time.sleep` → `await asyncio.sleep`, `requests.get` → aiohttp,
//! `open(file).read()` → `run_in_executor(None, ...)`, heavy CPU work →
//! `run_in_executor(pool, ...)`.
//!
//! Constructed as tests/seeds/python/seed003_blocking_the_loop.py is (the seed has only
//! the table): a heartbeat task ticks every 2 ms; each row's BAD and GOOD version runs
//! about 40 ms of work while the ticks are counted. A BAD version blocks the loop: the
//! heartbeat ticks 0 times; a GOOD one leaves it free (the exact count varies, so only
//! "kept ticking" is printed). The labels are the CPython program's; what the port does
//! for each row:
//!
//! 1. `std::thread::sleep` vs [`weft::time::sleep`];
//! 2. a blocking GET on a std socket (the requests stand-in of
//!    `examples/support/http.rs`) vs the aiohttp stand-in on weft's sockets, both to a
//!    local HTTP/1.1 server the program starts, which answers after 40 ms;
//! 3. a "slow disk" read (40 ms, then the file) in the task vs in [`weft::to_thread`];
//! 4. 40 ms of busy CPU work in the task vs in [`weft::spawn_blocking`] (Python needs a
//!    process pool for CPU work because of the GIL; Rust threads run it in parallel).
//!
//! The program runs on the current-thread runtime, asyncio's single loop, where blocking
//! the loop stops every task. (On the multi-thread runtime another worker would run the
//! heartbeat; the blocked worker is still lost to every other task.)
//!
//! ```text
//! BAD  time.sleep(0.04): heartbeat ticked 0 times
//! GOOD await asyncio.sleep(0.04): heartbeat kept ticking: True
//! BAD  urllib (blocking HTTP GET): heartbeat ticked 0 times
//! GOOD aiohttp-style async GET: heartbeat kept ticking: True
//! BAD  open(file).read(): heartbeat ticked 0 times
//! GOOD await loop.run_in_executor(None, blocking_read): heartbeat kept ticking: True
//! BAD  heavy CPU work in the coroutine: heartbeat ticked 0 times
//! GOOD await loop.run_in_executor(pool, cpu_work): heartbeat kept ticking: True
//! ```
//!
//! Real clock: the local HTTP server answers from a thread of its own
//! (`examples/support/http.rs`), and a paused clock does not wait for a reply in flight (it
//! would fire the client's timeout first), so `tests/seed_examples.rs` runs this one in
//! real time. The heartbeat must also tick *while* a blocking job runs, which a paused
//! clock, waiting for the job, never lets it do.
//!
//! No margin decides what is printed. A BAD job runs within one poll of the loop, so the
//! heartbeat cannot tick during it. A GOOD job cannot end before the heartbeat has ticked
//! while it was in flight, however long the machine deschedules the loop's thread: the
//! heartbeat's 2 ms timer is due before the 40 ms sleep and fires first in any turn that
//! fires both; the server, the `to_thread` read and the `spawn_blocking` work each also
//! wait, off the loop, until the heartbeat has ticked (for 10 s at most: a GOOD job that
//! blocked the loop would still end, and print `False`).
#[path = "support/http.rs"]
mod http;
#[path = "support/json.rs"]
mod json;
#[path = "support/py.rs"]
mod py;

use http::aiohttp::ClientSession;
use http::{Reply, requests, start_server};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

type Error = Box<dyn std::error::Error + Send + Sync>;

static TICKS: AtomicU64 = AtomicU64::new(0);
/// The heartbeat's count when the job being measured started.
static JOB_START: AtomicU64 = AtomicU64::new(0);

/// Blocks the calling thread (never the loop's) until the heartbeat has ticked since the
/// job being measured started, for 10 s at most.
fn until_the_heartbeat_ticked() {
    let cap = Instant::now() + Duration::from_secs(10);
    while TICKS.load(Ordering::SeqCst) == JOB_START.load(Ordering::SeqCst) && Instant::now() < cap {
        std::thread::sleep(Duration::from_millis(1));
    }
}

async fn heartbeat() -> Result<(), weft::Cancelled> {
    loop {
        weft::time::sleep(Duration::from_millis(2)).await?;
        TICKS.fetch_add(1, Ordering::SeqCst);
    }
}

fn blocking_read(path: &Path) -> std::io::Result<String> {
    std::thread::sleep(Duration::from_millis(40)); // a slow disk / NFS mount
    std::fs::read_to_string(path)
}

fn cpu_work() -> u64 {
    let end = Instant::now() + Duration::from_millis(40);
    let mut n = 0;
    while Instant::now() < end {
        n += 1;
    }
    n
}

async fn measure<Fut: Future<Output = Result<(), Error>>>(
    label: &str,
    work: Fut,
    good: bool,
) -> Result<(), Error> {
    let start = TICKS.load(Ordering::SeqCst);
    JOB_START.store(start, Ordering::SeqCst);
    work.await?;
    let n = TICKS.load(Ordering::SeqCst) - start;
    if good {
        println!("GOOD {label}: heartbeat kept ticking: {}", py::py_bool(n > 0));
    } else {
        println!("BAD  {label}: heartbeat ticked {n} times");
    }
    Ok(())
}

async fn main_(path: PathBuf, port: u16) -> Result<(), Error> {
    let hb = weft::spawn(heartbeat());
    weft::time::sleep(Duration::from_millis(10)).await?;

    let bad_sleep = async {
        std::thread::sleep(Duration::from_millis(40));
        Ok(())
    };
    let good_sleep = async { Ok(weft::time::sleep(Duration::from_millis(40)).await?) };
    let bad_get = async {
        requests::get(&format!("http://127.0.0.1:{port}/"))?;
        Ok(())
    };
    let good_get = async {
        let s = ClientSession::new();
        s.get("http://api.example.com/").await?;
        s.close().await;
        Ok(())
    };
    let bad_read = async {
        blocking_read(&path)?;
        Ok(())
    };
    let good_read = async {
        let path = path.clone();
        weft::to_thread(move || {
            let contents = blocking_read(&path);
            until_the_heartbeat_ticked();
            contents
        })
        .await??;
        Ok(())
    };
    let bad_cpu = async {
        cpu_work();
        Ok(())
    };
    let good_cpu = async {
        weft::spawn_blocking(|| {
            let n = cpu_work();
            until_the_heartbeat_ticked();
            n
        })
        .await?;
        Ok(())
    };

    measure("time.sleep(0.04)", bad_sleep, false).await?;
    measure("await asyncio.sleep(0.04)", good_sleep, true).await?;
    measure("urllib (blocking HTTP GET)", bad_get, false).await?;
    measure("aiohttp-style async GET", good_get, true).await?;
    measure("open(file).read()", bad_read, false).await?;
    measure("await loop.run_in_executor(None, blocking_read)", good_read, true).await?;
    measure("heavy CPU work in the coroutine", bad_cpu, false).await?;
    measure("await loop.run_in_executor(pool, cpu_work)", good_cpu, true).await?;
    hb.cancel(None);
    Ok(())
}

fn main() {
    let port = start_server(|req| {
        // The GOOD client's request (the BAD one names 127.0.0.1).
        if req.host == "api.example.com" {
            until_the_heartbeat_ticked();
        }
        Reply::text(200, "ok").after(Duration::from_millis(40))
    });
    let dir = std::env::temp_dir().join(format!("weft-seed003-blocking-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("file.txt");
    std::fs::write(&path, "contents").unwrap();
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    let result = weft::run_on(&rt, main_(path, port));
    let _ = std::fs::remove_dir_all(&dir);
    result.unwrap().unwrap();
}
