//! Seed 002, "Coroutines, async def, and await": calling an `async def` makes a
//! coroutine object and runs nothing; `asyncio.run(coro)` runs it. The program prints
//! the object's type, then the result.
//!
//! weft prints something else here on purpose, and its expected output is
//! tests/seeds/expected/seed002_coroutines.weft.txt: calling an `async fn` makes a
//! future, which likewise does nothing until awaited, but its type is an anonymous one
//! the compiler names after the function, not Python's `coroutine` class; the program
//! prints that name. [`weft::yield_now`] is `asyncio.sleep(0)`.
//!
//! ```text
//! seed002_coroutines::double::{{closure}}
//! 42
//! ```
use weft::Cancelled;

async fn double(x: i64) -> Result<i64, Cancelled> {
    weft::yield_now().await?; // yield control once
    Ok(x * 2)
}

fn main() {
    let coro = double(21); // NOT executed yet
    println!("{}", std::any::type_name_of_val(&coro));

    let result = weft::run(coro).unwrap(); // now it runs
    println!("{result}");
}
