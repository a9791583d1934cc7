//! Seed 003, "async def and await": `fetch_data(url)` awaits an HTTP GET,
//! `process_user(user_id)` awaits a database and then an API, and `asyncio.run(main())`
//! is the entry point that prints the result.
//!
//! weft: an `async fn` is a coroutine function (calling it makes a future, which does
//! nothing until awaited), `.await` suspends, and `weft::run` is `asyncio.run`. Every
//! weft await point returns a `Result` whose `Err` is a cancellation, which `?`
//! propagates. The HTTP server, the database and the profile API are simulated
//! in-process: each call sleeps a few milliseconds and answers.
//!
//! ```text
//! {'url': 'https://api.example.com', 'status': 'ok'}
//! {'user': {'id': 7, 'name': 'user7'}, 'profile': {'user_id': 7, 'bio': 'likes weft'}}
//! ```
use std::time::Duration;
use weft::Cancelled;

/// Fetch data from URL asynchronously (the server is simulated).
async fn fetch_data(url: &str) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_millis(5)).await?; // the request in flight
    Ok(format!("{{'url': '{url}', 'status': 'ok'}}"))
}

mod db {
    use super::*;
    pub async fn fetch_user(user_id: u32) -> Result<String, Cancelled> {
        weft::time::sleep(Duration::from_millis(3)).await?;
        Ok(format!("{{'id': {user_id}, 'name': 'user{user_id}'}}"))
    }
}

mod api {
    use super::*;
    pub async fn fetch_profile(user: &str) -> Result<String, Cancelled> {
        weft::time::sleep(Duration::from_millis(3)).await?;
        let id = user.split(',').next().unwrap().trim_start_matches("{'id': ");
        Ok(format!("{{'user_id': {id}, 'bio': 'likes weft'}}"))
    }
}

/// `await` suspends execution until each operation completes.
async fn process_user(user_id: u32) -> Result<String, Cancelled> {
    let user = db::fetch_user(user_id).await?; // Suspend here
    let profile = api::fetch_profile(&user).await?; // And here
    Ok(format!("{{'user': {user}, 'profile': {profile}}}"))
}

async fn main_() -> Result<(), Cancelled> {
    let result = fetch_data("https://api.example.com").await?;
    println!("{result}");
    println!("{}", process_user(7).await?);
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
