"""Checks that need the whole scenario: ids that must exist, ranges, evidence sources."""

from __future__ import annotations

import re

from sim.errors import MAX_PROBLEMS
from sim.scenario.estimates import Based, Estimate, check_in_bounds, short_repr
from sim.scenario.parameters import in_section, parameter_at
from sim.scenario.schema import HistoryEvent, Scenario
from sim.scenario.suggest import hint
from sim.scenario.walk import KeyPath, iter_estimates

Finding = tuple[KeyPath, str, str | None]
ID_PATTERN = re.compile(r"\w[\w-]*")  # letters (any script), digits, `_`, `-`


def _check_ids(keys: list[str], known: list[str], path: KeyPath, what: str) -> list[Finding]:
    ids = set(known)
    unknown = [key for key in keys if key not in ids]
    # hints cost a fuzzy match against every id: only for the problems that can be shown
    return [
        ((*path, key), f"unknown {what} `{key}`", hint(key, known) if n < MAX_PROBLEMS else None)
        for n, key in enumerate(unknown)
    ]


def check_id(name: str) -> str | None:
    """What is wrong with an id (of an issue, actor, source or path), or None if it is fine.

    Ids are parts of key paths (`actors.russia.clout`, `explore:` entries) and are printed in
    tables, so a dot, a space or a bracket in one would make both ambiguous."""
    if ID_PATTERN.fullmatch(name):
        return None
    return f"`{name}` is not a valid id: use letters, digits, `_` and `-`"


ROUND_UNIT = re.compile(r"[^\W\d_][^\W_]*(?: [^\W\d_][^\W_]*)?")  # `month`, `week`, `half year`
MAX_NAME = 100  # characters in a scenario's name, which is also a folder's name
FOLDER_NAME = re.compile(r"\w[\w.-]*")  # letters (any script), digits, `_`, `-`, `.`; not `.` first
_DEVICE_NAMES = re.compile(r"(con|prn|aux|nul|com\d|lpt\d)(\..*)?", re.IGNORECASE)  # Windows'
NAME_HINT = (
    "the name is also the folder results/<name>/ that results go to when --out is not given; "
    "write one folder name, e.g. `name: 2024-12-mediation-paths`"
)


def check_name(name: str) -> str | None:
    """What is wrong with a scenario's name as a single folder under results/, or None.

    `results/<name>/<timestamp>` is where `negsim run` writes without --out, so a name such as
    `../../x` or `/tmp/x` would write outside results/."""
    if len(name) > MAX_NAME:
        return f"a name of {len(name):,} characters is too long; at most {MAX_NAME}"
    if _DEVICE_NAMES.fullmatch(name):
        return f"{short_repr(name)} is the name of a device on Windows, not of a folder"
    if FOLDER_NAME.fullmatch(name) and ".." not in name and not name.endswith("."):
        return None
    return (
        f"{short_repr(name)} is not a single safe folder name: use letters, digits, `_`, `-` and `.`, "
        "starting with a letter or digit, with no `..` and not ending in `.`"
    )


def _duplicates(items: list[str], path: KeyPath, what: str) -> list[Finding]:
    """Every repeat in a list of ids, at its own place in the list."""
    first: dict[str, int] = {}
    findings: list[Finding] = []
    for index, item in enumerate(items):
        if item in first:
            findings.append(
                (
                    (*path, index),
                    f"{what} `{item}` is listed twice (first as item {first[item]})",
                    "remove the repeated entry: each actor is listed at most once",
                )
            )
        else:
            first[item] = index
    return findings


