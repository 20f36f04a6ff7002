"""Turning wrk's output and the query counts into results: JSON, a readable
table, the change since the previous run and the targets of issue 9."""

import json
import re
from pathlib import Path

# Targets at concurrency 8 (issue 9).
MAX_P95_MS = 100.0
MIN_RATIO_TO_LAYOUT = 0.5
MIN_LAYOUT_TO_BARE = 0.4
MAX_GROWTH = 1.3

_WRK_LINE = re.compile(r"^BENCH_JSON (\{.*\})\s*$", re.MULTILINE)


def parse_wrk(output: str) -> dict:
    """The JSON line printed by bench/wrk_report.lua."""
    match = _WRK_LINE.search(output)
    if match is None:
        raise ValueError(f"wrk printed no result line:\n{output[-2000:]}")
    return json.loads(match.group(1))


def combine(runs: list[dict]) -> dict:
    """One page measured more than once in a run (the baselines: before the
    pages and after them, so that the machine's drift over the run does not
    all fall on the ratios): the mean of their throughput and latencies, the
    sum of their requests and errors."""
    combined = {
        key: sum(run[key] for run in runs) / len(runs)
        for key in ("rps", "p50_ms", "p95_ms", "p99_ms")
    }
    for key in ("requests", "not_200", "socket_errors"):
        combined[key] = sum(run[key] for run in runs)
    return combined | {"runs": [{"rps": round(run["rps"], 1)} for run in runs]}


def scale_result(targets: list[dict], measured: dict[str, dict]) -> dict:
    """Per page: throughput, latency, queries and the ratios to both baselines."""
    bare = measured.get("bare", {}).get("rps")
    layout = measured.get("layout", {}).get("rps")
    pages = {}
    for target in targets:
        name = target["name"]
        if name not in measured:
            continue
        wrk = measured[name]
        pages[name] = {
            "label": target["label"],
            "role": target["role"],
            "path": target["path"],
            "baseline": target["baseline"],
            "queries": target["queries"],
            "rps": round(wrk["rps"], 1),
            "p50_ms": round(wrk["p50_ms"], 1),
            "p95_ms": round(wrk["p95_ms"], 1),
            "p99_ms": round(wrk["p99_ms"], 1),
            "requests": wrk["requests"],
            "errors": wrk["not_200"] + wrk["socket_errors"],
            "vs_layout": round(wrk["rps"] / layout, 2) if layout else None,
            "vs_bare": round(wrk["rps"] / bare, 2) if bare else None,
        }
    return {"pages": pages, "misses": misses(pages)}


def misses(pages: dict[str, dict]) -> list[str]:
    """Every target of the issue that this run did not meet, in words."""
    found = []
    for name, page in pages.items():
        if page["errors"]:
            found.append(f"{name}: {page['errors']} error responses")
        if not page["requests"]:
            found.append(f"{name}: no request finished within the run (each took too long)")
            continue
        if page["baseline"]:
            continue
        if page["p95_ms"] >= MAX_P95_MS:
            found.append(f"{name}: p95 {page['p95_ms']} ms (target under {MAX_P95_MS:g} ms)")
        if page["vs_layout"] is not None and page["vs_layout"] < MIN_RATIO_TO_LAYOUT:
            found.append(
                f"{name}: {page['vs_layout']}× the empty layout's throughput "
                f"(target at least {MIN_RATIO_TO_LAYOUT})"
            )
    layout = pages.get("layout")
    if layout and layout["vs_bare"] is not None and layout["vs_bare"] < MIN_LAYOUT_TO_BARE:
        found.append(
            f"layout: {layout['vs_bare']}× the bare view's throughput "
            f"(target at least {MIN_LAYOUT_TO_BARE})"
        )
    return found


def growth(small: dict, large: dict) -> dict[str, float]:
    """p95 at the larger scale over p95 at the smaller, per page."""
    ratios = {}
    for name, page in large["pages"].items():
        before = small["pages"].get(name)
        if before and before["p95_ms"]:
            ratios[name] = round(page["p95_ms"] / before["p95_ms"], 2)
    return ratios


def growth_misses(ratios: dict[str, float]) -> list[str]:
    return [
        f"{name}: p95 grew {ratio}× (target within {MAX_GROWTH}×)"
        for name, ratio in ratios.items()
        if ratio > MAX_GROWTH
    ]


def _cell(value, fmt: str = "{}") -> str:
    return "–" if value is None else fmt.format(value)


