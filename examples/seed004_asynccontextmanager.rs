//! Seed 004, "asynccontextmanager": `get_connection()` is an `@asynccontextmanager` that
//! creates a connection, yields it, and closes it in `finally`; `query_data()` runs a
//! SELECT through it.
//!
//! weft: a generator-based context manager becomes an async function that takes the
//! body as a closure: setup, `body(conn).await` (the `yield`), then the `finally`
//! cleanup, awaited, whatever the body returned. The connection is `Arc`-shared with
//! the body so the body's future can be `'static`. The database is simulated; the
//! second query fails, and the connection is closed all the same.
//!
//! ```text
//! connection 1 opened
//! connection 1 closed
//! query_data: [{'id': 1, 'name': 'Ada'}, {'id': 2, 'name': 'Grace'}]
//! connection 2 opened
//! connection 2 closed
//! query_data: error: no such table: userz
//! ```
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

static NEXT_ID: AtomicU32 = AtomicU32::new(1);

struct Connection {
    id: u32,
}

async fn create_connection() -> Connection {
    let _ = weft::time::sleep(Duration::from_millis(1)).await;
    let id = NEXT_ID.fetch_add(1, Ordering::SeqCst);
    println!("connection {id} opened");
    Connection { id }
}

impl Connection {
    async fn execute(&self, sql: &str) -> Result<String, String> {
        weft::time::sleep(Duration::from_millis(2)).await.map_err(|c| c.to_string())?;
        match sql {
            "SELECT * FROM users" => Ok("[{'id': 1, 'name': 'Ada'}, {'id': 2, 'name': 'Grace'}]".into()),
            _ => Err(format!("no such table: {}", sql.rsplit(' ').next().unwrap())),
        }
    }
    async fn close(&self) {
        let _ = weft::time::sleep(Duration::from_millis(1)).await;
        println!("connection {} closed", self.id);
    }
}

/// `@asynccontextmanager async def get_connection()`.
async fn get_connection<T, Fut>(body: impl FnOnce(Arc<Connection>) -> Fut) -> T
where
    Fut: Future<Output = T>,
{
    let conn = Arc::new(create_connection().await); // Setup
    let out = body(conn.clone()).await; // try: yield conn
    conn.close().await; // finally: Cleanup
    out
}

async fn query_data(sql: &'static str) -> Result<String, String> {
    get_connection(|conn| async move { conn.execute(sql).await }).await
}

fn main() {
    weft::run(async {
        for sql in ["SELECT * FROM users", "SELECT * FROM userz"] {
            match query_data(sql).await {
                Ok(rows) => println!("query_data: {rows}"),
                Err(e) => println!("query_data: error: {e}"),
            }
        }
    });
}
