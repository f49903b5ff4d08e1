"""The tables `negsim run` prints: outcomes per mediation path, then the median agreed terms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.table import Table

from sim.results.summary_schema import RunSummary, Timelines
from sim.scenario.show import shown


def _percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def _shared(baselines: Mapping[str, Mapping[str, Sequence[float]]]) -> Mapping[str, Sequence[float]] | None:
    """The paths' baseline packages when every path has the same ones (the same actors and
    positions, differing only in how they negotiate), else None."""
    packages = list(baselines.values())
    if packages and all(p == packages[0] for p in packages[1:]):
        return packages[0]
    return None


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


def events_table(summary: RunSummary) -> Table:
    """Where ceasefires can break and partial deals be made: how often each kind of event had
    happened by 12 rounds and by the horizon, and how long ceasefires and partial deals held."""
    units = shown(summary.round_units)
    table = Table(
        title=f"What happened on the way (share of runs with one by 12 {units} / by the horizon; "
        f"durations: Kaplan-Meier median, share holding after 12 {units})",
        title_justify="left",
    )
    table.add_column("mediation path")
    for heading in ("ceasefire", "partial deal", "agreement"):
        table.add_column(heading, justify="right")
    table.add_column(f"ceasefires held (median {units})", justify="right")
    table.add_column(f"partial deals held (median {units})", justify="right")
    for path in summary.paths.values():
        if path.events is not None:
            table.add_row(shown(path.label), *_event_cells(path.events, summary.rounds))
    table.caption = "ceasefire in the table above: one still holds at the horizon; the run went on after each"
    return table


def _event_cells(events: Timelines, rounds: int) -> list[str]:
    """A path's row of the events table: first events by 12 rounds and the horizon, then how
    long ceasefires and partial deals held."""

    def by(kind: str) -> str:
        points = {point.month: point.share for point in events.first[kind]}
        early = _percent(points[12]) if 12 in points else "–"
        return f"{early} / {_percent(points[rounds])}"

    def held(kind: str) -> str:
        spells = events.durations.get(kind)
        if spells is None:
            return "none"
        median = "beyond the horizon" if spells.median_months is None else f"{spells.median_months:g}"
        return f"{median}; {_percent(spells.holding_after_12)} after 12 ({spells.spells:,})"

    return [by("ceasefire"), by("partial_deal"), by("agreement"), held("ceasefire"), held("partial_deal")]


def terms_table(
    summary: RunSummary, baselines: Mapping[str, Mapping[str, Sequence[float]]] | None = None
) -> Table:
    """Median agreed terms per issue (agreements only), with the poles in the caption; under
    each path, what the `baselines` ({path: {model: package}}) predict from the same stated
    positions, so every answer comes with its baseline."""
    issues = summary.issues
    scaled = any(issue.scale is not None for issue in issues.values())
    scale = "on each issue's scale" if scaled else "0..1 per issue"
    table = Table(title=f"Median agreed terms ({scale}; agreements only)", title_justify="left")
    table.add_column("mediation path")
    for issue_id, issue in issues.items():
        table.add_column(shown(f"{issue_id} ({issue.unit})" if issue.unit else issue_id), justify="right")

    def number(value: float | None) -> str:
        return "–" if value is None else f"{value:.4g}" if scaled else f"{value:.2f}"

    shared = _shared(baselines or {})
    for path_id, path in summary.paths.items():
        table.add_row(shown(path.label), *(number(path.median_terms[k]) for k in issues))
        if shared is None:
            for model, package in (baselines or {}).get(path_id, {}).items():
                table.add_row(f"[dim]  {model} model[/dim]", *(f"[dim]{number(v)}[/dim]" for v in package))
    for model, package in (shared or {}).items():
        table.add_row(f"[dim]{model} model (every path)[/dim]", *(f"[dim]{number(v)}[/dim]" for v in package))
    table.caption = "\n".join(
        f"{shown(k)}: {v.ends[0]:g} = {shown(v.low)}; {v.ends[1]:g} = {shown(v.high)}"
        for k, v in issues.items()
    )
    if baselines:
        where = "Last rows" if shared is not None else "Under each path"
        table.caption += (
            f"\n{where}: the baseline models' packages from the same stated positions "
            "(every actor, central values; docs/model.md, Baseline models)."
        )
    table.caption_justify = "left"
    return table


def conditioned_tables(summary: RunSummary) -> list[Table]:
    """For a scenario with a `history:`: on each path, how many runs matched it, and the
    forecast of those from the history's date on (its outcomes, then what happened after the
    date, as the tables above show for all runs). No tables without a history."""
    paths = {key: path.conditioned for key, path in summary.paths.items() if path.conditioned is not None}
    if not paths:
        return []
    first = next(iter(paths.values()))
    units = shown(summary.round_units)
    when = first.through or f"{summary.round_unit} {first.month}"
    source = f" ({shown(first.source)})" if first.source else ""
    table = Table(
        title=f"Conditioned on the record through {when}{source}: the runs that match it, and how they "
        f"end from then on ({summary.rounds - first.month} {units} more)",
        title_justify="left",
    )
    table.add_column("mediation path")
    table.add_column("kept", justify="right")
    table.add_column("acceptance", justify="right")
    table.add_column("ESS", justify="right")
    table.add_column("agreement [95% CI]", justify="right")
    table.add_column(f"median {units} to agreement after {when}", justify="right")
    for name in ("ceasefire", "breakdown", "stalemate"):
        table.add_column(name, justify="right")
    for key, found in paths.items():
        forecast = found.forecast
        agreement, median = forecast.agreement, forecast.median_rounds_to_agreement
        table.add_row(
            shown(summary.paths[key].label),
            f"{found.accepted:,} of {found.replications:,}",
            _percent(found.acceptance),
            f"{found.ess:,.0f}",
            f"{_percent(agreement.share)} [{_percent(agreement.low)}, {_percent(agreement.high)}]",
            "–" if median is None else f"{median:g}",
            *(_percent(getattr(forecast.outcomes, name)) for name in ("ceasefire", "breakdown", "stalemate")),
        )
    table.caption = (
        f"Kept: the runs whose events up to the end of {summary.round_unit} {first.month} meet every "
        "condition of `history:` (talks still going then); "
        "ESS: effective sample size (each kept run weighs the same). "
        f"Outcomes at the horizon, as shares of the kept runs; {units} counted from the end of "
        f"{summary.round_unit} {first.month}."
    )
    table.caption_justify = "left"
    tables = [table]
    if any(found.forecast.events is not None for found in paths.values()):
        later = summary.model_copy(
            update={
                "paths": {key: found.forecast for key, found in paths.items()},
                "rounds": summary.rounds - first.month,
            }
        )
        events = events_table(later)
        events.title = (
            f"After {when}, in the kept runs (share with one by 12 {units} after / by the horizon; "
            f"durations of what began after: Kaplan-Meier median, share holding after 12 {units})"
        )
        tables.append(events)
    return tables
