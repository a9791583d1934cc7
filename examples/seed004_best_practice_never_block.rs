//! Seed 004, "Best Practices: 1. Never Block the Event Loop": DON'T `time.sleep`,
//! `requests.get` or `open().read()` in a coroutine; DO `await asyncio.sleep`, use
//! aiohttp and aiofiles.
//!
//! weft: the program runs on the current-thread runtime, asyncio's single loop, where a
//! blocking call stops every task; a heartbeat task ticking every 2 ms shows it. `bad()`
//! blocks three ways (`std::thread::sleep`, a blocking GET on a std socket, a
//! `std::fs` read): the heartbeat ticks 0 times; `good()` uses [`weft::time::sleep`],
//! the aiohttp stand-in on weft's sockets, and an aiofiles stand-in whose calls run on
//! the blocking pool: the heartbeat keeps ticking. Completed as
//! tests/seeds/python/seed004_best_practice_never_block.py is: 50 ms sleeps; the HTTP
//! stand-ins of `examples/support/http.rs` talk to a local HTTP/1.1 server the program
//! starts, which answers after 50 ms ("url" is sent as the path `/url`); "file" is
//! created in a temporary directory the program changes into.
//!
//! ```text
//! bad(): heartbeat ticked 0 times
//! good(): heartbeat kept ticking: True
//! ```
//!
//! Real clock: the local HTTP server answers from a thread of its own
//! (`examples/support/http.rs`), and a paused clock does not wait for a reply in flight (it
//! would fire the client's timeout first), so `tests/seed_examples.rs` runs this one in
//! real time. The margins: a 2 ms heartbeat against 50 ms of blocking and of sleeping.
#[path = "support/http.rs"]
mod http;
#[path = "support/json.rs"]
mod json;
#[path = "support/py.rs"]
mod py;

use http::aiohttp::ClientSession;
use http::{Reply, requests, start_server};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

type Error = Box<dyn std::error::Error + Send + Sync>;

mod aiofiles {
    use super::Error;
    use std::io::Read;

    /// `aiofiles.open(path)`: the file, opened on the blocking pool.
    pub struct AsyncFile(Option<std::fs::File>);

    pub async fn open(path: &'static str) -> Result<AsyncFile, Error> {
        Ok(AsyncFile(Some(weft::to_thread(move || std::fs::File::open(path)).await??)))
    }

    impl AsyncFile {
        pub async fn read(&mut self) -> Result<String, Error> {
            let mut file = self.0.take().expect("open");
            let (file, text) = weft::to_thread(move || {
                let mut text = String::new();
                let r = file.read_to_string(&mut text).map(|_| text);
                (file, r)
            })
            .await?;
            self.0 = Some(file);
            Ok(text?)
        }

        /// `__aexit__`: closes the file on the blocking pool.
        pub async fn close(mut self) -> Result<(), Error> {
            let file = self.0.take();
            Ok(weft::to_thread(move || drop(file)).await?)
        }
    }
}

// DON'T
async fn bad() -> Result<(), Error> {
    std::thread::sleep(Duration::from_millis(50)); // Blocks!
    requests::get("url")?; // Blocks!
    std::fs::read_to_string("file")?; // Blocks!
    Ok(())
}

// DO
async fn good() -> Result<(), Error> {
    weft::time::sleep(Duration::from_millis(50)).await?;
    let session = ClientSession::new();
    let got = session.get("url").await;
    session.close().await;
    got?;
    let mut f = aiofiles::open("file").await?;
    let read = f.read().await;
    f.close().await?;
    read?;
    Ok(())
}

static TICKS: AtomicU64 = AtomicU64::new(0);

async fn heartbeat() -> Result<(), weft::Cancelled> {
    loop {
        weft::time::sleep(Duration::from_millis(2)).await?;
        TICKS.fetch_add(1, Ordering::SeqCst);
    }
}

async fn main_() -> Result<(), Error> {
    let hb = weft::spawn(heartbeat());
    weft::time::sleep(Duration::from_millis(10)).await?;
    let before = TICKS.load(Ordering::SeqCst);
    bad().await?;
    println!("bad(): heartbeat ticked {} times", TICKS.load(Ordering::SeqCst) - before);
    let before = TICKS.load(Ordering::SeqCst);
    good().await?;
    println!("good(): heartbeat kept ticking: {}", py::py_bool(TICKS.load(Ordering::SeqCst) - before > 0));
    hb.cancel(None);
    Ok(())
}

fn main() {
    start_server(|_| Reply::text(200, "ok").after(Duration::from_millis(50)));
    let dir = std::env::temp_dir().join(format!("weft-seed004-never-block-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::env::set_current_dir(&dir).unwrap();
    std::fs::write("file", "contents").unwrap();
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    let result = weft::run_on(&rt, main_());
    std::env::set_current_dir("/").unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    result.unwrap().unwrap();
}
