//! Seed 004, "Async Generator with Context Manager": `stream_data(source)` is an
//! `@asynccontextmanager` that opens a stream and yields an async generator reading
//! chunks until the stream is empty, closing the stream in the generator's `finally`;
//! `process_stream()` iterates it with `async for`.
//!
//! weft: the context manager is an async function taking the body as a closure; the
//! generator is a struct with an async `next()` (stable Rust has no async generators).
//! The generator's `finally` runs when it is exhausted, and the context manager closes
//! the stream if the body stops early (here: the second run stops after two chunks),
//! so the stream is closed exactly once on every path. The stream is simulated: four
//! chunks, each after 1 ms.
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
//! stream 'early' closed
//! ```
use std::future::Future;
use std::time::Duration;
use weft::Cancelled;

struct Stream {
    name: &'static str,
    next: u32,
    closed: bool,
}

impl Stream {
    async fn open(name: &'static str) -> Result<Stream, Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        println!("stream '{name}' opened");
        Ok(Stream { name, next: 0, closed: false })
    }
    async fn read(&mut self) -> Result<Option<String>, Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        if self.next == 4 {
            return Ok(None);
        }
        self.next += 1;
        Ok(Some(format!("chunk-{}", self.next - 1)))
    }
    async fn close(&mut self) {
        if !self.closed {
            self.closed = true;
            println!("stream '{}' closed", self.name);
        }
    }
}

/// The inner async generator: reads until empty, then closes the stream (`finally`).
struct Generate<'a> {
    stream: &'a mut Stream,
}

impl Generate<'_> {
    async fn next(&mut self) -> Result<Option<String>, Cancelled> {
        let data = self.stream.read().await;
        if !matches!(data, Ok(Some(_))) {
            self.stream.close().await; // finally: await stream.close()
        }
        data
    }
}

/// `@asynccontextmanager async def stream_data(source)`.
async fn stream_data<T, F>(source: &'static str, body: F) -> Result<T, Cancelled>
where
    F: for<'a> FnOnce(
        Generate<'a>,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<T, Cancelled>> + Send + 'a>>,
{
    let mut stream = Stream::open(source).await?; // Setup
    let out = body(Generate { stream: &mut stream }).await; // yield _generate()
    stream.close().await; // a body that stopped early still closes the stream
    out
}

async fn process_stream(source: &'static str, limit: usize) -> Result<(), Cancelled> {
    stream_data(source, |mut generator| {
        Box::pin(async move {
            let mut seen = 0;
            while let Some(data) = generator.next().await? {
                println!("process: {data}");
                seen += 1;
                if seen == limit {
                    break;
                }
            }
            Ok(())
        })
    })
    .await
}

fn main() {
    weft::run(async {
        process_stream("source", usize::MAX).await.unwrap();
        process_stream("early", 2).await.unwrap();
    });
}
