"""The tables `negsim run` prints: outcomes per mediation path, then the median agreed terms."""

from __future__ import annotations

from rich.table import Table

from sim.results.summary_schema import RunSummary
from sim.scenario.show import shown


def _percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def outcome_table(summary: RunSummary, impossible: frozenset[str] = frozenset()) -> Table:
    """Agreement share with its 95% Wilson interval, time to agreement, the other outcomes but
    those no path can end in (`impossible`: a council without ceasefires or walk-outs)."""
    table = Table(
        title=f"{shown(summary.title)}\n{summary.replications:,} replications per path, "
        f"{summary.rounds} {shown(summary.round_units)}, seed {summary.seed}",
        title_justify="left",
    )
    table.add_column("mediation path")
    table.add_column("agreement [95% CI]", justify="right")
    table.add_column(f"median {shown(summary.round_units)} to agreement", justify="right")
    shown_ends = [name for name in ("ceasefire", "breakdown", "stalemate") if name not in impossible]
    for name in shown_ends:
        table.add_column(name, justify="right")
    for path in summary.paths.values():
        agreement = path.agreement
        median_rounds, ends = path.median_rounds_to_agreement, path.outcomes
        table.add_row(
            shown(path.label),
            f"{_percent(agreement.share)} [{_percent(agreement.low)}, {_percent(agreement.high)}]",
            "–" if median_rounds is None else f"{median_rounds:g}",
            *(_percent(getattr(ends, name)) for name in shown_ends),
        )
    return table


def terms_table(summary: RunSummary) -> Table:
    """Median agreed terms per issue (agreements only), with the poles in the caption."""
    issues = summary.issues
    scaled = any(issue.scale is not None for issue in issues.values())
    scale = "on each issue's scale" if scaled else "0..1 per issue"
    table = Table(title=f"Median agreed terms ({scale}; agreements only)", title_justify="left")
    table.add_column("mediation path")
    for issue_id, issue in issues.items():
        table.add_column(shown(f"{issue_id} ({issue.unit})" if issue.unit else issue_id), justify="right")
    for path in summary.paths.values():
        terms = path.median_terms
        table.add_row(
            shown(path.label),
            *(
                "–" if terms[k] is None else f"{terms[k]:.4g}" if scaled else f"{terms[k]:.2f}"
                for k in issues
            ),
        )
    table.caption = "\n".join(
        f"{shown(k)}: {v.ends[0]:g} = {shown(v.low)}; {v.ends[1]:g} = {shown(v.high)}"
        for k, v in issues.items()
    )
    table.caption_justify = "left"
    return table