def check_references(scenario: Scenario) -> list[Finding]:
    """Everything the schema alone cannot see; returns (key path, message, hint) findings."""
    issues = list(scenario.issues)
    actors = list(scenario.actors)
    findings: list[Finding] = [
        ((section, key), wrong, "ids name things in key paths: no dots, spaces or brackets")
        for section in ("issues", "actors", "sources", "coders")
        for key in getattr(scenario, section)
        if (wrong := check_id(key))
    ]
    findings += _check_anchors(scenario)
    if wrong := check_name(scenario.name):
        findings.append((("name",), wrong, NAME_HINT))
    if scenario.run.streams is not None and (wrong := check_name(scenario.run.streams)):
        findings.append((("run", "streams"), wrong, NAME_HINT))
    if scenario.run.round_unit is not None and not ROUND_UNIT.fullmatch(scenario.run.round_unit):
        findings.append(
            (
                ("run", "round_unit"),
                f"{short_repr(scenario.run.round_unit)} is not a unit of time as a label shows it",
                "write one word or two in the singular, e.g. `round_unit: week`",
            )
        )
    for actor_id, actor in scenario.actors.items():
        base: KeyPath = ("actors", actor_id)
        for section in ("position", "salience"):
            given = list(getattr(actor, section))
            findings += _check_ids(given, issues, (*base, section), "issue")
            findings += [
                (
                    (*base, section, i),
                    f"no {section} given for issue `{i}`",
                    "every actor needs a value for every issue",
                )
                for i in issues
                if i not in given
            ]
        findings += _check_ids(list(actor.red_lines), issues, (*base, "red_lines"), "issue")
        for section in ("trust", "affinity", "leverage"):
            findings += _check_ids(list(getattr(actor, section)), actors, (*base, section), "actor")
            if actor_id in getattr(actor, section):
                findings.append(
                    (
                        (*base, section, actor_id),
                        f"an actor cannot list itself under `{section}`",
                        "towards itself an actor always has trust 1, affinity 1 and leverage 0",
                    )
                )
        if actor.role == "party":
            findings += [
                ((*base, p.name), f"a party needs `{p.name}`", None)
                for p in in_section("actors")
                if p.party_must_give and getattr(actor, p.name) is None
            ]
    findings += _check_decision(scenario)
    findings += check_observed(scenario)
    findings += check_history(scenario)
    findings += _check_ids(list(scenario.status_quo), issues, ("status_quo",), "issue")
    findings += [
        (
            ("status_quo", i),
            f"no status quo given for issue `{i}`",
            "status_quo is what a ceasefire along today's lines means on each issue",
        )
        for i in issues
        if i not in scenario.status_quo
    ]
    mediation = scenario.mediation
    if scenario.voters and all(a in mediation.absent for a in scenario.voters):
        findings.append(
            (
                ("mediation", "absent"),
                "every voter is absent; nobody could sign",
                "leave at least one party or stakeholder at the table",
            )
        )
    for section in ("mediators", "pressing", "absent"):
        findings += _check_ids(getattr(mediation, section), actors, ("mediation", section), "actor")
        findings += _duplicates(getattr(mediation, section), ("mediation", section), "actor")
    if mediation.chair and mediation.mediators:
        findings.append(
            (
                ("mediation", "chair"),
                "a neutral chair and mediators both formulate the packages",
                "give either `chair: true` or `mediators:`, not both",
            )
        )
    if mediation.chair and mediation.style not in ("none", "formulative"):
        findings.append(
            (
                ("mediation", "style"),
                f"a neutral chair formulates packages; it cannot be `{mediation.style}`",
                "use style: formulative (or leave style out) with chair: true",
            )
        )
    if mediation.style != "none" and not mediation.mediators and not mediation.chair:
        findings.append(
            (
                ("mediation", "mediators"),
                f"style `{mediation.style}` needs a mediator",
                "name one or more actors, give `chair: true` for a neutral chair, or use style: none",
            )
        )
    if mediation.style == "none" and mediation.mediators:
        findings.append(
            (
                ("mediation", "style"),
                "mediators are named but style is `none`",
                "choose facilitative, formulative or manipulative",
            )
        )
    for path, estimate in iter_estimates(scenario):
        wrong = check_in_bounds(estimate, parameter_at(path).bounds_in(path, scenario))
        if wrong:
            findings.append((path, wrong, None))
        findings += _check_basis(path, estimate, scenario)
        for coder, coding in (estimate.codings or {}).items():
            where = (*path, "codings", coder)
            if coder not in scenario.coders:
                findings.append((where, f"unknown coder `{coder}`", _coder_hint(coder, scenario)))
            if wrong := check_in_bounds(
                Estimate(value=coding.value), parameter_at(path).bounds_in(path, scenario)
            ):
                findings.append(((*where, "value"), wrong, None))
            findings += _check_basis(where, coding, scenario, issue_path=path)
    return findings


def _coder_hint(coder: str, scenario: Scenario) -> str:
    if not scenario.coders:
        return "declare the coders under `coders:` (id: {description: ...}); the first wrote each `value:`"
    return hint(coder, list(scenario.coders)) or f"declared coders: {', '.join(scenario.coders)}"


