//! Seed 004, "asynccontextmanager": `get_connection()` creates a connection, yields it,
//! and closes it in a `finally`; `query_data()` runs a query inside it.
//!
//! weft: a context manager made from a generator becomes an async function taking the
//! body as a closure: setup, `body(conn).await`, then the `finally` on every path, and
//! the body's result (value or error) is returned. Completed as
//! tests/seeds/python/seed004_asynccontextmanager.py is: the connection is in-process and
//! numbered, prints when it opens and closes, and answers a query on `users` after 5 ms
//! (any other table fails); `main` runs `query_data()`, then a failing query: the
//! connection is closed anyway.
//!
//! ```text
//! connection 1 opened
//! connection 1 closed
//! query_data: [{'id': 1, 'name': 'Ada'}, {'id': 2, 'name': 'Grace'}]
//! connection 2 opened
//! connection 2 closed
//! query failed: no such table: userz
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use weft::Cancelled;

#[derive(Debug)]
enum Error {
    Lookup(String),
    Cancelled(Cancelled),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Lookup(m) => f.write_str(m),
            Error::Cancelled(c) => c.fmt(f),
        }
    }
}

impl From<Cancelled> for Error {
    fn from(c: Cancelled) -> Self {
        Error::Cancelled(c)
    }
}

struct User {
    id: i64,
    name: &'static str,
}

impl Repr for User {
    fn repr(&self) -> String {
        py::dict(&[("id", &self.id), ("name", &self.name)])
    }
}

static COUNT: AtomicU32 = AtomicU32::new(0);

struct Connection {
    n: u32,
}

impl Connection {
    fn new() -> Connection {
        let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
        println!("connection {n} opened");
        Connection { n }
    }

    async fn execute(&self, sql: &str) -> Result<Vec<User>, Error> {
        weft::time::sleep(Duration::from_millis(5)).await?;
        if !sql.ends_with(" users") {
            return Err(Error::Lookup(format!("no such table: {}", sql.rsplit(' ').next().unwrap())));
        }
        Ok(vec![User { id: 1, name: "Ada" }, User { id: 2, name: "Grace" }])
    }

    async fn close(&self) -> Result<(), Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        println!("connection {} closed", self.n);
        Ok(())
    }
}

async fn create_connection() -> Result<Connection, Cancelled> {
    weft::time::sleep(Duration::from_millis(1)).await?;
    Ok(Connection::new())
}

/// Async context manager using decorator.
async fn get_connection<T, F, Fut>(body: F) -> Result<T, Error>
where
    F: FnOnce(Arc<Connection>) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    // Setup
    let conn = Arc::new(create_connection().await?);
    let result = body(conn.clone()).await; // yield conn
    // Cleanup
    conn.close().await?; // finally:
    result
}

// Usage
async fn query_data() -> Result<Vec<User>, Error> {
    get_connection(|conn| async move { conn.execute("SELECT * FROM users").await }).await
}

async fn main_() -> Result<(), Error> {
    println!("query_data: {}", query_data().await?.repr());
    match get_connection(|conn| async move { conn.execute("SELECT * FROM userz").await }).await {
        Err(Error::Lookup(e)) => println!("query failed: {e}"),
        other => drop(other?),
    }
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap_or_else(|e| panic!("{e}"));
}
