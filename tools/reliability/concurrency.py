"""Concurrency on PostgreSQL (issue 7, item 4): two gunicorn servers, one database, one storage.

Clients create, delete and restore images over a few files, re-upload those
files and upload a few new ones at the same time, and create, replace (over
expired ones), read and delete references over a few refs. Afterwards the
invariants are checked against the database, the storage and every response.

Full run (documented in docs/reliability.md):
    .venv/bin/python -m tools.reliability.concurrency --seconds 30 --clients 16
"""

import random
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict

from tools.reliability.harness import (
    Checks,
    Client,
    Report,
    Result,
    Server,
    files_under,
    main_of,
    now_iso,
    parse_iso,
    png_bytes,
    prepare_database,
    records_without_their_file,
    ref_path,
    run_threads,
    scratch,
    server_env,
    sha256,
    sql,
)

LOCALES = ["en", "fr", "de", "pt-BR"]
# Expected answers per operation; anything else is a failure of the run.
ALLOWED = {
    "create_image": {201, 409},
    "delete_image": {204, 404},
    "restore_image": {200, 409},
    "get_image": {200},
    "list_images": {200},
    "upload_known": {200},
    "upload_new": {200, 201},
    "create_ref": {201, 409},
    "get_ref": {200, 404},
    "delete_ref": {204, 404},
    "lookup_refs": {200},
}
WEIGHTS = {
    "create_image": 18,
    "delete_image": 16,
    "restore_image": 16,
    "get_image": 6,
    "list_images": 3,
    "upload_known": 3,
    "upload_new": 2,
    "create_ref": 22,
    "get_ref": 6,
    "delete_ref": 4,
    "lookup_refs": 4,
}
# Timestamps travel with microseconds; a millisecond covers rounding only, never ordering.
EPSILON = 0.002


# The command line, besides --seed.
OPTIONS = {
    "--seconds": dict(type=float, default=30, help="How long the clients run (default: 30)."),
    "--clients": dict(type=int, default=16, help="Concurrent clients (default: 16)."),
}


def main(argv: list[str] | None = None) -> int:
    return main_of(run, __doc__, OPTIONS, argv)


