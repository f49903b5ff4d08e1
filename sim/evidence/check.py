"""Check a scenario file's evidence: every quote against its source, and count each number's basis.

A file with mediation paths (`variants:`) is checked on every path, and each number is reported
once, by the key path it is written at (`variants.<path>.…` for a number a path sets itself).
Only numbers written in the file or a file it extends are counted, not the model's defaults.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sim.errors import MAX_PROBLEMS, NegsimError, Problem
from sim.evidence.agreement import Agreement, agreement_by_parameter, disagrees_widely
from sim.evidence.quotes import closest_passage, quote_found, shorten
from sim.evidence.sources import Unreadable, check_file, read_text, source_path
from sim.scenario.estimates import Estimate, Evidence
from sim.scenario.loader import LoadedScenario, _read_with_extends, load_scenario
from sim.scenario.parameters import parameter_at
from sim.scenario.schema import Observation, Scenario, Source
from sim.scenario.walk import iter_estimates
from sim.scenario.yaml_source import KeyPath, Position, format_key_path, nearest_key, problem_at

KINDS = ("evidence", "data", "inferred", "assumption", "bare")  # "bare": a number with no basis
MAX_NEAREST = 20  # quotes per file for which the nearest passage is sought; the rest get a hint
SOURCES_HINT = "a source's `file:` is relative to --sources DIR when given, else to the scenario's folder"


@dataclass(frozen=True)
class Number:
    """One number of a scenario file: where it is written, whose it is, and its basis."""

    key_path: KeyPath
    group: str  # the actor's id, or the section (status_quo, dynamics, mediation, observed)
    actor: bool
    kind: str  # one of KINDS
    quotes: tuple[tuple[KeyPath, Evidence], ...]  # every quote it cites, by the key path of each
    data_source: str | None  # the source a `data:` basis cites
    anchored: bool = False  # its evidence names the anchor (or fact) it states
    coded: tuple[tuple[str, float], ...] = ()  # (coder, value): the value written, then `codings:`
    parameter: str = ""  # what kind of parameter (position, salience, leverage, ...)
    proportional: bool = False  # coders' values compare as ratios (a rate, a leverage), not distances


@dataclass
class FileReport:
    """The numbers of one scenario file, the quotes checked and the problems found."""

    file: str
    numbers: list[Number] = field(default_factory=list)
    quotes: int = 0
    found: int = 0

    def groups(self) -> dict[str, Counter[str]]:
        """Each actor's (then each section's) counts of numbers by kind, in file order."""
        counts: dict[str, Counter[str]] = {}
        for number in sorted(self.numbers, key=lambda n: not n.actor):  # stable: actors first
            counts.setdefault(number.group, Counter())[number.kind] += 1
        return counts

    def overall(self) -> Counter[str]:
        return Counter(number.kind for number in self.numbers)

    def actors(self) -> set[str]:
        return {number.group for number in self.numbers if number.actor}

    def agreement(self) -> list[Agreement]:
        """Krippendorff's alpha per kind of parameter, over the numbers two or more coders coded."""
        rows = [(n.parameter, format_key_path(n.key_path), n.coded) for n in self.numbers]
        return agreement_by_parameter(rows)

    def disputed(self) -> list[Number]:
        """Numbers on which the coders disagree widely (sim/evidence/agreement.py)."""
        return [
            n
            for n in self.numbers
            if len(n.coded) > 1 and disagrees_widely([v for _, v in n.coded], n.proportional)
        ]

    def unanchored(self) -> list[Number]:
        """Evidence numbers whose quote does not say which anchor it supports."""
        return [n for n in self.numbers if n.kind == "evidence" and not n.anchored]


class EvidenceProblems(NegsimError):
    """Problems with a scenario's evidence: every one is shown, up to MAX_PROBLEMS."""

    def __str__(self) -> str:
        shown = self.problems[:MAX_PROBLEMS]
        lines = [problem.render() for problem in shown]
        if len(self.problems) > len(shown):
            lines.append(f"... and {len(self.problems) - len(shown)} more problems")
        return "\n".join(lines)


def check_file_evidence(path: Path, sources_dir: Path | None) -> tuple[FileReport, list[Problem]]:
    """Load the scenario at `path` and check its evidence; a file that does not load gives its
    load problems and an empty report."""
    report = FileReport(str(path))
    try:
        loaded = load_scenario(path)
        positions = _read_with_extends(path, chain=()).positions  # the loader's own positions
    except NegsimError as exc:
        return report, list(exc.problems)
    report.numbers, sources = _numbers(loaded, positions)
    folder = sources_dir if sources_dir is not None else path.parent
    problems: list[Problem] = []
    texts = _read_sources(report, sources, folder, positions, problems)
    looked_up = 0  # quotes not found, for which the nearest passage was sought
    problems += _unfounded(report, loaded, positions)
    cited = [(number, at, quoted) for number in report.numbers for at, quoted in number.quotes]
    for number, at, quoted in cited:
        if quoted.source not in texts:
            continue
        report.quotes += 1
        where = (*number.key_path, *at, "quote")
        source_id, quote = quoted.source, quoted.quote
        file_name, text = texts[source_id]
        if quote_found(quote, text):
            report.found += 1
            continue
        looked_up += 1
        nearest = closest_passage(quote, text) if looked_up <= MAX_NEAREST else None
        hint = (
            f"the nearest passage reads: {nearest}"
            if nearest
            else "copy the passage exactly; mark a cut with … or an editor's [word]"
        )
        message = f'quote "{shorten(quote)}" is not in {file_name} (source `{source_id}`)'
        problems.append(problem_at(positions, where, str(path), message, hint))
    return report, problems


