//! Seed 002, "`@asynccontextmanager`": `resource()` prints "setup", yields a value, and
//! prints "teardown" in a `finally`, whatever the body did. The seed only defines it;
//! as tests/seeds/python/seed002_asynccontextmanager.py does, `main` uses it once
//! normally and once with a body that fails: the teardown still runs and the error
//! reaches the caller.
//!
//! weft: an async context manager made from a generator becomes an async function that
//! takes the body as a closure: setup, `body(value).await`, then the teardown on every
//! path, and the body's result (value or error) is returned.
//!
//! ```text
//! setup
//! using the value
//! teardown
//! setup
//! teardown
//! caller caught: body failed
//! ```
use std::future::Future;

#[derive(Debug)]
struct RuntimeError(&'static str);

impl std::fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// `@asynccontextmanager async def resource()`.
async fn resource<T, E, F, Fut>(body: F) -> Result<T, E>
where
    F: FnOnce(&'static str) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    println!("setup");
    let result = body("the value").await; // yield "the value"
    println!("teardown"); // finally:
    result
}

async fn main_() {
    let _ = resource(|value| async move {
        println!("using {value}");
        Ok::<_, RuntimeError>(())
    })
    .await;
    let r = resource(|_value| async move { Err::<(), _>(RuntimeError("body failed")) }).await;
    if let Err(e) = r {
        println!("caller caught: {e}");
    }
}

fn main() {
    weft::run(main_());
}
