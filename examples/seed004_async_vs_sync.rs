//! Seed 004, "Async vs Sync": a blocking `time.sleep` inside an `async def` blocks the
//! whole event loop, `await asyncio.sleep` does not; sync file I/O blocks too, aiofiles
//! does not.
//!
//! weft: the program runs on the current-thread runtime, asyncio's single loop, where
//! `std::thread::sleep` in a task stops every task: three such fetches gathered run one
//! after the other, three [`weft::time::sleep`] ones overlap. (On the multi-thread
//! runtime each blocked task would hold up one worker rather than all of them; it is
//! still a worker lost.) Completed as tests/seeds/python/seed004_async_vs_sync.py is:
//! 0.2 s sleeps; `aiofiles` is a stand-in whose open, read and close each run on the
//! blocking pool ([`weft::to_thread`]), as aiofiles does; `file.txt` holds "hello", in a
//! temporary directory the program changes into; `main` gathers each fetch three times
//! and prints the time, then each file reader's result.
//!
//! ```text
//! bad_fetch x3: * ms (serialised: True) -> ['data', 'data', 'data']
//! good_fetch x3: * ms (overlapped: True) -> ['data', 'data', 'data']
//! bad_read_file: 'hello'
//! good_read_file: 'hello'
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::future::Future;
use std::time::{Duration, Instant};
use weft::Cancelled;

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

// DON'T: Blocking call in async function
async fn bad_fetch() -> Result<&'static str, Cancelled> {
    std::thread::sleep(Duration::from_millis(200)); // Blocks entire event loop!
    Ok("data")
}

// DO: Use async operations
async fn good_fetch() -> Result<&'static str, Cancelled> {
    weft::time::sleep(Duration::from_millis(200)).await?; // Non-blocking
    Ok("data")
}

// DON'T: Sync I/O in async function
async fn bad_read_file() -> Result<String, Error> {
    Ok(std::fs::read_to_string("file.txt")?) // Blocking!
}

// DO: Use async I/O
async fn good_read_file() -> Result<String, Error> {
    let mut f = aiofiles::open("file.txt").await?; // async with aiofiles.open("file.txt") as f:
    let text = f.read().await;
    f.close().await?;
    text
}

async fn three_times<F, Fut>(name: &str, f: F, good: bool) -> Result<(), Error>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<&'static str, Cancelled>> + Send + 'static,
{
    let t0 = Instant::now();
    let results = weft::gather(vec![f(), f(), f()]).await?;
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    let what = if good {
        format!("overlapped: {}", py::py_bool(ms < 400.0))
    } else {
        format!("serialised: {}", py::py_bool(ms >= 600.0))
    };
    println!("{name} x3: {} ms ({what}) -> {}", ms.round(), results.repr());
    Ok(())
}

async fn main_() -> Result<(), Error> {
    three_times("bad_fetch", bad_fetch, false).await?;
    three_times("good_fetch", good_fetch, true).await?;
    println!("bad_read_file: {}", bad_read_file().await?.repr());
    println!("good_read_file: {}", good_read_file().await?.repr());
    Ok(())
}

fn main() {
    let dir = std::env::temp_dir().join(format!("weft-seed004-async-vs-sync-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::env::set_current_dir(&dir).unwrap();
    std::fs::write("file.txt", "hello").unwrap();
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    let result = weft::run_on(&rt, main_());
    std::env::set_current_dir("/").unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    result.unwrap().unwrap();
}