def _check_basis(
    path: KeyPath, basis: Based, scenario: Scenario, issue_path: KeyPath | None = None
) -> list[Finding]:
    """A basis's sources exist, and a numeric anchor is one the issue defines."""
    findings: list[Finding] = []
    cited = [(key, quoted) for key, quoted in basis.quotes] + ([("data", basis.data)] if basis.data else [])
    for key, quoted in cited:
        if quoted.source not in scenario.sources:
            findings.append(
                (
                    (*path, key, "source"),
                    f"unknown source `{quoted.source}`",
                    hint(quoted.source, list(scenario.sources)),
                )
            )
    anchor = basis.evidence.anchor if basis.evidence is not None else None
    issue = issue_of(issue_path or path, scenario)
    if isinstance(anchor, float) and issue is not None:
        defined = scenario.issues[issue].anchors
        if defined and anchor not in defined:
            findings.append(
                (
                    (*path, "evidence", "anchor"),
                    f"{anchor:g} is not an anchor of issue `{issue}`",
                    f"its anchors are {', '.join(f'{a:g}' for a in defined)}; or say the anchor in words",
                )
            )
    return findings


def issue_of(path: KeyPath, scenario: Scenario) -> str | None:
    """The issue a number is a point on (a position, red line or status quo), else None."""
    if parameter_at(path).kind != "position":
        return None
    return next((str(part) for part in path[1:] if part in scenario.issues), None)


def _check_anchors(scenario: Scenario) -> list[Finding]:
    """Every anchor lies on its issue's scale."""
    return [
        (
            ("issues", issue_id, "anchors", f"{point:g}"),
            f"anchor {point:g} is off the scale {issue.units.low:g}..{issue.units.high:g}",
            None,
        )
        for issue_id, issue in scenario.issues.items()
        for point in (issue.anchors or {})
        if not issue.units.low <= point <= issue.units.high
    ]


def _check_decision(scenario: Scenario) -> list[Finding]:
    """Who votes: actors that exist, once each, at least two of them."""
    findings: list[Finding] = []
    listed = scenario.decision.voters if scenario.decision is not None else None
    if listed is not None:
        findings += _check_ids(listed, list(scenario.actors), ("decision", "voters"), "actor")
        findings += _duplicates(listed, ("decision", "voters"), "actor")
    if len(set(scenario.voters) & set(scenario.actors)) < 2:
        where: KeyPath = ("decision", "voters") if listed is not None else ("actors",)
        findings.append(
            (
                where,
                "a negotiation needs at least two voters",
                "give two or more actors role `party` or `stakeholder`, or list them under decision.voters",
            )
        )
    return findings


def check_observed(scenario: Scenario) -> list[Finding]:
    """Observed outcomes: on known issues, on each issue's scale, from listed sources."""
    findings = _check_ids(list(scenario.observed), list(scenario.issues), ("observed",), "issue")
    for issue, seen in scenario.observed.items():
        given = [kind for kind in ("evidence", "data", "inferred") if getattr(seen, kind) is not None]
        if len(given) > 1:
            findings.append(
                (
                    ("observed", issue),
                    f"give one of evidence / data / inferred, not {' and '.join(given)}",
                    None,
                )
            )
        scale = scenario.issues[issue].units if issue in scenario.issues else None
        if scale is not None and not scale.low <= seen.value <= scale.high:
            findings.append(
                (
                    ("observed", issue, "value"),
                    f"expected a number on the issue's scale [{scale.low:g}, {scale.high:g}], "
                    f"got {seen.value:g}",
                    None,
                )
            )
        cited = seen.evidence or seen.data
        if cited is not None and cited.source not in scenario.sources:
            findings.append(
                (
                    ("observed", issue, "evidence" if seen.evidence else "data", "source"),
                    f"unknown source `{cited.source}`",
                    hint(cited.source, list(scenario.sources)),
                )
            )
    return findings


# What a run must have switched on to record each kind of event (docs/model.md 7.15-7.21), and
# how to say so; an agreement needs nothing.
SEPARABLE = "`mechanisms: {partial_deals: true}` and issues with `separable: true`"
NEEDS = {
    "ceasefire": ("ceasefire", "`mechanisms: {ceasefire: true}`"),
    "ceasefire_breakdown": ("fragile_ceasefire", "`mechanisms: {fragile_ceasefire: true}`"),
    "partial_deal": ("partial_deals", SEPARABLE),
    "partial_breakdown": ("partial_deals", SEPARABLE),
    "talks_breakdown": ("walkout", "`mechanisms: {walkout: true}`"),
}
ENDS_A_RUN = ("agreement", "talks_breakdown")  # a history is of talks still going on at its date
LASTING = ("ceasefire", "partial_deal")  # what can be in force for a while
ON_ISSUES = ("partial_deal", "partial_breakdown")


