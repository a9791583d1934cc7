//! Seed 004, "Async Generator with Context Manager": `stream_data(source)` is an
//! `@asynccontextmanager` that opens a stream and yields an async generator reading
//! chunks until the stream is empty, closing the stream in the generator's `finally`;
//! `process_stream()` iterates it with `async for`.
//!
//! weft: stable Rust has no async generators; `Generate` is one written by hand, whose
//! async `next()` is `__anext__`: it closes the stream (the `finally`) when the stream
//! runs dry. The context manager is an async function taking the body as a closure.
//! Completed as tests/seeds/python/seed004_stream_with_cleanup.py is: the stream is
//! in-process (four chunks, 1 ms each); `main` runs `process_stream()`, then a variant
//! that stops after two chunks. That shows what CPython does with an abandoned
//! generator: the seed's context manager does not close the stream on exit, the
//! generator is left suspended, and when it is collected (after the caller returns)
//! asyncio's finalizer hook schedules its `aclose()` as a task, so the stream closes
//! after the caller's next line. The port does the same: a `Generate` dropped before
//! it finished spawns a task that closes its stream (a `Drop` cannot await), and on
//! the current-thread runtime that task runs when `main` next waits, as on asyncio's
//! loop.
//!
//! ```text
//! stream 'source' opened
//! process: chunk-0
//! process: chunk-1
//! process: chunk-2
//! process: chunk-3
//! stream 'source' closed
//! stream 'early' opened
//! process: chunk-0
//! process: chunk-1
//! process_stream_early: left the async with block
//! main: process_stream_early returned
//! stream 'early' closed
//! main: done
//! ```
use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;
use weft::Cancelled;

struct Stream {
    source: &'static str,
    chunks: VecDeque<String>,
}

impl Stream {
    async fn read(&mut self) -> Result<String, Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        Ok(self.chunks.pop_front().unwrap_or_default())
    }

    async fn close(&self) {
        println!("stream '{}' closed", self.source);
    }
}

async fn open_stream(source: &'static str) -> Result<Stream, Cancelled> {
    weft::time::sleep(Duration::from_millis(1)).await?;
    println!("stream '{source}' opened");
    Ok(Stream { source, chunks: (0..4).map(|i| format!("chunk-{i}")).collect() })
}

fn process(data: &str) {
    println!("process: {data}");
}

/// The async generator `_generate()`: reads until the stream is empty, then closes it
/// (`finally: await stream.close()`).
struct Generate {
    stream: Option<Stream>,
}

impl Generate {
    async fn next(&mut self) -> Result<Option<String>, Cancelled> {
        let Some(stream) = &mut self.stream else { return Ok(None) };
        match stream.read().await {
            Ok(data) if !data.is_empty() => Ok(Some(data)), // yield data
            end => {
                // break (or an exception): finally
                let stream = self.stream.take().expect("open");
                stream.close().await;
                end.map(|_| None)
            }
        }
    }
}

/// A generator dropped before it finished: asyncio's finalizer hook runs its `aclose()`
/// as a task, which runs the `finally`.
impl Drop for Generate {
    fn drop(&mut self) {
        if let Some(stream) = self.stream.take() {
            drop(weft::spawn(async move { stream.close().await }));
        }
    }
}

/// Stream data with cleanup.
async fn stream_data<T, F, Fut>(source: &'static str, body: F) -> Result<T, Cancelled>
where
    F: FnOnce(Generate) -> Fut,
    Fut: Future<Output = Result<T, Cancelled>>,
{
    // Setup
    let stream = open_stream(source).await?;
    body(Generate { stream: Some(stream) }).await // yield _generate()
}

// Usage
async fn process_stream() -> Result<(), Cancelled> {
    stream_data("source", |mut generator| async move {
        while let Some(data) = generator.next().await? {
            process(&data);
        }
        Ok(())
    })
    .await
}

async fn process_stream_early() -> Result<(), Cancelled> {
    stream_data("early", |mut generator| async move {
        while let Some(data) = generator.next().await? {
            process(&data);
            if data == "chunk-1" {
                break;
            }
        }
        Ok(())
    })
    .await?;
    println!("process_stream_early: left the async with block");
    Ok(())
}

async fn main_() -> Result<(), Cancelled> {
    process_stream().await?;
    process_stream_early().await?;
    println!("main: process_stream_early returned");
    weft::time::sleep(Duration::from_millis(10)).await?;
    println!("main: done");
    Ok(())
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap().unwrap();
}