class Workload:
    """What the clients share: the files, the image ids seen so far, the refs."""

    def __init__(self, *, client: Client, known: dict[str, bytes], new: list[bytes], refs: list[str]):
        self.client, self.known, self.new, self.refs = client, known, new, refs
        self.known_keys = list(known)
        self.image_ids: list[str] = []
        self.lock = threading.Lock()

    def pick_image(self, rng: random.Random) -> str | None:
        with self.lock:
            if not self.image_ids:
                return None
            # Half the time one of the newest: those are the likely live ones, where the races are.
            return rng.choice(self.image_ids[-8:] if rng.random() < 0.5 else self.image_ids)

    def create_image(self, c: Client, rng: random.Random) -> Result:
        key = rng.choice(self.known_keys)
        locales = [
            {"locale": code, "credit": f"credit {code}", "caption_html": f"<p>{code} <script>x()</script></p>"}
            for code in rng.sample(LOCALES, rng.randint(0, 2))
        ]
        body = {"file_key": key, "name": f"image {uuid.uuid4().hex[:8]}", "locales": locales}
        result = c.request("create_image", "POST", "/assets/images", json_body=body, target=key)
        if result.status == 201:
            result.extra["image_id"] = result.data["id"]
            with self.lock:
                self.image_ids.append(result.data["id"])
        elif result.status == 409:
            result.extra["existing_id"] = (result.body.get("details") or {}).get("existing_id")
        return result

    def on_an_image(self, c: Client, rng: random.Random, op: str, method: str, path: str) -> Result:
        """`op` on one of the images seen so far (`{id}` in `path`), or a create while there is none yet."""
        image_id = self.pick_image(rng)
        if image_id is None:
            return self.create_image(c, rng)
        return c.request(op, method, path.format(id=image_id), target=image_id)

    def delete_image(self, c: Client, rng: random.Random) -> Result:
        return self.on_an_image(c, rng, "delete_image", "DELETE", "/assets/images/{id}")

    def restore_image(self, c: Client, rng: random.Random) -> Result:
        result = self.on_an_image(c, rng, "restore_image", "POST", "/assets/images/{id}/restore")
        if result.op == "restore_image" and result.status == 409:
            result.extra["existing_id"] = (result.body.get("details") or {}).get("existing_id")
        return result

    def get_image(self, c: Client, rng: random.Random) -> Result:
        return self.on_an_image(c, rng, "get_image", "GET", "/assets/images/by-id/{id}?include_deleted=true")

    def list_images(self, c: Client, rng: random.Random) -> Result:
        return c.request("list_images", "GET", f"/assets/images?limit={rng.randint(1, 20)}&include_deleted=true")

    def upload_known(self, c: Client, rng: random.Random) -> Result:
        key = rng.choice(self.known_keys)
        result = c.upload("upload_known", self.known[key], target=key)
        result.extra["sha256"] = sha256(self.known[key])
        return result

    def upload_new(self, c: Client, rng: random.Random) -> Result:
        content = rng.choice(self.new)
        digest = sha256(content)
        result = c.upload("upload_new", content, target=digest)
        result.extra["sha256"] = digest
        return result

    def create_ref(self, c: Client, rng: random.Random) -> Result:
        ref = rng.choice(self.refs)
        provider, external_id = ref.split(":", 1)
        # Short lives, so that creates over expired references happen all the time.
        expires = now_iso(rng.uniform(0.05, 1.2))
        body = {"provider": provider, "id": external_id, "urn": f"urn:rel:n:{uuid.uuid4()}", "expires_at": expires}
        result = c.request("create_ref", "POST", "/references", json_body=body, target=ref)
        result.extra.update(urn=body["urn"], expires=parse_iso(expires))
        return result

    def get_ref(self, c: Client, rng: random.Random) -> Result:
        ref = rng.choice(self.refs)
        return c.request("get_ref", "GET", ref_path(ref), target=ref)

    def delete_ref(self, c: Client, rng: random.Random) -> Result:
        ref = rng.choice(self.refs)
        return c.request("delete_ref", "DELETE", ref_path(ref), target=ref)

    def lookup_refs(self, c: Client, rng: random.Random) -> Result:
        return c.request("lookup_refs", "POST", "/references/lookup", json_body={"refs": self.refs})


def frontier(events: list[Result]) -> list[Result]:
    """The events that no other event strictly follows: any of them may have been applied last."""
    latest_start = max(event.t0 for event in events)
    return [event for event in events if event.t1 >= latest_start]


def check_statuses(results: list[Result], checks: Checks) -> None:
    server_errors = [r for r in results if r.status >= 500]
    checks.add("zero 5xx", not server_errors, f"{len(server_errors)} 5xx" if server_errors else "")
    failed = [r for r in results if r.status == 0]
    checks.add(
        "zero failed connections",
        not failed,
        "; ".join(sorted({r.error for r in failed}))[:300] if failed else "",
    )
    unexpected = [r for r in results if r.status and r.status not in ALLOWED[r.op]]
    sample = "; ".join(f"{r.op} {r.status} {r.body}" for r in unexpected[:3])
    checks.add("every status is one the contract allows for the operation", not unexpected, sample)


