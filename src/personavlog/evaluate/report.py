"""The ThemeVlogEval report: DIR/results.csv, DIR/cases.csv, DIR/feedback.json and a self-contained
DIR/report.html (charts and thumbnails embedded as base64).

Sections: systems side by side per metric (mean and 95 % CI) with their ranking, per-category breakdown,
a radar chart per system and bar charts, the worst cases with keyframe thumbnails, and the feedback loop
(per-critic failure rates, rollbacks per vlog, the score change each rollback bought, the time it added).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from personavlog.evaluate.runner import CaseResult, error_path, load_result, result_path
from personavlog.evaluate.score import METRICS, MetricSpec
from personavlog.evaluate.stats import Summary, rank_systems, summarise
from personavlog.evaluate.suites import Case
from personavlog.evaluate.systems import SystemSpec
from personavlog.fsutil import atomic_write_json, atomic_write_text

CATEGORY_METRICS = ("relevance_script", "relevance_monologue", "failed_checks", "identity_distance", "wer")
WORST_PER_SYSTEM = 3


def collect(out_dir: Path, cases: list[Case], systems: list[SystemSpec]) -> tuple[list[CaseResult], list[CaseResult]]:
    """(finished results, errors) stored for these cases and systems."""
    finished, errors = [], []
    for case in cases:
        for system in systems:
            result = load_result(result_path(out_dir, system, case))
            if result is not None:
                finished.append(result)
                continue
            failed = load_result(error_path(out_dir, system, case))
            if failed is not None:
                errors.append(failed)
    return finished, errors


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is not None and value != value:  # NaN: e.g. the rank of a system with nothing to compare against
        return "–"
    return "NA" if value is None else f"{value:.{digits}g}" if abs(value) >= 100 else f"{value:.{digits}f}"


def _cell(summary: Summary) -> str:
    if summary.mean is None:
        return "NA"
    return f"{_fmt(summary.mean)} [{_fmt(summary.ci_low)}, {_fmt(summary.ci_high)}]"


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _present(results: list[CaseResult], metrics: list[MetricSpec]) -> list[MetricSpec]:
    return [m for m in metrics if any(r.metrics.get(m.name) is not None for r in results)]


def _normaliser(results: list[CaseResult], metric: MetricSpec) -> Any:
    """Maps a value to 0..1 (1 = best) by the range of that metric over all cases of all systems."""
    values = [value for r in results if (value := r.metrics.get(metric.name)) is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)

    def scale(value: float | None) -> float | None:
        if value is None:
            return None
        share = 0.5 if high - low < 1e-12 else (value - low) / (high - low)
        return share if metric.direction == "higher" else 1.0 - share

    return scale


def _radar(system: str, labels: list[str], values: list[float]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    angles = np.linspace(0, 2 * np.pi, len(labels), endpoint=False).tolist()
    figure = plt.figure(figsize=(4.2, 4.2))
    axis = figure.add_subplot(polar=True)
    axis.plot([*angles, angles[0]], [*values, values[0]], linewidth=1.5)
    axis.fill([*angles, angles[0]], [*values, values[0]], alpha=0.25)
    axis.set_xticks(angles)
    axis.set_xticklabels(labels, fontsize=6)
    axis.set_ylim(0, 1)
    axis.set_yticks([0.25, 0.5, 0.75])
    axis.set_yticklabels([])
    axis.set_title(system, fontsize=9)
    return _png(figure)


def _bars(metrics: list[MetricSpec], systems: list[str], table: dict[str, dict[str, Summary]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = 4
    rows = max(1, -(-len(metrics) // columns))
    figure, axes = plt.subplots(rows, columns, figsize=(3.0 * columns, 2.3 * rows), squeeze=False)
    for axis in axes.ravel()[len(metrics) :]:
        axis.axis("off")
    for axis, metric in zip(axes.ravel(), metrics, strict=False):
        means = [table[s][metric.name].mean for s in systems]
        lows = [table[s][metric.name].ci_low for s in systems]
        highs = [table[s][metric.name].ci_high for s in systems]
        heights = [m if m is not None else 0.0 for m in means]
        errors = np.array(
            [
                [0.0 if m is None or lo is None else m - lo for m, lo in zip(means, lows, strict=True)],
                [0.0 if m is None or hi is None else hi - m for m, hi in zip(means, highs, strict=True)],
            ]
        )
        axis.bar(range(len(systems)), heights, yerr=errors, color=[f"C{i}" for i in range(len(systems))], capsize=3)
        axis.set_xticks(range(len(systems)))
        axis.set_xticklabels([s if len(s) <= 16 else s[:15] + "…" for s in systems], fontsize=7, rotation=15)
        arrow = "↑" if metric.direction == "higher" else "↓"
        axis.set_title(f"{metric.label} {arrow}", fontsize=8)
        axis.tick_params(axis="y", labelsize=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a crowded grid falls back to the default spacing, which is fine
        figure.tight_layout()
    return _png(figure)


def feedback_summary(results: list[CaseResult], systems: list[SystemSpec]) -> dict[str, Any]:
    """Per-critic failure rates in the final vlogs (audit), first-round failure rates, rollbacks per vlog, the
    score change per rollback, and the time feedback added (full vs no-feedback on the same cases)."""
    summary: dict[str, Any] = {"systems": {}}
    for system in systems:
        mine = [r for r in results if r.system_slug == system.slug and r.audit is not None]
        if not mine:
            continue
        rates: dict[str, dict[str, float]] = {}
        for critic in sorted({c for r in mine for c in (r.audit or {}).get("by_critic", {})}):
            failed = sum((r.audit or {})["by_critic"].get(critic, [0, 0])[0] for r in mine)
            checks = sum((r.audit or {})["by_critic"].get(critic, [0, 0])[1] for r in mine)
            rates[critic] = {"failed": failed, "checks": checks, "rate": failed / checks if checks else 0.0}
        first: dict[str, dict[str, float]] = {}
        for r in mine:
            for critic, (failed, checks) in ((r.feedback or {}).get("first_round") or {}).items():
                entry = first.setdefault(critic, {"failed": 0, "checks": 0})
                entry["failed"] += failed
                entry["checks"] += checks
        for entry in first.values():
            entry["rate"] = entry["failed"] / entry["checks"] if entry["checks"] else 0.0
        changes = [c for r in mine for c in (r.feedback or {}).get("changes", []) if c.get("change") is not None]
        by_critic: dict[str, list[float]] = {}
        for change in changes:
            # Scores of different checks have different units: changes are only comparable within one check.
            check = f"{change['critic']}.{change['target'].rsplit('.', 1)[-1]}"
            by_critic.setdefault(check, []).append(change["change"])
        summary["systems"][system.name] = {
            "vlogs": len(mine),
            "failed_checks": summarise([r.metrics.get("failed_checks") for r in mine]).model_dump(),
            "relevance_script": summarise([r.metrics.get("relevance_script") for r in mine]).model_dump(),
            "relevance_monologue": summarise([r.metrics.get("relevance_monologue") for r in mine]).model_dump(),
            "final_failure_rates": rates,
            "first_round_failure_rates": first,
            "rollbacks_per_vlog": summarise([float((r.feedback or {}).get("rollbacks", 0)) for r in mine]).model_dump(),
            "rollbacks": len(changes),
            "rollbacks_passed_after": sum(1 for c in changes if c.get("now_passed")),
            "rollbacks_improved": sum(1 for c in changes if c["change"] > 0),
            "rollbacks_kept": sum(1 for c in changes if c.get("kept")),
            "score_change_per_rollback": summarise([c["change"] for c in changes]).model_dump(),
            "score_change_by_critic": {k: summarise(v).model_dump() for k, v in sorted(by_critic.items())},
            "runtime_s": summarise([r.runtime_s for r in mine]).model_dump(),
        }
    by_slug = {s.slug: s for s in systems}
    if "full" in by_slug and "no-feedback" in by_slug:
        full = {r.case.id: r for r in results if r.system_slug == "full" and r.runtime_s is not None}
        off = {r.case.id: r for r in results if r.system_slug == "no-feedback" and r.runtime_s is not None}
        both = sorted(set(full) & set(off))
        added = [(full[c].runtime_s or 0.0) - (off[c].runtime_s or 0.0) for c in both]
        ratio = [(full[c].runtime_s or 0.0) / max(off[c].runtime_s or 0.0, 1e-9) for c in both]
        paired: dict[str, Any] = {"cases": len(both), "added_time_s": summarise(added).model_dump()}
        paired["runtime_ratio"] = summarise(ratio).model_dump()
        for metric in ("relevance_script", "relevance_monologue", "failed_checks"):
            diffs = [
                (a, b)
                for c in both
                if (a := full[c].metrics.get(metric)) is not None and (b := off[c].metrics.get(metric)) is not None
            ]
            paired[f"{metric}_difference"] = summarise([a - b for a, b in diffs]).model_dump()
            paired[f"{metric}_full_better"] = sum(
                1 for a, b in diffs if (a < b if metric == "failed_checks" else a > b)
            )
            paired[f"{metric}_ties"] = sum(1 for a, b in diffs if a == b)
        summary["full_vs_no_feedback"] = paired
    return summary


def _feedback_html(summary: dict[str, Any]) -> str:
    if not summary.get("systems"):
        return ""
    parts = ["<h2>Feedback and rollback</h2>"]
    names = list(summary["systems"])
    critics = sorted({c for s in summary["systems"].values() for c in s["final_failure_rates"]})
    rows = [
        "<tr><th>critic</th>"
        + "".join(f"<th>{html.escape(n)}: failed in final vlog</th>" for n in names)
        + "".join(f"<th>{html.escape(n)}: failed in first round</th>" for n in names)
        + "</tr>"
    ]
    for critic in critics:
        cells = []
        for key in ("final_failure_rates", "first_round_failure_rates"):
            for name in names:
                entry = summary["systems"][name][key].get(critic)
                cells.append(
                    "<td>NA</td>"
                    if not entry
                    else f"<td>{entry['rate']:.1%} ({entry['failed']}/{entry['checks']})</td>"
                )
        rows.append(f"<tr><td>{critic}</td>{''.join(cells)}</tr>")
    parts.append("<h3>Per-critic failure rates</h3><table>" + "".join(rows) + "</table>")
    rows = [
        "<tr><th>system</th><th>vlogs</th><th>failed checks / vlog</th><th>rollbacks / vlog</th>"
        "<th>rollbacks that raised the failing score</th><th>rollbacks that passed after</th>"
        "<th>retakes kept</th><th>runtime (s)</th></tr>"
    ]
    for name, s in summary["systems"].items():
        rows.append(
            f"<tr><td>{html.escape(name)}</td><td>{s['vlogs']}</td>"
            f"<td>{_cell(Summary(**s['failed_checks']))}</td><td>{_cell(Summary(**s['rollbacks_per_vlog']))}</td>"
            f"<td>{s['rollbacks_improved']}/{s['rollbacks']}</td>"
            f"<td>{s['rollbacks_passed_after']}/{s['rollbacks']}</td>"
            f"<td>{s['rollbacks_kept']}/{s['rollbacks']}</td><td>{_cell(Summary(**s['runtime_s']))}</td></tr>"
        )
    parts.append("<table>" + "".join(rows) + "</table>")
    for name, s in summary["systems"].items():
        if s["score_change_by_critic"]:
            change_rows = "".join(
                f"<tr><td>{critic}</td><td>{v['n']}</td><td>{_cell(Summary(**v))}</td></tr>"
                for critic, v in s["score_change_by_critic"].items()
            )
            parts.append(
                f"<h3>Score change per rollback, {html.escape(name)}</h3>"
                "<table><tr><th>check</th><th>rollbacks</th><th>change (that check's score units)</th></tr>"
                f"{change_rows}</table>"
            )
    paired = summary.get("full_vs_no_feedback")
    if paired:
        parts.append(
            f"<h3>full vs no-feedback, paired on {paired['cases']} cases</h3><table>"
            f"<tr><td>added time (s)</td><td>{_cell(Summary(**paired['added_time_s']))}</td></tr>"
            f"<tr><td>runtime ratio</td><td>{_cell(Summary(**paired['runtime_ratio']))}</td></tr>"
            + "".join(
                f"<tr><td>{m} difference (full − no-feedback)</td><td>{_cell(Summary(**paired[f'{m}_difference']))}"
                f" — full better on {paired[f'{m}_full_better']}, ties {paired[f'{m}_ties']}</td></tr>"
                for m in ("relevance_script", "relevance_monologue", "failed_checks")
            )
            + "</table>"
        )
    return "".join(parts)


def write_report(
    out_dir: Path, cases: list[Case], systems: list[SystemSpec], title: str = "ThemeVlogEval"
) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    results, errors = collect(out_dir, cases, systems)
    names = [s.name for s in systems]
    label = {s.slug: s.label for s in systems}
    metrics = _present(results, METRICS)
    table = {
        s.name: {
            m.name: summarise([r.metrics.get(m.name) for r in results if r.system_slug == s.slug]) for m in METRICS
        }
        for s in systems
    }
    headline = [m for m in metrics if m.headline]
    ranks = rank_systems(
        {n: {m.name: table[n][m.name].mean for m in headline} for n in names}, {m.name: m.direction for m in headline}
    )
    order = sorted(names, key=lambda n: (np.nan_to_num(ranks[n], nan=1e9), n))
    categories = list(dict.fromkeys(c.category for c in cases))

    rows_csv: list[dict[str, Any]] = []
    for scope in ["all", *categories]:
        for system in systems:
            mine = [r for r in results if r.system_slug == system.slug and (scope == "all" or r.case.category == scope)]
            for metric in METRICS:
                s = summarise([r.metrics.get(metric.name) for r in mine])
                rows_csv.append(
                    {
                        "scope": scope,
                        "system": system.name,
                        "metric": metric.name,
                        "direction": metric.direction,
                        "n": s.n,
                        "mean": "" if s.mean is None else round(s.mean, 6),
                        "ci_low": "" if s.ci_low is None else round(s.ci_low, 6),
                        "ci_high": "" if s.ci_high is None else round(s.ci_high, 6),
                        "rank": round(ranks[system.name], 3)
                        if scope == "all" and ranks[system.name] == ranks[system.name]
                        else "",
                    }
                )
    csv_path = out_dir / "results.csv"
    atomic_write_text(csv_path, _csv(rows_csv, list(rows_csv[0]) if rows_csv else ["scope"]))
    case_rows = [
        {
            "case": r.case.id,
            "category": r.case.category,
            "system": r.system,
            "runtime_s": r.runtime_s,
            **{m.name: r.metrics.get(m.name) for m in METRICS},
        }
        for r in results
    ]
    atomic_write_text(out_dir / "cases.csv", _csv(case_rows, list(case_rows[0]) if case_rows else ["case"]))
    feedback = feedback_summary(results, systems)
    atomic_write_json(out_dir / "feedback.json", feedback)

    parts = [f"<h1>{html.escape(title)}</h1>"]
    parts.append(
        f"<p>{len(cases)} cases × {len(systems)} systems: {len(results)} scored, {len(errors)} failed, "
        f"{len(cases) * len(systems) - len(results) - len(errors)} not run yet. Means with 95 % confidence "
        "intervals (Student t); ↑ higher is better, ↓ lower is better; NA = does not apply.</p>"
    )
    parts.append("<h2>Ranking</h2><table><tr><th>rank</th><th>system</th><th>mean rank over headline metrics</th></tr>")
    for index, name in enumerate(order, 1):
        parts.append(f"<tr><td>{index}</td><td>{html.escape(name)}</td><td>{_fmt(ranks[name])}</td></tr>")
    parts.append("</table>")
    parts.append(
        "<h2>Metrics</h2><table><tr><th>metric</th>" + "".join(f"<th>{html.escape(n)}</th>" for n in order) + "</tr>"
    )
    for metric in metrics:
        means = {n: table[n][metric.name].mean for n in order}
        known = [v for v in means.values() if v is not None]
        best = (max(known) if metric.direction == "higher" else min(known)) if len(known) > 1 else None
        arrow = "↑" if metric.direction == "higher" else "↓"
        cells = "".join(
            f"<td>{'<b>' if best is not None and means[n] == best else ''}{_cell(table[n][metric.name])}"
            f"{'</b>' if best is not None and means[n] == best else ''} <small>n={table[n][metric.name].n}</small></td>"
            for n in order
        )
        parts.append(f"<tr><td>{html.escape(metric.label)} {arrow}</td>{cells}</tr>")
    parts.append("</table>")

    parts.append(
        "<h2>Per category</h2><table><tr><th>category</th><th>metric</th>"
        + "".join(f"<th>{html.escape(n)}</th>" for n in order)
        + "</tr>"
    )
    for category in categories:
        for metric_name in CATEGORY_METRICS:
            spec = next(m for m in METRICS if m.name == metric_name)
            if spec not in metrics:
                continue
            cells = "".join(
                "<td>"
                + _fmt(
                    summarise(
                        [r.metrics.get(metric_name) for r in results if r.system == n and r.case.category == category]
                    ).mean
                )
                + "</td>"
                for n in order
            )
            parts.append(f"<tr><td>{category}</td><td>{html.escape(spec.label)}</td>{cells}</tr>")
    parts.append("</table>")

    if results and headline:
        scales = {m.name: _normaliser(results, m) for m in headline}
        parts.append(
            "<h2>Charts</h2><p>Radar: each headline metric's mean scaled to 0..1 over the range of all "
            "cases (1 = best).</p><div>"
        )
        for name in order:
            values = [scales[m.name](table[name][m.name].mean) for m in headline]
            parts.append(f'<img src="{_radar(name, [m.label for m in headline], [v or 0.0 for v in values])}">')
        parts.append(f'</div><img src="{_bars(headline, order, table)}">')

        parts.append("<h2>Worst cases</h2><p>Lowest mean of the scaled headline metrics per system.</p>")
        for system in systems:
            mine = [r for r in results if r.system_slug == system.slug]
            composite = []
            for r in mine:
                scaled = [scales[m.name](r.metrics.get(m.name)) for m in headline]
                known = [v for v in scaled if v is not None]
                composite.append((float(np.mean(known)) if known else 0.0, r))
            for score, r in sorted(composite, key=lambda item: item[0])[:WORST_PER_SYSTEM]:
                thumbs = "".join(
                    f'<img class="thumb" src="data:image/jpeg;base64,{_b64(out_dir / t)}">'
                    for t in r.thumbnails
                    if (out_dir / t).is_file()
                )
                worst = sorted(
                    ((scales[m.name](r.metrics.get(m.name)), m) for m in headline if r.metrics.get(m.name) is not None),
                    key=lambda item: item[0] if item[0] is not None else 1.0,
                )[:3]
                notes = ", ".join(f"{m.label} {_fmt(r.metrics.get(m.name))}" for _, m in worst)
                parts.append(
                    f"<div class='case'><b>{html.escape(label[system.slug])}</b> · {r.case.id} · "
                    f"<i>{html.escape(r.case.theme)}</i> ({r.case.reference}, {r.case.style}) — score {score:.2f}; "
                    f"weakest: {html.escape(notes)}<br>{thumbs}</div>"
                )
    parts.append(_feedback_html(feedback))
    if errors:
        parts.append(
            "<h2>Failed runs</h2><ul>"
            + "".join(f"<li>{html.escape(e.system)} {e.case.id}: {html.escape(e.error or '')}</li>" for e in errors)
            + "</ul>"
        )
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;font-size:14px}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
        "th{background:#f3f3f3}.thumb{height:96px;margin:2px}.case{margin:1em 0}small{color:#888}"
    )
    head = f"<meta charset='utf-8'><title>{html.escape(title)}</title><style>{style}</style>"
    page = f"<!doctype html><html><head>{head}</head><body>{''.join(parts)}</body></html>"
    html_path = out_dir / "report.html"
    atomic_write_text(html_path, page)
    atomic_write_text(out_dir / "summary.md", _markdown(metrics, order, table, ranks, feedback, len(results), errors))
    return html_path, csv_path


def _markdown(
    metrics: list[MetricSpec],
    order: list[str],
    table: dict[str, dict[str, Summary]],
    ranks: dict[str, float],
    feedback: dict[str, Any],
    scored: int,
    errors: list[CaseResult],
) -> str:
    """The headline tables as Markdown (for docs/benchmarks.md)."""
    lines = [f"{scored} pairs scored, {len(errors)} failed. Mean [95 % CI] (n).", ""]
    lines.append("| metric | " + " | ".join(order) + " |")
    lines.append("|---|" + "---|" * len(order))
    lines.append("| mean rank (1 = best) | " + " | ".join(_fmt(ranks[n], 2) for n in order) + " |")
    for metric in metrics:
        arrow = "↑" if metric.direction == "higher" else "↓"
        summaries = " | ".join(f"{_cell(table[n][metric.name])} ({table[n][metric.name].n})" for n in order)
        lines.append(f"| {metric.label} {arrow} | {summaries} |")
    systems = feedback.get("systems", {})
    if systems:
        names = list(systems)
        lines += ["", "| feedback | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        for key, label in (
            ("failed_checks", "failed checks in the final vlog"),
            ("relevance_script", "theme relevance: script"),
            ("relevance_monologue", "theme relevance: monologue"),
            ("rollbacks_per_vlog", "rollbacks per vlog"),
            ("runtime_s", "runtime (s)"),
        ):
            lines.append(f"| {label} | " + " | ".join(_cell(Summary(**systems[n][key])) for n in names) + " |")

        def share_of_rollbacks(label: str, key: str) -> None:
            lines.append(
                f"| {label} | " + " | ".join(f"{systems[n][key]}/{systems[n]['rollbacks']}" for n in names) + " |"
            )

        share_of_rollbacks("rollbacks that raised the failing score", "rollbacks_improved")
        checks = sorted({c for n in names for c in systems[n]["score_change_by_critic"]})
        for check in checks:
            cells = []
            for n in names:
                entry = systems[n]["score_change_by_critic"].get(check)
                cells.append("–" if not entry else f"{_cell(Summary(**entry))} ({entry['n']})")
            lines.append(f"| score change per rollback, {check} | " + " | ".join(cells) + " |")
        share_of_rollbacks("rollbacks that ended in a pass", "rollbacks_passed_after")
        share_of_rollbacks("rollbacks whose retake was kept as the better take", "rollbacks_kept")
        critics = sorted({c for n in names for c in systems[n]["final_failure_rates"]})
        for critic in critics:
            cells = []
            for n in names:
                entry = systems[n]["final_failure_rates"].get(critic)
                cells.append("NA" if not entry else f"{entry['rate']:.1%} ({entry['failed']}/{entry['checks']})")
            lines.append(f"| {critic} checks failed in the final vlog | " + " | ".join(cells) + " |")
        for critic in critics:
            cells = []
            for n in names:
                entry = systems[n]["first_round_failure_rates"].get(critic)
                cells.append("–" if not entry else f"{entry['rate']:.1%} ({entry['failed']}/{entry['checks']})")
            lines.append(f"| {critic} checks failed in the first round | " + " | ".join(cells) + " |")
    paired = feedback.get("full_vs_no_feedback")
    if paired:
        lines += ["", f"full vs no-feedback, paired on {paired['cases']} cases:", ""]
        lines.append(
            f"- added time: {_cell(Summary(**paired['added_time_s']))} s per vlog; runtime ratio "
            f"{_cell(Summary(**paired['runtime_ratio']))}"
        )
        for paired_metric in ("relevance_script", "relevance_monologue", "failed_checks"):
            difference = _cell(Summary(**paired[f"{paired_metric}_difference"]))
            lines.append(
                f"- {paired_metric} difference (full − no-feedback): {difference}; "
                f"full better on {paired[f'{paired_metric}_full_better']}, ties {paired[f'{paired_metric}_ties']}"
            )
    return "\n".join(lines) + "\n"


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def _csv(rows: list[dict[str, Any]], header: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buffer.getvalue()


def load_feedback(out_dir: Path) -> dict[str, Any]:
    return json.loads((Path(out_dir) / "feedback.json").read_text(encoding="utf-8"))
