//! Seed 003, "Pattern 1: Concurrent Execution with gather()": `fetch_multiple_users`
//! gathers one fetch per user id; `fetch_with_errors` gathers with
//! `return_exceptions=True` and keeps only the results that are not exceptions.
//!
//! weft: [`weft::gather`] runs the futures as tasks and returns their values in argument
//! order, or the first error (as `gather` without `return_exceptions` raises it);
//! [`weft::gather_settled`] is `return_exceptions=True`: every child's result, `Ok` or
//! `Err`, in order. `fetch_user` is simulated in-process: it sleeps (later ids answer
//! sooner, to show that the order is the arguments', not completion's), and user 3
//! does not exist.
//!
//! ```text
//! fetch_multiple_users([1, 2, 4]) = [{'id': 1}, {'id': 2}, {'id': 4}]
//! fetch_multiple_users([1, 2, 3, 4]) raised: user 3 not found
//! fetch_with_errors([1, 2, 3, 4]) = [{'id': 1}, {'id': 2}, {'id': 4}]
//! ```
use std::fmt;
use std::time::Duration;
use weft::{Cancelled, gather, gather_settled};

#[derive(Debug)]
enum FetchError {
    NotFound(u32),
    Cancelled(Cancelled),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::NotFound(id) => write!(f, "user {id} not found"),
            FetchError::Cancelled(c) => c.fmt(f),
        }
    }
}

impl std::error::Error for FetchError {}

impl From<Cancelled> for FetchError {
    fn from(c: Cancelled) -> Self {
        FetchError::Cancelled(c)
    }
}

async fn fetch_user(uid: u32) -> Result<String, FetchError> {
    weft::time::sleep(Duration::from_millis(5 * (5 - uid as u64))).await?;
    if uid == 3 {
        return Err(FetchError::NotFound(uid));
    }
    Ok(format!("{{'id': {uid}}}"))
}

/// Fetch multiple users concurrently.
async fn fetch_multiple_users(user_ids: &[u32]) -> Result<Vec<String>, FetchError> {
    let tasks = user_ids.iter().map(|&uid| fetch_user(uid)).collect();
    gather(tasks).await
}

/// Continue on error, drop the failures.
async fn fetch_with_errors(user_ids: &[u32]) -> Result<Vec<String>, Cancelled> {
    let tasks = user_ids.iter().map(|&uid| fetch_user(uid)).collect();
    let results = gather_settled(tasks).await?;
    Ok(results.into_iter().filter_map(|r| r.ok()?.ok()).collect())
}

fn main() {
    weft::run(async {
        let users = fetch_multiple_users(&[1, 2, 4]).await.unwrap();
        println!("fetch_multiple_users([1, 2, 4]) = [{}]", users.join(", "));
        match fetch_multiple_users(&[1, 2, 3, 4]).await {
            Ok(users) => println!("fetch_multiple_users([1, 2, 3, 4]) = [{}]", users.join(", ")),
            Err(e) => println!("fetch_multiple_users([1, 2, 3, 4]) raised: {e}"),
        }
        let users = fetch_with_errors(&[1, 2, 3, 4]).await.unwrap();
        println!("fetch_with_errors([1, 2, 3, 4]) = [{}]", users.join(", "));
    });
}
