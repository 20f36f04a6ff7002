"""Turning wrk's output, the writer's, the phone's and the query counts into
results: JSON, a readable table, the change since the previous run, and each
target of issue 18 marked met, missed or not measured."""

import json
import re
from pathlib import Path

# The targets of issue 18, for every key page rendered afresh under the
# practice's writes, at scale 1 and scale 10, at concurrency 8.
TARGET_WRITES_PER_S = 5.0
# Below this share of the target's writes a second, a run did not measure the
# pages under the practice's writes (the writer fell behind, or --writes 0).
WRITES_SHORTFALL = 0.9
TARGET_SCALES = ("1", "10")
MAX_P95_MS = 60.0
MIN_RATIO_TO_LAYOUT = 0.4
# The week diary shows every therapist's week at once.
MIN_RATIO_TO_LAYOUT_BY_PAGE = {"admin_diary": 0.3}
MAX_GROWTH = 1.2
# The family's home on a phone on slow 4G.
MAX_FIRST_VISIT_KB = 120.0
MAX_REPEAT_VISIT_KB = 20.0
MAX_LCP_MS = 2000
# Background work (manage.py time_background): label in its output, limit.
MAX_BACKGROUND_SECONDS = {"Reminder sweep": 60.0, "Progress summaries": 120.0}
BACKGROUND_WORK = {
    "Reminder sweep": "10,000 reminders",
    "Progress summaries": "2,000 progress summaries",
}

_WRK_LINE = re.compile(r"^BENCH_JSON (\{.*\})\s*$", re.MULTILINE)
_BACKGROUND_LINE = re.compile(
    r"^(?P<label>[A-Z][\w ]+): (?P<emails>\d+) e-mails .* in (?P<s>[\d.]+) s,", re.MULTILINE
)


def parse_wrk(output: str) -> dict:
    """The JSON line printed by bench/wrk_report.lua."""
    match = _WRK_LINE.search(output)
    if match is None:
        raise ValueError(f"wrk printed no result line:\n{output[-2000:]}")
    return json.loads(match.group(1))


def combine(runs: list[dict]) -> dict:
    """One page measured more than once in a run (the baselines: before the
    pages and after them, so that the machine's drift over the run does not
    all fall on the ratios): the mean of their throughput, latencies and
    writes a second, the sum of their requests and errors."""
    combined = {
        key: sum(run[key] for run in runs) / len(runs)
        for key in ("rps", "p50_ms", "p95_ms", "p99_ms")
    }
    for key in ("requests", "not_200", "socket_errors"):
        combined[key] = sum(run[key] for run in runs)
    writes = [run["writes"] for run in runs if run.get("writes")]
    if writes:
        combined["writes"] = {
            "rate": writes[0]["rate"],
            "writes": sum(w["writes"] for w in writes),
            "achieved_per_s": round(sum(w["achieved_per_s"] for w in writes) / len(writes), 2),
            "errors": sum(w["errors"] for w in writes),
        }
    return combined | {"runs": [{"rps": round(run["rps"], 1)} for run in runs]}


def scale_result(targets: list[dict], measured: dict[str, dict]) -> dict:
    """Per page: throughput, latency, queries, the writes beside it and the
    ratios to both baselines."""
    bare = measured.get("bare", {}).get("rps")
    layout = measured.get("layout", {}).get("rps")
    pages = {}
    for target in targets:
        name = target["name"]
        if name not in measured:
            continue
        wrk = measured[name]
        writes = wrk.get("writes") or {}
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
            "writes_per_s": writes.get("achieved_per_s"),
            "write_errors": writes.get("errors", 0),
        }
    return {"pages": pages}


def growth(small: dict, large: dict) -> dict[str, float]:
    """p95 at the larger scale over p95 at the smaller, per page."""
    ratios = {}
    for name, page in large["pages"].items():
        before = small["pages"].get(name)
        if before and before["p95_ms"]:
            ratios[name] = round(page["p95_ms"] / before["p95_ms"], 2)
    return ratios


