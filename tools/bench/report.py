"""The report: the machine, the table of figures and the checks against the targets."""

import os
from pathlib import Path


def machine() -> dict:
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        "?",
    )
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(memory_kib / 1024**2, 1), "postgresql": pg}


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'endpoint':<22} {'API rps':>8} {'p50 ms':>7} {'p99 ms':>7} {'q/req':>6}"
        f" | {'base rps':>8} {'p50 ms':>7} {'p99 ms':>7} {'q/req':>6} | {'ratio':>5} {'errors':>6}"
        f" | {'API cpu':>7} {'base cpu':>8} {'cpu ratio':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        api, base = row["api"], row["baseline"]
        print(
            f"{row['name']:<22} {api['rps']:8.0f} {api['p50_ms']:7.2f} {api['p99_ms']:7.2f} {row['api_queries']:6d}"
            f" | {base['rps']:8.0f} {base['p50_ms']:7.2f} {base['p99_ms']:7.2f} {row['baseline_queries']:6d}"
            f" | {row['ratio']:5.2f} {api['errors'] + base['errors']:6d}"
            + (
                f" | {row['cpu_us']['api']:7.0f} {row['cpu_us']['baseline']:8.0f}"
                f" {row['cpu_us']['baseline'] / row['cpu_us']['api']:9.2f}"
                if row["cpu_us"]
                else ""
            )
        )


def print_checks(rows: list[dict], uploads: list[dict]) -> None:
    by = {row["name"]: row for row in rows}

    def check(label: str, ok: bool, figure: str) -> None:
        print(f"  [{'met' if ok else 'NOT MET':>7}] {label}: {figure}")

    print("\nTargets:")
    for name in ("image by id", "image by key", "image by hash", "reference by ref"):
        if name in by:
            row = by[name]
            ratio = row["ratio"]
            check(
                f"{name} >= 0.9 x baseline, <= 2 queries",
                ratio >= 0.9 and row["api_queries"] <= 2,
                f"{ratio:.2f} x, {row['api_queries']} queries",
            )
    if "categories first 20" in by:
        row = by["categories first 20"]
        ratio = row["ratio"]
        check("category page of 20 >= 0.8 x baseline", ratio >= 0.8, f"{ratio:.2f} x")
    lists = [by[n] for n in by if n.startswith("categories ")]
    if lists:
        counts = {row["api_queries"] for row in lists}
        check("category list: same queries per page at any size and depth", len(counts) == 1, f"{sorted(counts)}")
    for limit in (20, 100):
        first, deep = by.get(f"categories first {limit}"), by.get(f"categories deep {limit}")
        if first and deep:
            ratio = deep["api"]["p50_ms"] / first["api"]["p50_ms"]
            check(f"deepest / first page time (p50), limit {limit} <= 1.25", ratio <= 1.25, f"{ratio:.2f}")
    if "lookup 100 refs" in by:
        row = by["lookup 100 refs"]
        check("lookup of 100 refs: one query", row["api_queries"] == 1, f"{row['api_queries']}")
        if "reference by ref" in by:
            ratio = row["api"]["rps"] / by["reference by ref"]["api"]["rps"]
            check("lookup of 100 refs >= 0.5 x a single ref get", ratio >= 0.5, f"{ratio:.2f} x")
    for item in uploads:
        if item["label"] == "25 MB":
            check(
                "25 MB upload: peak memory growth <= 16 MiB",
                item["peak_growth_mib"] <= 16,
                f"{item['peak_growth_mib']:.1f} MiB",
            )
            check(
                "25 MB upload: time <= 2 x hashing+writing outside Django",
                item["ratio_to_outside"] <= 2,
                f"{item['ratio_to_outside']:.2f} x ({item['median_s'] * 1000:.0f} ms vs "
                f"{item['outside_median_s'] * 1000:.0f} ms)",
            )
    errors = sum(row["api"]["errors"] + row["baseline"]["errors"] for row in rows)
    bad_uploads = [item for item in uploads if any(status >= 300 for status in item["statuses"])]
    check("no error under load", errors == 0 and not bad_uploads, f"{errors} errors, {len(bad_uploads)} failed uploads")
