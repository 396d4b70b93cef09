"""Crash safety (issue 7, item 5): SIGKILL the server in the middle of uploads and creates, again and again.

Each round starts gunicorn, lets a few clients upload large images (a few MB,
sent in paced chunks like a real network does, so that a kill lands while a
body is still arriving or being stored) and create images, then kills the
whole server process group with SIGKILL. After every kill no stored-file
record may point to a missing file or to other bytes. Rounds alternate the
upload temp dir between the storage's filesystem (the file is renamed into
place) and another one, when the machine has one (the file is copied).
Half of the uploads that a kill cuts are sent again later (as a client would
retry them), the other half are given up. After the last kill, the leftovers
in storage must be exactly the orphans `verify_assets` reports, and
`verify_assets --fix-orphans` must remove them.

Full run (documented in docs/reliability.md):
    .venv/bin/python -m tools.reliability.crash --kills 20
"""

import math
import os
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from tools.reliability.harness import (
    Checks,
    Client,
    Report,
    Result,
    Server,
    file_sha256,
    files_under,
    free_port,
    main_of,
    manage,
    png_bytes,
    prepare_database,
    records_without_their_file,
    run_threads,
    scratch,
    server_env,
    sha256,
    sql,
)

KEY_PATTERN = re.compile(r"^images/[0-9a-f]{2}/[0-9a-f]{64}\.(jpg|png|gif|webp)$")
PACE = (64 * 1024, 0.004)  # 64 KiB every 4 ms: a 3 MB body takes about 0.25 s to arrive


# The command line, besides --seed.
OPTIONS = {
    "--kills": dict(type=int, default=20, help="How many times the server is killed (default: 20)."),
    "--clients": dict(type=int, default=4, help="Concurrent uploading clients (default: 4)."),
    "--file-mb": dict(type=float, default=3.0, help="Size of each uploaded image in MB (default: 3)."),
}


def main(argv: list[str] | None = None) -> int:
    return main_of(run, __doc__, OPTIONS, argv)


def other_filesystem_dir(than: Path) -> Path | None:
    """A fresh folder on another filesystem than `than` (tmpfs /dev/shm), if the machine has one."""
    candidate = Path("/dev/shm")
    try:
        if candidate.is_dir() and os.stat(candidate).st_dev != os.stat(than).st_dev:
            path = candidate / f"reliability-{uuid.uuid4().hex[:8]}"
            path.mkdir()
            return path
    except OSError:
        pass
    return None


class Uploads:
    """The files the clients send: each cut upload is sent again later, like a client retrying."""

    def __init__(self, seed: int, side: int):
        self.seed, self.side = seed, side
        self.lock = threading.Lock()
        self.pending: list[int] = []
        self.busy: set[int] = set()
        self.stored: dict[int, str] = {}  # seed → file key
        self.cache: dict[int, bytes] = {}
        self.next = 0
        self.abandoned = 0
        self.rng = random.Random(seed)

    def content(self, number: int) -> bytes:
        with self.lock:
            cached = self.cache.get(number)
        if cached is None:
            cached = png_bytes(self.seed * 100_000 + number, (self.side, self.side))
            with self.lock:
                self.cache[number] = cached
        return cached

    def take(self) -> int:
        with self.lock:
            free = [n for n in self.pending if n not in self.busy]
            if free:
                number = free[0]
            else:
                number, self.next = self.next, self.next + 1
                self.pending.append(number)
            self.busy.add(number)
            return number

    def done(self, number: int, result: Result) -> None:
        with self.lock:
            self.busy.discard(number)
            if result.status in (200, 201):
                self.stored[number] = result.data["file_key"]
                if number in self.pending:
                    self.pending.remove(number)
                self.cache.pop(number, None)
            elif result.status == 0 and self.rng.random() < 0.5:
                # This client gives up: whatever its upload left in storage stays an orphan.
                self.pending.remove(number)
                self.cache.pop(number, None)
                self.abandoned += 1

    def stored_keys(self) -> list[str]:
        with self.lock:
            return list(self.stored.values())


