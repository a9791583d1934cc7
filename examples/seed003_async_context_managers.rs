//! Seed 003, "Async Context Managers": `fetch_users` uses aiohttp's session and response
//! as async context managers; `async_transaction` is an `@asynccontextmanager` that
//! opens a connection and a transaction, yields the connection, commits, rolls back on
//! an `Exception` (and re-raises), and always closes the connection; `update_user` runs
//! an UPDATE inside it.
//!
//! weft: Rust has no `async with`; a context manager made from a generator becomes an
//! async function taking the body as a closure: setup, `body(conn).await`, then the
//! exits on every path. `except Exception:` does not catch a cancellation in Python
//! (`CancelledError` is a `BaseException`), and the port keeps that with
//! [`weft::is_cancellation`]: a transaction cut short by a timeout is **not rolled back**,
//! only closed, as in CPython. (Matching every `Err` would roll it back too.) Completed as
//! tests/seeds/python/seed003_async_context_managers.py is: `fetch_users` goes through
//! the aiohttp stand-in of `examples/support/http.rs` (weft's sockets) to a local
//! HTTP/1.1 server the program starts; the connection is in-process and prints what it
//! does (a negative id is refused; id 2's statement takes 3 s); `main` fetches, updates
//! user 1, user -1 (rolled back) and user 2 under a 0.3 s [`weft::timeout`].
//!
//! ```text
//! fetch_users: [{'id': 1}, {'id': 2}]
//! connection opened
//! BEGIN
//! UPDATE users SET data = {'name': 'Ada'} WHERE id = 1
//! COMMIT
//! connection closed
//! update_user(1): ok
//! connection opened
//! BEGIN
//! ROLLBACK
//! connection closed
//! update_user(-1): invalid user id -1
//! connection opened
//! BEGIN
//! connection closed
//! update_user(2) under a 300ms timeout: TimeoutError
//! ```
//!
//! Real clock: the local HTTP server answers from a thread of its own
//! (`examples/support/http.rs`), and a paused clock does not wait for a reply in flight (it
//! would fire the client's timeout first), so `tests/seed_examples.rs` runs this one in
//! real time. The margins: the timed-out update takes 3 s against the 0.3 s timeout, the
//! others 1 ms steps.
#[path = "support/http.rs"]
mod http;
#[path = "support/json.rs"]
mod json;
#[path = "support/py.rs"]
mod py;

use http::aiohttp::{ClientError, ClientSession};
use http::{Reply, start_server};
use json::Value;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use weft::{Cancelled, TimeoutError};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Fetch users using async context manager.
async fn fetch_users() -> Result<Value, ClientError> {
    let session = ClientSession::new(); // async with aiohttp.ClientSession() as session:
    let users = match session.get("https://api.example.com").await {
        Ok(response) => response.json().await, // async with session.get(...) as response:
        Err(e) => Err(e),
    };
    session.close().await;
    users
}

#[derive(Debug)]
struct ValueError(String);

impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

struct Tx;

impl Tx {
    async fn commit(&self) -> Result<(), Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        println!("COMMIT");
        Ok(())
    }

    async fn rollback(&self) -> Result<(), Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        println!("ROLLBACK");
        Ok(())
    }
}

/// A user's data, `{'name': ...}`.
struct Data(&'static str);

impl py::Repr for Data {
    fn repr(&self) -> String {
        py::dict(&[("name", &self.0)])
    }
}

struct Conn;

impl Conn {
    async fn begin(&self) -> Result<Tx, Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        println!("BEGIN");
        Ok(Tx)
    }

    async fn execute(&self, sql: &str, data: &Data, user_id: i64) -> Result<(), Error> {
        let took = if user_id == 2 { Duration::from_secs(3) } else { Duration::from_millis(1) };
        weft::time::sleep(took).await?;
        if user_id < 0 {
            return Err(ValueError(format!("invalid user id {user_id}")).into());
        }
        println!("{}", sql.replace("$1", &py::repr(data)).replace("$2", &py::repr(&user_id)));
        Ok(())
    }

    async fn close(&self) -> Result<(), Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        println!("connection closed");
        Ok(())
    }
}

async fn get_connection() -> Result<Conn, Cancelled> {
    weft::time::sleep(Duration::from_millis(1)).await?;
    println!("connection opened");
    Ok(Conn)
}

/// Async transaction context manager.
async fn async_transaction<T, F, Fut>(body: F) -> Result<T, Error>
where
    F: FnOnce(Arc<Conn>) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let conn = Arc::new(get_connection().await?);
    let tx = conn.begin().await?;
    // try: yield conn; await tx.commit()
    let result = match body(conn.clone()).await {
        Ok(value) => tx.commit().await.map(|()| value).map_err(Error::from),
        Err(e) => Err(e),
    };
    let result = match result {
        // except Exception: (a cancellation is not an Exception)
        Err(e) if !weft::is_cancellation(&*e) => {
            tx.rollback().await?;
            Err(e) // raise
        }
        other => other,
    };
    conn.close().await?; // finally:
    result
}

/// Update user in transaction.
async fn update_user(user_id: i64, data: Data) -> Result<(), Error> {
    async_transaction(|conn| async move {
        conn.execute("UPDATE users SET data = $1 WHERE id = $2", &data, user_id).await
    })
    .await
}

async fn main_() -> Result<(), Error> {
    println!("fetch_users: {}", fetch_users().await?.repr());
    update_user(1, Data("Ada")).await?;
    println!("update_user(1): ok");
    match update_user(-1, Data("Nobody")).await {
        Err(e) if e.is::<ValueError>() => println!("update_user(-1): {e}"),
        other => other?,
    }
    match weft::timeout(Duration::from_millis(300), update_user(2, Data("Grace"))).await {
        Err(e) if e.is::<TimeoutError>() => println!("update_user(2) under a 300ms timeout: TimeoutError"),
        other => other?,
    }
    Ok(())
}

fn main() {
    start_server(|_| {
        Reply::json(
            200,
            Value::List(vec![Value::object([("id", Value::Int(1))]), Value::object([("id", Value::Int(2))])]),
        )
    });
    weft::run(main_()).unwrap();
}
