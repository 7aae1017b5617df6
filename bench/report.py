"""The console table and bench/results.md."""

from __future__ import annotations

from pathlib import Path

from bench.stats import Row

RESULTS = Path(__file__).resolve().parent / "results.md"


def console(rows: list[Row]) -> str:
    """A plain-text table for the terminal, MISSED in capitals."""
    lines = []
    for row in rows:
        lines.append(f"[{row.verdict}] {row.benchmark}")
        lines.append(f"    ours:     {row.figure}")
        lines.append(f"    goal:     {row.goal}")
        lines.append(f"    baseline: {row.baseline}")
        lines.append(f"    ratio:    {row.ratio_text}")
        lines.extend(f"    note:     {note}" for note in row.notes)
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(facts: dict[str, str], rows: list[Row], sections: dict[str, str], mode: str) -> str:
    """results.md: machine, versions, the table, then the notes and findings."""
    out = ["# taskclock benchmark results", "", f"Written by `python -m bench{mode}` (issue 8). Regenerate with `make bench`.", ""]
    out += ["## Machine and versions", "", "| | |", "|---|---|"]
    out += [f"| {key} | {_cell(value)} |" for key, value in facts.items()]
    out += ["", "## Results", "", "| benchmark | figure | goal | baseline | ratio | met? |", "|---|---|---|---|---|---|"]
    out += [f"| {_cell(r.benchmark)} | {_cell(r.figure)} | {_cell(r.goal)} | {_cell(r.baseline)} | {r.ratio_text} | {r.verdict} |" for r in rows]
    notes = [(r.benchmark, note) for r in rows for note in r.notes]
    if notes:
        out += ["", "Notes on the rows:", ""] + [f"- {name}: {note}" for name, note in notes]
    for title, body in sections.items():
        out += ["", f"## {title}", "", body.strip()]
    return "\n".join(out) + "\n"


def write(text: str, path: Path = RESULTS) -> Path:
    path.write_text(text)
    return path