def background_seconds(background: dict | None) -> dict[str, float]:
    """Seconds per piece of background work, read from time_background's output."""
    if not background or "output" not in background:
        return {}
    return {
        match["label"]: float(match["s"])
        for match in _BACKGROUND_LINE.finditer(background["output"])
    }


def _verdict(target: str, met: bool | None, found: str) -> dict:
    return {"target": target, "met": met, "found": found}


def _page_verdicts(scale: str, result: dict) -> list[dict]:
    verdicts = []
    for name, page in result["pages"].items():
        if page["baseline"]:
            continue
        least = MIN_RATIO_TO_LAYOUT_BY_PAGE.get(name, MIN_RATIO_TO_LAYOUT)
        p95_target = f"{name} at scale {scale}: p95 ≤ {MAX_P95_MS:g} ms"
        ratio_target = f"{name} at scale {scale}: ≥ {least:g}× the layout's throughput"
        writes = page.get("writes_per_s") or 0.0
        if writes < TARGET_WRITES_PER_S * WRITES_SHORTFALL:
            found = f"measured beside {writes:g} writes/s, not the {TARGET_WRITES_PER_S:g} of the target"
            verdicts += [_verdict(p95_target, None, found), _verdict(ratio_target, None, found)]
            continue
        if not page["requests"]:
            found = "no request finished within the run"
            verdicts += [_verdict(p95_target, False, found), _verdict(ratio_target, False, found)]
            continue
        errors = f", {page['errors']} error responses" if page["errors"] else ""
        verdicts.append(
            _verdict(
                p95_target,
                page["p95_ms"] <= MAX_P95_MS and not page["errors"],
                f"{page['p95_ms']:g} ms{errors}",
            )
        )
        ratio = page["vs_layout"]
        verdicts.append(
            _verdict(
                ratio_target,
                None if ratio is None else ratio >= least and not page["errors"],
                "no layout baseline in this run" if ratio is None else f"{ratio:g}×{errors}",
            )
        )
    return verdicts


def verdicts(results: dict) -> list[dict]:
    """Every target of issue 18 with what this run found: met (True), missed
    (False) or not measured (None), in the report's order."""
    found = []
    scales = results["scales"]
    for scale in TARGET_SCALES:
        if scale not in scales:
            measured = ", ".join(scales) or "none"
            found.append(
                _verdict(
                    f"every key page at scale {scale}", None, f"this run measured scales {measured}"
                )
            )
    for scale, result in scales.items():
        found += _page_verdicts(scale, result)

    growth = results.get("growth")
    if growth:
        small, large = growth["scales"]
        for name, ratio in growth["p95_ratio"].items():
            if scales[large]["pages"].get(name, {}).get("baseline"):
                continue
            found.append(
                _verdict(
                    f"{name}: p95 at scale {large} ≤ {MAX_GROWTH:g}× p95 at scale {small}",
                    ratio <= MAX_GROWTH,
                    f"{ratio:g}×",
                )
            )
    else:
        found.append(
            _verdict(f"p95 at scale 10 ≤ {MAX_GROWTH:g}× p95 at scale 1", None, "one scale only")
        )

    phone_scale = "1" if "1" in scales else next(iter(scales), None)
    phone = scales[phone_scale].get("phone") if phone_scale else None
    phone_targets = [
        (f"family's home, first visit ≤ {MAX_FIRST_VISIT_KB:g} KB", "first", "kb", MAX_FIRST_VISIT_KB, "KB"),
        (f"family's home, repeat visit ≤ {MAX_REPEAT_VISIT_KB:g} KB", "repeat", "kb", MAX_REPEAT_VISIT_KB, "KB"),
        (f"family's home, largest contentful paint ≤ {MAX_LCP_MS / 1000:g} s", "first", "lcp_ms", MAX_LCP_MS, "ms"),
    ]  # fmt: skip
    for target, visit, key, limit, unit in phone_targets:
        value = (phone or {}).get(visit, {}).get(key)
        if value is None:
            why = (phone or {}).get("skipped") or "not measured in this run"
            found.append(_verdict(target, None, why))
        else:
            where = f" (scale {phone_scale}, {visit} visit)"
            found.append(_verdict(target, value <= limit, f"{value:g} {unit}{where}"))

    seconds = background_seconds(results.get("background"))
    for label, limit in MAX_BACKGROUND_SECONDS.items():
        target = f"{BACKGROUND_WORK[label]} in under {limit:g} s"
        if label in seconds:
            found.append(_verdict(target, seconds[label] < limit, f"{seconds[label]:g} s"))
        else:
            found.append(_verdict(target, None, "background work not timed in this run"))
    return found


