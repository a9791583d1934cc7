//! Seed 001, "Error Handling Strategies": try/except around one call, then `gather`
//! with `return_exceptions=True`. The seed fails at random; this port makes the first
//! call and the second gathered task fail, so the output is fixed:
//!
//! ```text
//! Caught: Something went wrong
//! Task 0 succeeded: success
//! Task 1 failed: Something went wrong
//! ```
use std::time::Duration;
use weft::gather_settled;

#[derive(Debug)]
struct ValueError(&'static str);
impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}
impl std::error::Error for ValueError {}

async fn risky_operation(fail: bool) -> Result<&'static str, ValueError> {
    let _ = weft::time::sleep(Duration::from_secs(1)).await;
    if fail {
        return Err(ValueError("Something went wrong"));
    }
    Ok("success")
}

fn main() {
    weft::run(async {
        // Option 1: handle the error directly
        if let Err(e) = risky_operation(true).await {
            println!("Caught: {e}");
        }
        // Option 2: gather with return_exceptions
        let results = gather_settled(vec![risky_operation(false), risky_operation(true)]).await.unwrap();
        for (i, result) in results.into_iter().enumerate() {
            match result {
                Ok(Ok(v)) => println!("Task {i} succeeded: {v}"),
                Ok(Err(e)) => println!("Task {i} failed: {e}"),
                Err(e) => println!("Task {i} failed: {e}"),
            }
        }
    });
}