def check_images(results: list[Result], final_api: dict[str, Result], database_url: str, checks: Checks) -> dict:
    rows = sql(
        database_url,
        "SELECT i.id::text, f.key, i.deleted_at FROM assets_assetimage i JOIN assets_storedfile f ON f.id = i.file_id",
    )
    images = {image_id: (key, deleted_at) for image_id, key, deleted_at in rows}
    live_per_file = Counter(key for key, deleted_at in images.values() if deleted_at is None)
    doubles = {key: n for key, n in live_per_file.items() if n > 1}
    checks.add("at most one live image per file", not doubles, str(doubles) if doubles else "")

    orphans = sql(
        database_url,
        "SELECT count(*) FROM assets_assetimagelocale l LEFT JOIN assets_assetimage i ON i.id = l.image_id "
        "WHERE i.id IS NULL",
    )[0][0]
    checks.add("no locale without its image", orphans == 0, f"{orphans} orphan locale rows" if orphans else "")

    db_locales = defaultdict(set)
    for image_id, code in sql(database_url, "SELECT image_id::text, locale FROM assets_assetimagelocale"):
        db_locales[image_id].add(code)

    created = [r for r in results if r.op == "create_image" and r.status == 201]
    events = defaultdict(list)  # image id → successful state changes (create/restore: live, delete: deleted)
    for r in created:
        events[r.extra["image_id"]].append(r)
    for r in results:
        if (r.op == "delete_image" and r.status == 204) or (r.op == "restore_image" and r.status == 200):
            events[r.target].append(r)

    problems = []
    for r in created:
        image_id = r.extra["image_id"]
        if image_id not in images:
            problems.append(f"created image {image_id} is not in the database")
        elif {loc["locale"] for loc in r.data["locales"]} != db_locales[image_id]:
            problems.append(f"image {image_id}: locales answered at create differ from the stored ones")
        elif r.data["file_key"] != r.target:
            problems.append(f"image {image_id}: created for {r.target} but answers {r.data['file_key']}")
    unknown = set(images) - {r.extra["image_id"] for r in created}
    if unknown:
        problems.append(f"{len(unknown)} images in the database that no 201 announced")
    checks.add("every 201 create is stored as answered (file, locales), and nothing else", not problems, problems[:3])

    problems = []
    for image_id, image_events in events.items():
        if image_id not in images:
            continue
        deleted_at = images[image_id][1]
        last = frontier(image_events)
        if deleted_at is None:
            ok = any(e.op != "delete_image" for e in last)
        else:
            stamp = deleted_at.timestamp()
            ok = any(e.op == "delete_image" and e.t0 - EPSILON <= stamp <= e.t1 + EPSILON for e in last)
        if not ok:
            state = "live" if deleted_at is None else f"deleted at {deleted_at.isoformat()}"
            problems.append(f"{image_id} ends {state}, but its last answers were {[(e.op, e.status) for e in last]}")
    checks.add(
        "each image's final deleted_at agrees with its last successful create/delete/restore",
        not problems,
        "; ".join(problems[:3]),
    )

    problems = []
    for image_id, r in final_api.items():
        if r.status != 200 or image_id not in images:
            problems.append(f"{image_id}: GET answered {r.status}, in the database: {image_id in images}")
            continue
        deleted_at = images[image_id][1]
        answered = parse_iso(r.data["deleted_at"])
        if (answered is None) != (deleted_at is None) or (
            answered is not None and abs(answered - deleted_at.timestamp()) > 1e-5
        ):
            problems.append(f"{image_id}: GET says deleted_at {r.data['deleted_at']}, database {deleted_at}")
        if {loc["locale"] for loc in r.data["locales"]} != db_locales[image_id]:
            problems.append(f"{image_id}: GET locales differ from the database")
    checks.add("GET by id after the run agrees with the database for every image", not problems, problems[:3])

    problems = []
    conflicts = [r for r in results if r.status == 409 and r.op in {"create_image", "restore_image"}]
    without_id = 0
    for r in conflicts:
        existing = r.extra.get("existing_id")
        file_key = r.target if r.op == "create_image" else images.get(r.target, ("?", None))[0]
        if existing is None:
            without_id += 1  # the live image was deleted between the refusal and the look-up of its id
        elif existing not in images or images[existing][0] != file_key or existing == r.target:
            problems.append(f"{r.op} {r.target}: 409 names {existing}, not another image of {file_key}")
    checks.add("every image 409 names another image of the same file", not problems, problems[:3])
    return {
        "images created": len(created),
        "images live at the end": sum(1 for _, d in images.values() if d is None),
        "image 409s (create, restore)": len(conflicts),
        "image 409s whose live image was gone before its id was read": without_id,
    }


