# Seed 002 (asyncio cheat sheet), recipe "Async subprocess and streams".
# weft example: examples/seed002_subprocess.rs
# completed: the seed runs `python3 --version`, `git --version` and `uname -s`, whose
#   output depends on the machine (its stated output, "Python 3.12.4 / git version
#   2.43.0 / Darwin", is one machine's). Replaced by commands with fixed output:
#   `echo hello from echo`, `sh -c "echo to stdout; echo to stderr >&2"` (shows
#   stderr=STDOUT merging both streams into one pipe) and `ls` of a temporary directory
#   this program creates with two files in it (the directory path is not printed).
#   run() and the gather/print loop are the seed's.
import asyncio
import os
import tempfile

async def run(*args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return out.decode().rstrip()

async def main():
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("b.txt", "a.txt"):
            open(os.path.join(tmp, name), "w").close()
        versions = await asyncio.gather(
            run("echo", "hello from echo"),
            run("sh", "-c", "echo to stdout; echo to stderr >&2"),
            run("ls", tmp),
        )
    for v in versions:
        print(v)

asyncio.run(main())