def _numbers(
    loaded: LoadedScenario, positions: dict[KeyPath, Position]
) -> tuple[list[Number], dict[str, Source]]:
    """Every number written in the file, once by key path, and every source of every path."""
    numbers: dict[KeyPath, Number] = {}
    sources: dict[str, Source] = {}
    for name, scenario in loaded.variants.items():
        for key, source in scenario.sources.items():
            sources.setdefault(key, source)
        items: list[tuple[KeyPath, Estimate | Observation]] = list(iter_estimates(scenario))
        items += [(("observed", issue), seen) for issue, seen in scenario.observed.items()]
        for key, item in items:
            own = ("variants", name, *key)
            near = nearest_key(positions, own)
            written = own if near is not None and len(near) > 2 else key
            if written in numbers or written not in positions:
                continue  # counted on an earlier path, or a default the file does not write
            numbers[written] = _number(written, key, item, scenario)
    return list(numbers.values()), sources


def _number(written: KeyPath, key: KeyPath, item: Estimate | Observation, scenario: Scenario) -> Number:
    """What `negsim evidence` needs of one number written at `written` (`key` on its path)."""
    actor = key[0] == "actors" and len(key) > 1
    group = str(key[1] if actor else key[0])
    data = item.data.source if item.data is not None else None
    quotes = tuple(((name,), quoted) for name, quoted in _quotes(item))
    anchored = item.evidence is not None and getattr(item.evidence, "anchor", None) is not None
    if not isinstance(item, Estimate):
        return Number(written, group, actor, _kind(item), quotes, data, anchored, parameter="observed")
    for coder, coding in (item.codings or {}).items():
        quotes += tuple((("codings", coder, name), quoted) for name, quoted in coding.quotes)
    first = next(iter(scenario.coders), "written")
    coded = (
        tuple(zip([first, *(item.codings or {})], item.coded_values(), strict=True))
        if item.value is not None
        else ()
    )
    declared = parameter_at(key)
    name = str(key[2]) if actor and len(key) > 2 else str(declared.path[-1])
    return Number(
        written,
        group,
        actor,
        _kind(item),
        quotes,
        data,
        anchored,
        coded,
        name,
        declared.proportional,
    )


def _quotes(item: Estimate | Observation) -> list[tuple[str, Evidence]]:
    if isinstance(item, Estimate):
        return item.quotes
    return [("evidence", item.evidence)] if item.evidence is not None else []


def _unfounded(
    report: FileReport, loaded: LoadedScenario, positions: dict[KeyPath, Position]
) -> list[Problem]:
    """A problem for each bare number, when the file demands a basis for every number."""
    if not any(scenario.require_basis for scenario in loaded.variants.values()):
        return []
    return [
        problem_at(
            positions,
            number.key_path,
            report.file,
            "this number has no basis, and the file demands one (`require_basis: true`)",
            'write it as {value: …, evidence: {source: …, quote: "…", anchor: …}}, or with inferred: "…" '
            'or assumption: "…" and the reason (docs/codebook.md)',
        )
        for number in report.numbers
        if number.kind == "bare"
    ]


def _kind(item: Estimate | Observation) -> str:
    for kind in KINDS[:-1]:
        if getattr(item, kind, None) is not None:
            return kind
    return "bare"


def _read_sources(
    report: FileReport,
    sources: dict[str, Source],
    folder: Path,
    positions: dict[KeyPath, Position],
    problems: list[Problem],
) -> dict[str, tuple[str, str]]:
    """The text (and file name) of every source a quote cites; a problem for each such source
    whose file cannot be read, and for each `data:` source whose `file:` names no regular file.
    Sources nothing cites are not looked at."""
    quoted = {evidence.source for n in report.numbers for _, evidence in n.quotes}
    cited = quoted | {n.data_source for n in report.numbers if n.data_source is not None}
    texts: dict[str, tuple[str, str]] = {}
    for source_id, source in sources.items():
        if source_id not in cited:
            continue
        if source.file is None:
            if source_id in quoted:
                message = f"source `{source_id}` is quoted but names no file to check the quotes against"
                hint = "add `file:` with the stored copy of the article"
                problems.append(problem_at(positions, ("sources", source_id), report.file, message, hint))
            continue
        path = source_path(source.file, folder)
        try:
            if source_id in quoted:
                texts[source_id] = (source.file, read_text(path))
            else:
                check_file(path)
        except Unreadable as exc:
            where = ("sources", source_id, "file")
            message = f"file {path} of source `{source_id}` {exc}"
            problems.append(problem_at(positions, where, report.file, message, SOURCES_HINT))
    return texts
