//! Seed 002, "gather exception handling": with `return_exceptions=True`, `gather` hands
//! back every outcome, values and exceptions alike, in argument order.
//!
//! weft: [`weft::gather_settled`] is `gather(..., return_exceptions=True)`: every
//! child's join result, in order (`Ok` of what the child returned, which is itself a
//! value or an error). The coroutines are of two kinds, so each is boxed. The program
//! is the seed's as written; each line prints the Python class of the outcome
//! (`int` for a value, the error's type) and the outcome.
//!
//! ```text
//! int 1
//! ValueError nope
//! int 2
//! ```
use std::future::Future;
use std::pin::Pin;

#[derive(Debug)]
struct ValueError(&'static str);

impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ValueError {}

type Outcome = Pin<Box<dyn Future<Output = Result<i64, ValueError>> + Send>>;

async fn good(n: i64) -> Result<i64, ValueError> {
    Ok(n)
}

async fn bad() -> Result<i64, ValueError> {
    Err(ValueError("nope"))
}

async fn main_() {
    let coros: Vec<Outcome> = vec![Box::pin(good(1)), Box::pin(bad()), Box::pin(good(2))];
    let results = weft::gather_settled(coros).await.expect("not cancelled");
    for r in results {
        match r.expect("no child was cancelled or panicked") {
            Ok(n) => println!("int {n}"),
            Err(e) => println!("ValueError {e}"),
        }
    }
}

fn main() {
    weft::run(main_());
}