def check_history(scenario: Scenario) -> list[Finding]:
    """`history:` can be matched by this scenario's runs: its dates fall after run.start_date
    and its conditions by its own date, and each kind of event can happen on this path."""
    history = scenario.history
    if history is None:
        return []
    findings: list[Finding] = []
    start = scenario.run.start_date
    dated = history.through is not None
    if dated and start is None:
        findings.append(
            (
                ("history", "through"),
                "the scenario has no `run.start_date`, so a date cannot be placed in its run",
                "add `run.start_date` (the snapshot's date), or give the history's length as `months:`",
            )
        )
    elif dated and start is not None and history.through is not None and history.through <= start:
        findings.append(
            (
                ("history", "through"),
                f"the history's date {history.through} is not after the run's start date {start}",
                "a history is what happened after the snapshot the run starts from",
            )
        )
    if history.months is not None and history.months >= scenario.run.rounds:
        findings.append(
            (
                ("history", "months"),
                f"the history runs through month {history.months}, and the run lasts "
                f"{scenario.run.rounds}: nothing would be left to forecast",
                f"lengthen the run (`run: {{rounds: {history.months + 12}}}`) or shorten the history",
            )
        )
    for index, event in enumerate(history.events):
        findings += _check_history_event(scenario, index, event)
    return findings


def _check_history_event(scenario: Scenario, index: int, event: HistoryEvent) -> list[Finding]:
    history = scenario.history
    assert history is not None
    at: KeyPath = ("history", "events", index)
    findings: list[Finding] = []
    if event.kind in ENDS_A_RUN and event.test != "none":
        findings.append(
            (
                (*at, "test"),
                f"a history is of talks still going on at its date, and `{event.kind}` ends a run: "
                "only `test: none` can be asked of it",
                "runs that ended before the history's date are never kept; drop this condition",
            )
        )
    elif event.test == "in_force" and event.kind not in LASTING:
        findings.append(
            (
                (*at, "test"),
                f"only a ceasefire or a partial deal is in force for a while, not a `{event.kind}`",
                f"ask whether a `{event.kind}` occurs (`test: occurs`) or not (`test: none`)",
            )
        )
    needed = NEEDS.get(event.kind)
    if needed is not None and not getattr(scenario.mechanisms, needed[0]):
        findings.append(
            (
                (*at, "kind"),
                f"`{event.kind}` events need `mechanisms.{needed[0]}`, which the scenario has off: "
                "its runs never record one",
                f"turn it on ({needed[1]}), or drop this condition",
            )
        )
    if event.issues is not None:
        findings += _check_history_issues(scenario, at, event)
    findings += _check_history_deadline(scenario, at, event)
    return findings


def _check_history_issues(scenario: Scenario, at: KeyPath, event: HistoryEvent) -> list[Finding]:
    """Issues name issues a partial deal can be made on."""
    if event.kind not in ON_ISSUES:
        return [
            (
                (*at, "issues"),
                f"only a partial deal or its breakdown is on issues, not a `{event.kind}`",
                "drop `issues:` here",
            )
        ]
    separable = [key for key, issue in scenario.issues.items() if issue.separable]
    none = "it has none: mark the issues that can be agreed alone with `separable: true`"
    return [
        (
            (*at, "issues", i),
            f"the scenario has no separable issue `{issue}`",
            hint(issue, separable, "its separable issues") or none,
        )
        for i, issue in enumerate(event.issues or [])
        if issue not in separable
    ]


def _check_history_deadline(scenario: Scenario, at: KeyPath, event: HistoryEvent) -> list[Finding]:
    """A condition's deadline is written as the history's date is, falls after the start and not
    after the history's date (dates are compared as dates, months as months)."""
    history = scenario.history
    assert history is not None
    start = scenario.run.start_date
    if history.through is not None and event.months is not None:
        return [
            (
                (*at, "months"),
                "the history's date is a date (`through:`): give this deadline as a date too (`by:`)",
                f"e.g. `by: {history.through}`",
            )
        ]
    if history.months is not None and event.by is not None:
        return [
            (
                (*at, "by"),
                "the history's length is in months (`months:`): give this deadline in months too",
                f"e.g. `months: {history.months}`",
            )
        ]
    if event.by is not None and history.through is not None:
        if start is not None and event.by <= start:
            return [((*at, "by"), f"the date {event.by} is not after the run's start date {start}", None)]
        if event.by > history.through:
            return [
                (
                    (*at, "by"),
                    f"the date {event.by} is after the history's date {history.through}: "
                    "a history holds what happened up to its date",
                    f"give a date on or before {history.through}, or move `history.through` later",
                )
            ]
    if event.months is not None and history.months is not None and event.months > history.months:
        return [
            (
                (*at, "months"),
                f"month {event.months} is after the history's last month {history.months}: "
                "a history holds what happened up to its date",
                f"give a month up to {history.months}, or raise `history.months`",
            )
        ]
    return []
