//! Seed 003, "Pattern 1: Concurrent Execution with gather()": `fetch_multiple_users`
//! gathers one fetch per id (the first error propagates); `fetch_with_errors` gathers
//! with `return_exceptions=True` and keeps only the successes.
//!
//! weft: [`weft::gather`] returns every value in argument order or the first error (the
//! other children run on, as in asyncio); [`weft::gather_settled`] is
//! `return_exceptions=True`. Completed as tests/seeds/python/seed003_gather.py is:
//! `fetch_user` is in-process, sleeps `(5 - uid) * 0.02` s (later ids answer sooner,
//! and the results still come back in argument order), and user 3 does not exist. The
//! seed's docstring says "return None for failures" but its code drops them, as here.
//!
//! ```text
//! fetch_multiple_users([1, 2, 4]) = [{'id': 1}, {'id': 2}, {'id': 4}]
//! fetch_multiple_users([1, 2, 3, 4]) raised: user 3 not found
//! fetch_with_errors([1, 2, 3, 4]) = [{'id': 1}, {'id': 2}, {'id': 4}]
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::time::Duration;
use weft::Cancelled;

#[derive(Debug)]
enum Error {
    Lookup(String),
    Cancelled(Cancelled),
}

impl From<Cancelled> for Error {
    fn from(c: Cancelled) -> Self {
        Error::Cancelled(c)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Lookup(m) => f.write_str(m),
            Error::Cancelled(c) => c.fmt(f),
        }
    }
}

/// `{'id': uid}`
struct User {
    id: i64,
}

impl Repr for User {
    fn repr(&self) -> String {
        py::dict(&[("id", &self.id)])
    }
}

async fn fetch_user(uid: i64) -> Result<User, Error> {
    weft::time::sleep(Duration::from_secs_f64((5 - uid) as f64 * 0.02)).await?;
    if uid == 3 {
        return Err(Error::Lookup(format!("user {uid} not found")));
    }
    Ok(User { id: uid })
}

/// Fetch multiple users concurrently.
async fn fetch_multiple_users(user_ids: &[i64]) -> Result<Vec<User>, Error> {
    let tasks = user_ids.iter().map(|&uid| fetch_user(uid)).collect();
    weft::gather(tasks).await
}

/// Continue on error, return None for failures.
async fn fetch_with_errors(user_ids: &[i64]) -> Result<Vec<User>, Error> {
    let tasks = user_ids.iter().map(|&uid| fetch_user(uid)).collect();
    let results = weft::gather_settled(tasks).await?;
    Ok(results.into_iter().filter_map(|r| r.ok()?.ok()).collect())
}

async fn main_() -> Result<(), Error> {
    println!("fetch_multiple_users([1, 2, 4]) = {}", fetch_multiple_users(&[1, 2, 4]).await?.repr());
    match fetch_multiple_users(&[1, 2, 3, 4]).await {
        Err(Error::Lookup(e)) => println!("fetch_multiple_users([1, 2, 3, 4]) raised: {e}"),
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    println!("fetch_with_errors([1, 2, 3, 4]) = {}", fetch_with_errors(&[1, 2, 3, 4]).await?.repr());
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap_or_else(|e| panic!("{e}"));
}