def client_loop(
    client: Client, uploads: Uploads, stop: threading.Event, body_sent: threading.Event, results: list, rng
) -> None:
    while not stop.is_set():
        keys = uploads.stored_keys()
        if keys and rng.random() < 0.3:
            body = {
                "file_key": rng.choice(keys),
                "name": f"crash {uuid.uuid4().hex[:6]}",
                "locales": [{"locale": "en"}],
            }
            results.append(client.request("create_image", "POST", "/assets/images", json_body=body))
            continue
        number = uploads.take()
        content = uploads.content(number)
        result = client.upload("upload", content, target=sha256(content), pace=PACE, on_sent=body_sent.set)
        uploads.done(number, result)
        results.append(result)


def storing_window(results: list[Result]) -> float:
    """How long the server took from a complete upload body to its answer (1.5 x the median so far)."""
    spans = sorted(r.t1 - r.sent_at for r in results if r.op == "upload" and r.status in (200, 201))
    return 1.5 * spans[len(spans) // 2] if spans else 0.1


def verify(env, *args) -> tuple[int, list[str]]:
    done = manage(env, "verify_assets", "--min-age-minutes", "0", *args)
    return done.returncode, (done.stdout + done.stderr).splitlines()


def listed(lines: list[str], prefix: str) -> set[str]:
    return {line[len(prefix) :].strip() for line in lines if line.startswith(prefix)}


def run(*, kills: int = 20, clients: int = 4, file_mb: float = 3.0, seed: int | None = None, log=print) -> Report:
    """One run; raises Unavailable when PostgreSQL cannot be reached."""
    seed = seed if seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    side = int(math.sqrt(file_mb * 1_000_000 / 3))
    log(f"crash: seed {seed}, {kills} kills, {clients} clients, uploads of {side * side * 3 / 1e6:.1f} MB")
    checks = Checks()
    figures: dict = {}
    with scratch() as (work, database_url):
        media, same_fs_temp = work / "media", work / "tmp"
        other_fs_temp = other_filesystem_dir(work)
        try:
            envs = [server_env(database_url=database_url, media_root=media, temp_dir=same_fs_temp)]
            if other_fs_temp is not None:
                envs.append({**envs[0], "FILE_UPLOAD_TEMP_DIR": str(other_fs_temp)})
            key = prepare_database(envs[0])
            port = free_port()
            uploads = Uploads(seed, side)
            results: list[Result] = []
            cut = Counter()
            broken_after_kill: list[str] = []
            for round_number in range(kills):
                env = envs[round_number % len(envs)]
                server = Server(env, work / "server.log", port=port)
                server.start()
                stop, body_sent = threading.Event(), threading.Event()
                round_results: list[Result] = []

                def loop(index: int, round_results=round_results, stop=stop, body_sent=body_sent, n=round_number):
                    thread_rng = random.Random(seed * 1000 + n * 31 + index)
                    client = Client([port], key, rng=thread_rng)
                    client_loop(client, uploads, stop, body_sent, round_results, thread_rng)

                threads = run_threads(loop, clients)
                time.sleep(rng.uniform(0.3, 1.5))
                if round_number % 2:
                    # Every other kill is aimed at the server's side of an upload: right after a
                    # body has arrived, within the time the server takes to check and store it.
                    body_sent.clear()
                    body_sent.wait(timeout=5)
                    time.sleep(rng.uniform(0, storing_window(results)))
                stop.set()
                killed_at = time.time()
                server.kill()
                for thread in threads:
                    thread.join(timeout=120)
                for r in round_results:
                    if r.status == 0 and r.t0 < killed_at:
                        phase = "body still arriving" if not r.sent else "being stored"
                        cut[f"{r.op}, {phase}" if r.op == "upload" else r.op] += 1
                results.extend(round_results)
                problems = records_without_their_file(database_url, media)
                broken_after_kill.extend(f"after kill {round_number + 1}: {p}" for p in problems)
            figures["kills done"] = f"{kills} (every other one aimed at the storing of a complete upload)"
            figures["server time from a complete upload body to its answer (median)"] = (
                f"{storing_window(results) / 1.5 * 1000:.0f} ms"
            )
            figures["requests cut by a kill"] = dict(cut)
            figures["temp dirs used"] = "same filesystem as storage" + (
                " and another (tmpfs), alternating" if other_fs_temp else " only (no other filesystem here)"
            )
            checks.add(
                "after every kill, every stored-file record has its file with the right SHA-256",
                not broken_after_kill,
                broken_after_kill[:3],
            )
            unexpected = [r for r in results if r.status and r.status not in {200, 201, 409}]
            checks.add(
                "no answer other than 200/201/409 (no 5xx)",
                not unexpected,
                [f"{r.op} {r.status} {r.body}" for r in unexpected[:3]],
            )

            # The clients retry what was cut, on a server that stays up.
            server = Server(envs[-1], work / "server.log", port=port)
            server.start()
            try:
                client = Client([port], key)
                retried = list(uploads.pending)
                retry_results = []
                for number in retried:
                    content = uploads.content(number)
                    retry_results.append(client.upload("retry_upload", content, target=sha256(content)))
                    uploads.done(number, retry_results[-1])
            finally:
                server.stop()
            results.extend(retry_results)
            failed = [r for r in retry_results if r.status not in (200, 201) or r.data["file_hash"] != r.target]
            checks.add(
                f"every cut upload sent again is stored ({len(retried)} retried)",
                not failed and not uploads.pending,
                [f"{r.status} {r.body}" for r in failed[:3]],
            )
            problems = records_without_their_file(database_url, media)
            checks.add(
                "after the retries, every record has its file with the right SHA-256", not problems, problems[:3]
            )
            images_missing = sql(
                database_url,
                "SELECT count(*) FROM assets_assetimage i LEFT JOIN assets_storedfile f ON f.id = i.file_id "
                "WHERE f.id IS NULL",
            )[0][0]
            checks.add("every image row has its stored-file record", images_missing == 0)

            records = {k for (k,) in sql(database_url, "SELECT key FROM assets_storedfile")}
            leftovers = files_under(media) - records
            stray = sorted(key for key in leftovers if not key.startswith("images/"))
            checks.add("no temporary upload file in the storage (leftovers only under images/)", not stray, stray[:3])
            figures["orphans cut short (bytes not matching their key)"] = sum(
                1 for key in leftovers if not KEY_PATTERN.match(key) or file_sha256(media / key) not in key
            )
            code, lines = verify(envs[0])
            reported = listed(lines, "orphan: ")
            wrong = listed(lines, "missing: ") | listed(lines, "wrong content: ")
            checks.add(
                "verify_assets reports exactly the leftovers as orphans, and nothing missing or wrong",
                reported == leftovers and not wrong and code == (1 if leftovers else 0),
                f"{len(leftovers)} leftovers, {len(reported)} reported"
                + ("" if reported == leftovers and not wrong else f": {sorted(leftovers ^ reported | wrong)[:3]}"),
            )
            code, lines = verify(envs[0], "--fix-orphans")
            removed = listed(lines, "orphan removed: ")
            checks.add(
                "verify_assets --fix-orphans removes exactly them",
                code == 0 and removed == leftovers and files_under(media) == records,
                f"{len(removed)} removed" + ("" if removed == leftovers else f": {sorted(removed ^ leftovers)[:3]}"),
            )
            code, lines = verify(envs[0])
            checks.add("verify_assets passes afterwards", code == 0, lines[-1:] if code else "")

            temp_left = len(files_under(same_fs_temp)) + (len(files_under(other_fs_temp)) if other_fs_temp else 0)
            figures["files stored"] = len(records)
            figures["images created"] = sum(1 for r in results if r.op == "create_image" and r.status == 201)
            figures["failed uploads given up by their client"] = uploads.abandoned
            figures["orphans found and removed"] = len(leftovers)
            figures["partial uploads left in the temp dir (outside the storage)"] = temp_left
        finally:
            if other_fs_temp is not None:
                import shutil

                shutil.rmtree(other_fs_temp, ignore_errors=True)
    title = f"crash safety: {kills} SIGKILLs of the server during uploads and creates"
    return Report(title, results, checks, figures, table_note=" (0 = cut by the kill)")


if __name__ == "__main__":
    sys.exit(main())
