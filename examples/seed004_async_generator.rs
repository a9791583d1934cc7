//! Seed 004, "Basic Async Generator": `generate_numbers(n)` sleeps before yielding each
//! number; `consume()` reads it with `async for`; `to_list()` collects it with an async
//! comprehension.
//!
//! weft: stable Rust has no async generators; `GenerateNumbers` is one written by hand,
//! a struct whose async `next()` is `__anext__`, giving `None` at the end. Completed as
//! tests/seeds/python/seed004_async_generator.py is: 10 ms sleeps; `main` runs
//! `consume()`, then prints `to_list()`.
//!
//! ```text
//! 0
//! 1
//! 2
//! 3
//! 4
//! to_list: [0, 1, 2, 3, 4]
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::time::Duration;
use weft::Cancelled;

/// Async generator.
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
        weft::time::sleep(Duration::from_millis(10)).await?;
        self.i += 1;
        Ok(Some(self.i - 1))
    }
}

// Consume async generator
async fn consume() -> Result<(), Cancelled> {
    let mut numbers = generate_numbers(5);
    while let Some(num) = numbers.next().await? {
        println!("{num}");
    }
    Ok(())
}

// List from async generator
async fn to_list() -> Result<Vec<u32>, Cancelled> {
    let mut list = Vec::new();
    let mut numbers = generate_numbers(5);
    while let Some(num) = numbers.next().await? {
        list.push(num);
    }
    Ok(list)
}

async fn main_() -> Result<(), Cancelled> {
    consume().await?;
    println!("to_list: {}", to_list().await?.repr());
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
