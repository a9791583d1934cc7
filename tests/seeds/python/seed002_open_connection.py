# Seed 002 (asyncio cheat sheet), recipe "Streaming TCP with asyncio.open_connection".
# weft example: examples/seed002_open_connection.rs
# completed: no network: main() first starts a tiny HTTP/1.0 server on 127.0.0.1 (an
#   ephemeral port, asyncio.start_server in the same loop) that answers one request
#   with "HTTP/1.0 200 OK", a small HTML body, and closes; fetch_http() takes the port
#   as an extra parameter (the seed hard-codes 80) and connects to 127.0.0.1 instead
#   of example.com. Its steps are otherwise the seed's.
import asyncio

async def fetch_http(host: str, port: int, path: str) -> str:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    body = await reader.read()
    writer.close()
    await writer.wait_closed()
    return body.decode(errors="replace")

async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
    await reader.readuntil(b"\r\n\r\n")
    body = b"<html>hello</html>"
    writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n"
                 + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    await writer.drain()
    writer.close()
    await writer.wait_closed()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        response = await fetch_http("127.0.0.1", port, "/")
        print(response.splitlines()[0])

asyncio.run(main())
