"""`shopguide demo` as a user runs it: its own process, a fresh data dir, the embedded defaults (the real
llama.cpp engine), the page served on 127.0.0.1 only, a question answered, and a clean exit on Ctrl-C
that leaves no process and no listening socket behind."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.web.events import ACTION, event_stream, is_bot_text, is_card

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

START_TIMEOUT_S = 240.0  # first run: load the encoder, ingest the demo shop, start the engine (busy 2 cores)
TURN_TIMEOUT_S = 120.0  # the tiny model writing on a busy machine; the turn budget ends it sooner


def listening_addresses(pid: int) -> set[tuple[str, int]]:
    """The (address, port) pairs that process `pid` listens on (TCP, IPv4 and IPv6), read from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = set()
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            address, port = local.split(":")
            raw = bytes.fromhex(address)
            # /proc prints each 32-bit word of the address in host (little-endian) order.
            packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.add((socket.inet_ntop(family, packed), int(port, 16)))
    return found


def descendants(pid: int) -> set[int]:
    """Processes started by `pid`, their children, and so on."""
    children: dict[int, set[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), set()).add(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.add(child)
            todo.append(child)
    return found


async def read_url(stdout: asyncio.StreamReader) -> str:
    while True:
        line = (await stdout.readline()).decode()
        if not line:
            raise AssertionError("shopguide demo ended before printing its URL")
        if match := re.search(r"open (http://127\.0\.0\.1:\d+/)", line):
            return match.group(1)


async def test_shopguide_demo_serves_answers_and_stops_cleanly_on_sigint(tmp_path):
    data_dir = tmp_path / "data"
    # The embedded defaults: no LLM endpoint or other setting from the caller's environment; a short answer.
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHOPGUIDE_")}
    env["SHOPGUIDE_ASSISTANT__ANSWER_MAX_TOKENS"] = "40"
    script = Path(sys.executable).with_name("shopguide")
    process = await asyncio.create_subprocess_exec(
        str(script),
        "demo",
        "--port",
        "0",
        "--data-dir",
        str(data_dir),
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    stderr_task = asyncio.create_task(process.stderr.read())
    try:
        url = await asyncio.wait_for(read_url(process.stdout), START_TIMEOUT_S)
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as response:
                assert response.status == 200 and "ShopGuide sandbox" in await response.text()
            async with http.get(f"{url}api/sandbox") as response:
                backend = (await response.json())["backend"]
            # The defaults start the engine but do not use its text: the header says the templates answer.
            assert backend["label"] == "checked templates from the catalog" and backend["model"] == "no model"
            assert "SmolLM2-135M" in backend["note"] and "SHOPGUIDE_ASSISTANT__EMBEDDED_MODEL" in backend["note"]

            async with event_stream(http, url, "customer") as events:
                body = {"text": "a tent for two people"}
                async with http.post(f"{url}api/chats/customer/messages", json=body, headers=ACTION) as response:
                    assert response.status == 200
                card = await events.next(is_card, timeout=TURN_TIMEOUT_S)
                answer = await events.next(is_bot_text, timeout=TURN_TIMEOUT_S)
                assert "Tent" in card["bubble"]["html"] and answer["bubble"]["html"].strip()

                listening = listening_addresses(process.pid)
                # The page, the Bot API emulator and the embedded engine, on loopback and nowhere else.
                assert len(listening) >= 3 and {address for address, _ in listening} == {"127.0.0.1"}, listening
                started = descendants(process.pid)

                # Ctrl-C with the page still connected: the event stream ends and the process exits 0.
                process.send_signal(signal.SIGINT)
                with pytest.raises(EOFError):
                    await events.next(timeout=60)
        await asyncio.wait_for(process.wait(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stderr = (await stderr_task).decode()
    assert process.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    assert not [pid for pid in started if Path(f"/proc/{pid}").exists()], "processes left behind"
    port = int(url.rsplit(":", 1)[1].strip("/"))
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    assert (data_dir / "state.sqlite3").is_file()  # the fresh data dir was created and used
