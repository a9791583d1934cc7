//! Seed 002, "asyncpg example": connect to PostgreSQL, fetch three users, print each
//! row as a dict, close.
//!
//! There is no PostgreSQL here: as in tests/seeds/python/seed002_asyncpg.py, `asyncpg`
//! is an in-process stand-in (`connect` sleeps 10 ms and returns a connection whose
//! `fetch` sleeps 10 ms and returns the first `LIMIT` rows of a fixed users table;
//! `close` sleeps 1 ms). `main` is the seed's.
//!
//! ```text
//! {'id': 1, 'name': 'Alice'}
//! {'id': 2, 'name': 'Bob'}
//! {'id': 3, 'name': 'Carol'}
//! ```
#[path = "support/py.rs"]
mod py;

use std::time::Duration;
use weft::Cancelled;

mod asyncpg {
    use super::*;

    const USERS: [(i64, &str); 4] = [(1, "Alice"), (2, "Bob"), (3, "Carol"), (4, "Dave")];

    /// One row: a record that prints as a dict.
    pub struct Record {
        pub id: i64,
        pub name: &'static str,
    }

    impl py::Repr for Record {
        fn repr(&self) -> String {
            py::dict(&[("id", &self.id), ("name", &self.name)])
        }
    }

    pub struct Connection;

    pub async fn connect(_dsn: &str) -> Result<Connection, Cancelled> {
        weft::time::sleep(Duration::from_millis(10)).await?;
        Ok(Connection)
    }

    impl Connection {
        pub async fn fetch(&self, sql: &str) -> Result<Vec<Record>, Cancelled> {
            weft::time::sleep(Duration::from_millis(10)).await?;
            let limit = sql.split("LIMIT ").nth(1).and_then(|n| n.trim().parse().ok()).unwrap_or(USERS.len());
            Ok(USERS.iter().take(limit).map(|&(id, name)| Record { id, name }).collect())
        }

        pub async fn close(self) -> Result<(), Cancelled> {
            weft::time::sleep(Duration::from_millis(1)).await
        }
    }
}

async fn main_() -> Result<(), Cancelled> {
    let conn = asyncpg::connect("postgresql://alice@localhost/mydb").await?;
    let rows = conn.fetch("SELECT id, name FROM users LIMIT 3").await?;
    for row in rows {
        println!("{}", py::repr(&row));
    }
    conn.close().await
}

fn main() {
    weft::run(main_()).unwrap();
}