def _mark(met: bool | None) -> str:
    return {True: "met", False: "MISSED", None: "not measured"}[met]


def targets_text(found: list[dict]) -> str:
    counts = {mark: sum(1 for v in found if v["met"] is mark) for mark in (True, False, None)}
    lines = [
        f"Targets (issue 18): {counts[True]} met, {counts[False]} missed, "
        f"{counts[None]} not measured"
    ]
    width = max(len(v["target"]) for v in found) if found else 0
    for v in found:
        lines.append(f"  {_mark(v['met']):<12} {v['target'].ljust(width)}  {v['found']}")
    return "\n".join(lines)


def _cell(value, fmt: str = "{}") -> str:
    return "–" if value is None else fmt.format(value)


def table(result: dict) -> str:
    """A plain-text table of one scale's pages."""
    header = (
        "page",
        "rps",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "queries",
        "×layout",
        "×bare",
        "writes/s",
        "errors",
    )
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
                _cell(page.get("writes_per_s"), "{:.1f}"),
                str(page["errors"] + page.get("write_errors", 0)),
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


def phone_text(phone: dict | None) -> str:
    if not phone:
        return "Phone: not measured in this run."
    if "skipped" in phone:
        return f"Phone: skipped ({phone['skipped']})."
    lines = [
        f"The family's home ({phone['path']}) in Chromium at {phone['viewport']} px, "
        f"{phone['network']}:"
    ]
    for visit in ("first", "repeat"):
        seen = phone[visit]
        lines.append(
            f"  {visit} visit: {seen['kb']:g} KB over the network in {seen['requests']} "
            f"responses ({seen['from_cache']} from the cache), largest contentful paint "
            f"{_cell(seen['lcp_ms'])} ms"
        )
    return "\n".join(lines)


def render(results: dict) -> str:
    """The whole report as text (also written to latest.txt)."""
    run = results["run"]
    parts = [
        f"make bench · {run['at']} · {run['machine']} · commit {run['commit']}",
        f"concurrency {run['concurrency']}, {run['duration_s']} s per page, gunicorn "
        f"{run['workers']} sync workers, every page rendered afresh beside "
        f"{run.get('writes_per_s', 0):g} writes/s from bench/writer.py "
        "(the achieved rate per page in the table)",
    ]
    for scale, result in results["scales"].items():
        seconds = result.get("seed_seconds")
        seeded = f"seeded in {seconds} s" if seconds is not None else "already seeded"
        parts.append(f"\nScale {scale} ({seeded})")
        parts.append(table(result))
        if "phone" in result:
            parts.append(phone_text(result["phone"]))
    if results.get("growth"):
        small, large = results["growth"]["scales"]
        parts.append(f"\nGrowth: p95 at scale {large} over scale {small}")
        for name, ratio in results["growth"]["p95_ratio"].items():
            parts.append(f"  {name}: {ratio}×")
    background = results.get("background")
    if background is not None:
        if "output" in background:
            lines = [line for line in background["output"].splitlines() if line.strip()]
            parts.append("\nBackground work (manage.py time_background):")
            parts.append("\n".join(f"  {line}" for line in lines))
        else:
            parts.append(f"\nBackground work: {json.dumps(background, ensure_ascii=False)}")
    parts.append("\n" + targets_text(results.get("targets") or verdicts(results)))
    return "\n".join(parts)