def check_references(results: list[Result], database_url: str, refs: list[str], checks: Checks) -> dict:
    rows = sql(database_url, "SELECT provider, external_id, urn, expires_at FROM references_reference")
    final = {f"{p}:{e}": (urn, expires.timestamp() if expires else None) for p, e, urn, expires in rows}
    by_ref = defaultdict(list)
    for r in results:
        if r.op in {"create_ref", "delete_ref", "get_ref"}:
            by_ref[r.target].append(r)
    replacements = 0
    problems, order_problems, conflict_problems, read_problems = [], [], [], []
    urns = {}
    for r in results:
        if r.op == "create_ref" and r.status == 201:
            urns[r.extra["urn"]] = r
    for ref in refs:
        creates = sorted((r for r in by_ref[ref] if r.op == "create_ref" and r.status == 201), key=lambda r: r.t0)
        deletes = [r for r in by_ref[ref] if r.op == "delete_ref" and r.status == 204]
        events = creates + deletes
        row = final.get(ref)
        if not events:
            if row is not None:
                problems.append(f"{ref}: stored but never created")
            continue
        last = frontier(events)
        if row is None:
            ok = any(e.op == "delete_ref" for e in last)
        else:
            ok = any(
                e.op == "create_ref" and e.extra["urn"] == row[0] and abs(e.extra["expires"] - row[1]) < 1e-5
                for e in last
            )
        if not ok:
            problems.append(f"{ref}: final {row} is not the effect of a last 201/204 {[e.op for e in last]}")
        for i, a in enumerate(creates):
            for b in creates[i + 1 :]:
                if a.t1 >= b.t0:
                    continue  # overlapping: either order is possible
                if any(d.t1 > a.t0 and d.t0 < b.t1 for d in deletes):
                    continue  # a delete may have come in between
                if b.t1 < a.extra["expires"] - EPSILON:
                    order_problems.append(f"{ref}: a 201 replaced {a.extra['urn']} before it expired")
        for a, b in zip(creates, creates[1:], strict=False):
            if a.t1 < b.t0 and not any(d.t1 > a.t0 and d.t0 < b.t1 for d in deletes):
                replacements += 1
        for r in by_ref[ref]:
            if r.op == "create_ref" and r.status == 409:
                if not any(a.t0 <= r.t1 and a.extra["expires"] >= r.t0 - EPSILON for a in creates):
                    conflict_problems.append(f"{ref}: 409 while no reference was live")
            if r.op == "get_ref" and r.status == 200:
                origin = urns.get(r.data["urn"])
                if (
                    origin is None
                    or origin.target != ref
                    or origin.t0 > r.t1
                    or origin.extra["expires"] < r.t0 - EPSILON
                    or abs(parse_iso(r.data["expires_at"]) - origin.extra["expires"]) > 1e-5
                ):
                    read_problems.append(f"{ref}: GET answered {r.data}, which no live 201 explains")
    for r in results:
        if r.op == "lookup_refs" and r.status == 200:
            for item in r.data:
                origin = urns.get(item["urn"])
                if origin is None or origin.t0 > r.t1 or origin.extra["expires"] < r.t0 - EPSILON:
                    read_problems.append(f"lookup answered {item}, which no live 201 explains")
    checks.add("each reference's final row is the effect of its last 201 create or 204 delete", not problems, problems)
    checks.add("no 201 create replaced a reference before it expired", not order_problems, order_problems[:3])
    checks.add("every reference 409 met a live reference", not conflict_problems, conflict_problems[:3])
    checks.add(
        "every reference read (GET, lookup) shows a live, created reference", not read_problems, read_problems[:3]
    )
    return {
        "references created (201)": len(urns),
        "creates over an earlier, expired reference": replacements,
        "reference 409s": sum(1 for r in results if r.op == "create_ref" and r.status == 409),
    }


def check_uploads(results: list[Result], known: dict[str, bytes], new: list[bytes], checks: Checks) -> dict:
    problems = []
    for r in results:
        if r.op == "upload_known" and r.status == 200:
            if r.data["file_key"] != r.target or r.data["file_hash"] != r.extra["sha256"]:
                problems.append(f"re-upload of {r.target} answered {r.data['file_key']}")
    created = Counter()
    keys = defaultdict(set)
    for r in results:
        if r.op == "upload_new" and r.status in (200, 201):
            created[r.target] += r.status == 201
            keys[r.target].add(r.data["file_key"])
            if r.data["file_hash"] != r.target:
                problems.append(f"upload of {r.target} answered hash {r.data['file_hash']}")
    for digest in keys:
        if created[digest] != 1 or len(keys[digest]) != 1:
            problems.append(f"{digest[:12]}: {created[digest]} answers 201 and keys {keys[digest]}")
    checks.add(
        "same bytes, same key: one 201 per new file, every other upload 200 with that key", not problems, problems[:3]
    )
    return {"new files uploaded concurrently": f"{len(keys)} of {len(new)}"}


