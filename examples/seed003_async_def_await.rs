//! Seed 003, "async def and await": `fetch_data(url)` awaits an HTTP GET through an
//! aiohttp session; `process_user(user_id)` awaits a database, then an API; and
//! `asyncio.run(main())` is the entry point that prints the result.
//!
//! weft: an `async fn` is a coroutine function (calling it makes a future, which does
//! nothing until awaited), `.await` suspends, and [`weft::run`] is `asyncio.run`. Every
//! weft await point returns a `Result` whose `Err` is a cancellation, which `?`
//! propagates. Completed as tests/seeds/python/seed003_async_def_await.py is: the GET
//! goes through the aiohttp stand-in of `examples/support/http.rs` (weft's sockets) to
//! a local HTTP/1.1 server the program starts, whatever host the URL names; `db` and
//! `api` are in-process (10 ms each); `main` also prints `process_user(7)`.
//!
//! ```text
//! {'url': 'https://api.example.com', 'status': 'ok'}
//! {'user': {'id': 7, 'name': 'user7'}, 'profile': {'user_id': 7, 'bio': 'likes weft'}}
//! ```
//!
//! Real clock: the local HTTP server answers from a thread of its own
//! (`examples/support/http.rs`), and a paused clock does not wait for a reply in flight (it
//! would fire the client's timeout first), so `tests/seed_examples.rs` runs this one in
//! real time. Its output does not depend on timing.
#[path = "support/http.rs"]
mod http;
#[path = "support/json.rs"]
mod json;
#[path = "support/py.rs"]
mod py;

use http::aiohttp::{ClientError, ClientSession};
use http::{Reply, start_server};
use json::Value;
use std::time::Duration;
use weft::Cancelled;

/// Fetch data from URL asynchronously.
async fn fetch_data(url: &str) -> Result<Value, ClientError> {
    let session = ClientSession::new(); // async with aiohttp.ClientSession() as session:
    let response = session.get(url).await; // async with session.get(url) as response:
    let data = match response {
        Ok(response) => response.json().await,
        Err(e) => Err(e),
    };
    session.close().await;
    data
}

struct User {
    id: i64,
    name: String,
}

struct Profile {
    user_id: i64,
    bio: &'static str,
}

mod db {
    use super::*;
    pub async fn fetch_user(user_id: i64) -> Result<User, Cancelled> {
        weft::time::sleep(Duration::from_millis(10)).await?;
        Ok(User { id: user_id, name: format!("user{user_id}") })
    }
}

mod api {
    use super::*;
    pub async fn fetch_profile(user: &User) -> Result<Profile, Cancelled> {
        weft::time::sleep(Duration::from_millis(10)).await?;
        Ok(Profile { user_id: user.id, bio: "likes weft" })
    }
}

/// `await` suspends execution until each operation completes.
async fn process_user(user_id: i64) -> Result<String, Cancelled> {
    let user = db::fetch_user(user_id).await?; // Suspend here
    let profile = api::fetch_profile(&user).await?; // And here
    let user = py::dict(&[("id", &user.id), ("name", &user.name)]);
    let profile = py::dict(&[("user_id", &profile.user_id), ("bio", &profile.bio)]);
    Ok(format!("{{'user': {user}, 'profile': {profile}}}"))
}

async fn main_() -> Result<(), ClientError> {
    let result = fetch_data("https://api.example.com").await?;
    println!("{}", result.repr());
    println!("{}", process_user(7).await?);
    Ok(())
}

fn main() {
    start_server(|req| {
        let path = if req.path == "/" { "" } else { req.path.as_str() };
        let url = format!("https://{}{path}", req.host);
        Reply::json(200, Value::object([("url", url.into()), ("status", "ok".into())]))
    });
    weft::run(main_()).unwrap();
}
