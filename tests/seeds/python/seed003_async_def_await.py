# Seed 003 (Python Async/Await Patterns), recipe "async def and await".
# weft example: examples/seed003_async_def_await.rs
# completed: aiohttp is not installed and the recipe must not use the internet:
#   `aiohttp` is the stand-in from _http_stub.py, which sends every request over
#   HTTP/1.1 to a local server this program starts on 127.0.0.1 (http.server in a
#   thread), whatever the URL's host; it answers GET https://api.example.com with
#   {"url": "https://api.example.com", "status": "ok"}.
# completed: `db` and `api` (used by process_user) are not defined by the seed:
#   in-process stand-ins that sleep 0.01 s and return {'id': 7, 'name': 'user7'} and
#   {'user_id': 7, 'bio': 'likes weft'}.
# completed: main() is the seed's, plus one added line that prints process_user(7)
#   (the seed defines process_user but never calls it).
import asyncio
import types
from _http_stub import aiohttp, start_server

# Coroutine function (must await to execute)
async def fetch_data(url: str) -> dict:
    """Fetch data from URL asynchronously."""
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.json()

async def _fetch_user(user_id):
    await asyncio.sleep(0.01)
    return {"id": user_id, "name": f"user{user_id}"}

async def _fetch_profile(user):
    await asyncio.sleep(0.01)
    return {"user_id": user["id"], "bio": "likes weft"}

db = types.SimpleNamespace(fetch_user=_fetch_user)
api = types.SimpleNamespace(fetch_profile=_fetch_profile)

# await suspends execution until operation completes
async def process_user(user_id: int) -> dict:
    user = await db.fetch_user(user_id)      # Suspend here
    profile = await api.fetch_profile(user)  # And here
    return {"user": user, "profile": profile}

# Running async code (entry point)
import asyncio

async def main():
    result = await fetch_data("https://api.example.com")
    print(result)
    print(await process_user(7))

start_server(lambda method, host, path, body:
             (200, {"url": f"https://{host}" + ("" if path == "/" else path), "status": "ok"}))
asyncio.run(main())  # Python 3.7+
