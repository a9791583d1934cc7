//! Seed 004, "Basic Async Generator": `generate_numbers(n)` sleeps and yields `0 ..
//! n-1`; `consume()` prints each with `async for`; `to_list()` collects them with an
//! async comprehension.
//!
//! weft: stable Rust has no async generators. The port is the usual hand-written
//! equivalent: a struct holding the generator's state, with an async `next()` that
//! returns `Ok(Some(item))`, `Ok(None)` at the end (`StopAsyncIteration`), or the
//! cancellation; `async for x in gen` is `while let Some(x) = gen.next().await?`. The
//! sleep is 1 ms instead of 0.1 s.
//!
//! ```text
//! 0
//! 1
//! 2
//! 3
//! 4
//! to_list: [0, 1, 2, 3, 4]
//! ```
use std::time::Duration;
use weft::Cancelled;

/// `async def generate_numbers(n)`: its state between `yield`s.
struct GenerateNumbers {
    i: u32,
    n: u32,
}

fn generate_numbers(n: u32) -> GenerateNumbers {
    GenerateNumbers { i: 0, n }
}

impl GenerateNumbers {
    async fn next(&mut self) -> Result<Option<u32>, Cancelled> {
        if self.i == self.n {
            return Ok(None);
        }
        weft::time::sleep(Duration::from_millis(1)).await?;
        self.i += 1;
        Ok(Some(self.i - 1)) // yield i
    }
}

/// Consume async generator.
async fn consume() -> Result<(), Cancelled> {
    let mut numbers = generate_numbers(5);
    while let Some(num) = numbers.next().await? {
        println!("{num}");
    }
    Ok(())
}

/// List from async generator.
async fn to_list() -> Result<Vec<u32>, Cancelled> {
    let mut out = Vec::new();
    let mut numbers = generate_numbers(5);
    while let Some(num) = numbers.next().await? {
        out.push(num);
    }
    Ok(out)
}

fn main() {
    weft::run(async {
        consume().await.unwrap();
        println!("to_list: {:?}", to_list().await.unwrap());
    });
}
