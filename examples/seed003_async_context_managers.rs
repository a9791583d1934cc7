//! Seed 003, "Async Context Managers": `fetch_users` uses `async with` for a session and
//! a response; `async_transaction` is an `@asynccontextmanager` that opens a
//! connection, begins a transaction, yields the connection, commits (or rolls back on
//! an exception and re-raises), and always closes the connection; `update_user` runs an
//! UPDATE inside it.
//!
//! weft: Rust has no async `__aexit__` (a destructor cannot await), so an async context
//! manager is an async function that takes the body as a closure: it runs the setup,
//! awaits the body with the resource, then awaits the teardown that fits the body's
//! outcome. A cancellation is an `Err` like any other, so a body cancelled mid-way (here
//! by a deadline) is rolled back too, and the rollback may await. The session, the
//! server and the database are simulated in-process.
//!
//! ```text
//! session closed
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
//! ROLLBACK
//! connection closed
//! update_user(2) under a 20ms deadline: deadline exceeded
//! ```
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use weft::{Cancelled, TimeoutError, timeout};

#[derive(Debug)]
enum DbError {
    Invalid(String),
    Cancelled(Cancelled),
    TimedOut(TimeoutError),
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Invalid(m) => f.write_str(m),
            DbError::Cancelled(c) => c.fmt(f),
            DbError::TimedOut(t) => t.fmt(f),
        }
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DbError::Cancelled(c) => Some(c),
            _ => None,
        }
    }
}

impl From<Cancelled> for DbError {
    fn from(c: Cancelled) -> Self {
        DbError::Cancelled(c)
    }
}

impl From<TimeoutError> for DbError {
    fn from(t: TimeoutError) -> Self {
        DbError::TimedOut(t)
    }
}

// --- an HTTP session, simulated ---------------------------------------------------

struct Session;

impl Session {
    async fn get_json(&self, _url: &str) -> Result<String, Cancelled> {
        weft::time::sleep(Duration::from_millis(3)).await?;
        Ok("[{'id': 1}, {'id': 2}]".into())
    }
    async fn close(self) {
        println!("session closed");
    }
}

/// `async with aiohttp.ClientSession() as session:` — the session is closed after the
/// body, whatever it returned.
async fn with_session<T, Fut>(body: impl FnOnce(Arc<Session>) -> Fut) -> T
where
    Fut: Future<Output = T>,
{
    let session = Arc::new(Session);
    let out = body(session.clone()).await;
    Arc::into_inner(session).expect("the body let go of the session").close().await;
    out
}

async fn fetch_users() -> Result<String, Cancelled> {
    with_session(|session| async move { session.get_json("https://api.example.com").await }).await
}

// --- a database connection, simulated ---------------------------------------------

struct Connection;

impl Connection {
    async fn begin(&self) -> Result<(), Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        println!("BEGIN");
        Ok(())
    }
    async fn execute(&self, sql: &str, data: &str, id: i64) -> Result<(), DbError> {
        if id < 0 {
            return Err(DbError::Invalid(format!("invalid user id {id}")));
        }
        let slow = if id == 2 { 1000 } else { 2 }; // user 2's row is locked elsewhere
        weft::time::sleep(Duration::from_millis(slow)).await?;
        println!("{}", sql.replace("$1", data).replace("$2", &id.to_string()));
        Ok(())
    }
    async fn commit(&self) -> Result<(), Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        println!("COMMIT");
        Ok(())
    }
    async fn rollback(&self) {
        // Runs while the body's cancellation propagates: a delivered cancellation does
        // not repeat, so this await completes.
        let _ = weft::time::sleep(Duration::from_millis(1)).await;
        println!("ROLLBACK");
    }
    async fn close(&self) {
        let _ = weft::time::sleep(Duration::from_millis(1)).await;
        println!("connection closed");
    }
}

async fn get_connection() -> Result<Connection, Cancelled> {
    weft::time::sleep(Duration::from_millis(1)).await?;
    println!("connection opened");
    Ok(Connection)
}

/// `@asynccontextmanager async def async_transaction()`.
async fn async_transaction<T, Fut>(body: impl FnOnce(Arc<Connection>) -> Fut) -> Result<T, DbError>
where
    Fut: Future<Output = Result<T, DbError>>,
{
    let conn = Arc::new(get_connection().await?);
    let result = async {
        conn.begin().await?;
        match body(conn.clone()).await {
            // yield conn; await tx.commit()
            Ok(v) => {
                conn.commit().await?;
                Ok(v)
            }
            // except Exception: await tx.rollback(); raise
            Err(e) => {
                conn.rollback().await;
                Err(e)
            }
        }
    }
    .await;
    conn.close().await; // finally
    result
}

/// Update user in transaction.
async fn update_user(user_id: i64, data: &'static str) -> Result<(), DbError> {
    async_transaction(|conn| async move {
        conn.execute("UPDATE users SET data = $1 WHERE id = $2", data, user_id).await
    })
    .await
}

fn main() {
    weft::run(async {
        println!("fetch_users: {}", fetch_users().await.unwrap());
        match update_user(1, "{'name': 'Ada'}").await {
            Ok(()) => println!("update_user(1): ok"),
            Err(e) => println!("update_user(1): {e}"),
        }
        match update_user(-1, "{'name': 'Bob'}").await {
            Ok(()) => println!("update_user(-1): ok"),
            Err(e) => println!("update_user(-1): {e}"),
        }
        match timeout(Duration::from_millis(20), update_user(2, "{'name': 'Cy'}")).await {
            Ok(()) => println!("update_user(2) under a 20ms deadline: ok"),
            Err(e) => println!("update_user(2) under a 20ms deadline: {e}"),
        }
    });
}