def table(result: dict) -> str:
    """A plain-text table of one scale's pages."""
    header = ("page", "rps", "p50 ms", "p95 ms", "p99 ms", "queries", "×layout", "×bare", "errors")
    rows = [header]
    for name, page in result["pages"].items():
        rows.append(
            (
                name,
                _cell(page["rps"], "{:.0f}"),
                _cell(page["p50_ms"], "{:.1f}"),
                _cell(page["p95_ms"], "{:.1f}"),
                _cell(page["p99_ms"], "{:.1f}"),
                _cell(page["queries"]),
                _cell(page["vs_layout"], "{:.2f}"),
                _cell(page["vs_bare"], "{:.2f}"),
                str(page["errors"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def changes(previous: dict | None, current: dict) -> str:
    """Throughput and p95 per page against the previous run, same scale only."""
    if not previous:
        return "No previous run to compare with."
    lines = []
    for scale, result in current["scales"].items():
        before = previous.get("scales", {}).get(scale)
        if not before:
            continue
        for name, page in result["pages"].items():
            old = before["pages"].get(name)
            if not old or not old["rps"] or not old["p95_ms"]:
                continue
            rps = (page["rps"] - old["rps"]) / old["rps"] * 100
            p95 = (page["p95_ms"] - old["p95_ms"]) / old["p95_ms"] * 100
            queries = ""
            if old.get("queries") != page.get("queries"):
                queries = f", queries {old.get('queries')} → {page.get('queries')}"
            lines.append(
                f"  scale {scale} {name}: rps {old['rps']:.0f} → {page['rps']:.0f} ({rps:+.0f}%), "
                f"p95 {old['p95_ms']:.1f} → {page['p95_ms']:.1f} ms ({p95:+.0f}%){queries}"
            )
    if not lines:
        return "The previous run measured other scales: nothing to compare."
    return (
        f"Change since the previous run ({previous.get('run', {}).get('at', '?')}):\n"
        + "\n".join(lines)
    )


def save(results: dict, directory: Path) -> dict | None:
    """Write latest.json, keeping the one before as previous.json; returns the previous."""
    directory.mkdir(parents=True, exist_ok=True)
    latest, previous_path = directory / "latest.json", directory / "previous.json"
    previous = None
    if latest.exists():
        previous = json.loads(latest.read_text())
        latest.replace(previous_path)
    latest.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    return previous


def render(results: dict) -> str:
    """The whole report as text (also written to latest.txt)."""
    run = results["run"]
    parts = [
        f"make bench · {run['at']} · {run['machine']} · commit {run['commit']}",
        f"concurrency {run['concurrency']}, {run['duration_s']} s per page, gunicorn "
        f"{run['workers']} sync workers",
    ]
    for scale, result in results["scales"].items():
        seconds = result.get("seed_seconds")
        seeded = f"seeded in {seconds} s" if seconds is not None else "already seeded"
        parts.append(f"\nScale {scale} ({seeded})")
        parts.append(table(result))
        if result["misses"]:
            parts.append("Targets missed:\n" + "\n".join(f"  - {m}" for m in result["misses"]))
        else:
            parts.append("All targets met at this scale.")
        rendered = result.get("rendered")
        if rendered:
            parts.append(
                "\nThe same pages rendered afresh on every request (the page cache off:"
                " a first view, or the first after a change), against the same baselines:"
            )
            parts.append(table(rendered))
            if rendered["misses"]:
                parts.append(
                    "Short of the targets when rendered afresh:\n"
                    + "\n".join(f"  - {m}" for m in rendered["misses"])
                )
    if results.get("growth"):
        small, large = results["growth"]["scales"]
        parts.append(f"\nGrowth: p95 at scale {large} over scale {small}")
        rendered = results["growth"].get("rendered_p95_ratio") or {}
        for name, ratio in results["growth"]["p95_ratio"].items():
            afresh = f" (rendered afresh: {rendered[name]}×)" if name in rendered else ""
            parts.append(f"  {name}: {ratio}×{afresh}")
        if results["growth"]["misses"]:
            parts.append(
                "Growth targets missed:\n"
                + "\n".join(f"  - {m}" for m in results["growth"]["misses"])
            )
    background = results.get("background")
    if background is not None:
        parts.append(f"\nBackground work: {json.dumps(background, ensure_ascii=False)}")
    return "\n".join(parts)