def check_storage(database_url: str, media, temp, env, checks: Checks) -> None:
    from tools.reliability.harness import manage

    problems = records_without_their_file(database_url, media)
    checks.add("every stored-file record has its file with the right SHA-256", not problems, problems[:3])
    image_files = sql(
        database_url,
        "SELECT DISTINCT f.key FROM assets_assetimage i JOIN assets_storedfile f ON f.id = i.file_id",
    )
    missing = [key for (key,) in image_files if not (media / key).is_file()]
    checks.add("every image's file is present in storage", not missing, missing[:3])
    known = {key for (key,) in sql(database_url, "SELECT key FROM assets_storedfile")}
    extra = files_under(media) - known
    checks.add("storage holds exactly the recorded files (no second copy, no stray file)", not extra, sorted(extra)[:3])
    leftovers = files_under(temp)
    checks.add("no temporary upload file left in the temp dir", not leftovers, sorted(leftovers)[:3])
    verify = manage(env, "verify_assets", "--min-age-minutes", "0")
    checks.add(
        "verify_assets --min-age-minutes 0 passes",
        verify.returncode == 0,
        (verify.stdout + verify.stderr).strip().splitlines()[-1:] if verify.returncode else "",
    )


def run(
    *, seconds: float = 30, clients: int = 16, files: int = 5, refs: int = 6, seed: int | None = None, log=print
) -> Report:
    """One full run; raises Unavailable when PostgreSQL cannot be reached."""
    seed = seed if seed is not None else random.randrange(1 << 30)
    log(f"concurrency: seed {seed}, {clients} clients, {seconds:g} s")
    with scratch() as (work, database_url):
        media, temp = work / "media", work / "tmp"
        env = server_env(database_url=database_url, media_root=media, temp_dir=temp)
        key = prepare_database(env)
        servers = [Server(env, work / f"server-{index}.log") for index in range(2)]
        results: list[Result] = []
        final_api: dict[str, Result] = {}
        try:
            for server in servers:
                server.start()
            ports = [server.port for server in servers]
            setup = Client(ports, key)
            known: dict[str, bytes] = {}
            for index in range(files):
                content = png_bytes(seed * 100 + index)
                answer = setup.upload("setup_upload", content)
                if answer.status != 201:
                    raise RuntimeError(f"setup upload answered {answer.status}: {answer.body}")
                known[answer.data["file_key"]] = content
            new = [png_bytes(seed * 100 + 50 + index) for index in range(3)]
            ref_names = [f"rel:r{index}" for index in range(refs - 1)] + ["rel:with:colon/slash"]
            workload = Workload(client=setup, known=known, new=new, refs=ref_names)
            ops = list(WEIGHTS)
            weights = [WEIGHTS[op] for op in ops]
            deadline = time.time() + seconds

            def client_loop(index: int) -> None:
                rng = random.Random(seed + index)
                client = Client(ports, key, rng=rng)
                while time.time() < deadline:
                    op = rng.choices(ops, weights)[0]
                    results.append(getattr(workload, op)(client, rng))

            for thread in run_threads(client_loop, clients):
                thread.join(timeout=seconds + 120)
            for image_id in set(workload.image_ids):
                final_api[image_id] = setup.request(
                    "final_get", "GET", f"/assets/images/by-id/{image_id}?include_deleted=true"
                )
        finally:
            for server in servers:
                server.stop()
        checks = Checks()
        check_statuses(results, checks)
        figures = {"requests": len(results), "requests per second": round(len(results) / seconds, 1)}
        figures.update(check_images(results, final_api, database_url, checks))
        figures.update(check_references(results, database_url, ref_names, checks))
        figures.update(check_uploads(results, known, new, checks))
        check_storage(database_url, media, temp, env, checks)
        if not checks.ok:
            for server in servers:
                log(f"--- {server.log_path.name} (last lines)\n{server.log_tail(60)}")
        title = f"concurrency: {clients} clients, {seconds:g} s, two gunicorn servers, one PostgreSQL"
        return Report(title, results, checks, figures, checks_name="invariants")


if __name__ == "__main__":
    sys.exit(main())
