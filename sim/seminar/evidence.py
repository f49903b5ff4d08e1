"""The evidence panel: where a number comes from, for any parameter of a path."""

from __future__ import annotations

import html
from dataclasses import dataclass

from sim.evidence.agreement import disagrees_widely
from sim.scenario.estimates import Coding as CodingModel
from sim.scenario.estimates import Estimate
from sim.scenario.parameters import parameter_at
from sim.scenario.references import issue_of
from sim.scenario.schema import Scenario
from sim.scenario.show import describe_distribution
from sim.scenario.walk import iter_estimates
from sim.scenario.yaml_source import format_key_path

BASIS_WORDS = {
    "evidence": "Stated in a source",
    "inferred": "Inferred",
    "assumption": "Assumed",
    "none": "Model setting",
}


@dataclass(frozen=True)
class Coding:
    """One coder's value for a number, and the basis that coder gave."""

    coder: str
    value: float
    kind: str
    quote: str | None
    anchor: str | None  # the anchor's definition, when the quote names one
    reason: str | None


@dataclass(frozen=True)
class Basis:
    """One parameter's value, spread and the reason for it, with every coder's own value."""

    path: str
    value: float
    spread: str
    kind: str  # evidence, inferred, assumption or none
    quote: str | None  # the evidence, or the quote an inference starts from (`context`)
    source: str | None  # e.g. "South China Morning Post, 2024-12-09"
    reason: str | None
    anchor: str | None = None  # the anchor the quote supports, with its definition
    codings: tuple[Coding, ...] = ()  # each coder's value, when several coded it
    disputed: bool = False  # the coders disagree widely (sim/evidence/agreement.py)

    @property
    def heading(self) -> str:
        return BASIS_WORDS[self.kind]


def parameter_paths(scenario: Scenario) -> list[str]:
    """Every number of the path, actors first, in file order."""
    return [format_key_path(path) for path, _ in iter_estimates(scenario)]


def basis_of(scenario: Scenario, path: str) -> Basis:
    """The value of `path` and what it rests on."""
    for key, estimate in iter_estimates(scenario):
        if format_key_path(key) != path:
            continue
        issue = issue_of(key, scenario)
        anchors = scenario.issues[issue].anchors if issue else None
        own = _coding(next(iter(scenario.coders), "coder"), estimate, anchors)
        codings = ()
        if estimate.codings:
            others = (_coding(coder, coding, anchors) for coder, coding in estimate.codings.items())
            codings = (own, *others)
        return Basis(
            path=path,
            value=float(estimate.center()),
            spread=describe_distribution(estimate, key, scenario),
            kind=estimate.provenance,
            quote=own.quote,
            source=_source(scenario, estimate),
            reason=own.reason,
            anchor=own.anchor,
            codings=codings,
            disputed=bool(codings)
            and disagrees_widely([c.value for c in codings], parameter_at(key).proportional),
        )
    raise KeyError(path)


def _coding(coder: str, basis: Estimate | CodingModel, anchors: dict[float, str] | None) -> Coding:
    quoted = basis.evidence or basis.context
    return Coding(
        coder=coder,
        value=float(basis.value) if basis.value is not None else float("nan"),
        kind=basis.provenance,
        quote=quoted.quote if quoted else None,
        anchor=basis.evidence.anchor_text(anchors) if basis.evidence else None,
        reason=basis.inferred or basis.assumption,
    )


def _source(scenario: Scenario, basis: Estimate) -> str | None:
    quoted = basis.evidence or basis.context
    if quoted is None:
        return None
    known = scenario.sources.get(quoted.source)
    return f"{known.outlet}, {known.date}: {known.headline}" if known else quoted.source


def evidence_html(basis: Basis) -> str:
    """The quote with the anchor it supports (or the reason, and the quote it starts from), then,
    when several coders coded the number, each coder's value and basis."""
    parts = []
    if basis.quote:
        label = (
            ""
            if basis.kind == "evidence"
            else "<i>Context (relates to the number, does not state it):</i><br>"
        )
        quote = f"{label}“{html.escape(basis.quote)}”<br>— {html.escape(basis.source or '')}"
        parts.append(f'<blockquote style="font-size: 17px">{quote}</blockquote>')
    if basis.anchor:
        parts.append(f"<p>Anchor it supports: <b>{html.escape(basis.anchor)}</b></p>")
    if basis.reason:
        parts.append(f"<p>Why: {html.escape(basis.reason)}</p>")
    if basis.codings:
        heading = "The coders disagree widely" if basis.disputed else "Coders"
        cell = 'style="padding: 4px 10px; border-bottom: 1px solid #ddd; vertical-align: top"'
        head = "".join(f"<th {cell}>{name}</th>" for name in ("coder", "value", "basis", "quote or reason"))
        rows = "".join(
            f"<tr><td {cell} nowrap>{html.escape(c.coder)}</td><td {cell}>{c.value:.3g}</td>"
            f"<td {cell}>{html.escape(c.kind)}</td><td {cell}>{html.escape(_coding_basis(c))}</td></tr>"
            for c in basis.codings
        )
        parts.append(
            f"<p><b>{heading}</b>: the model draws around their mean, {basis.value:.3g}, "
            f"spread {html.escape(basis.spread)}</p>"
            f'<table class="negsim-coders" style="border-collapse: collapse; text-align: left">'
            f"<tr>{head}</tr>{rows}</table>"
        )
    return "".join(parts)


def _coding_basis(coding: Coding) -> str:
    if coding.quote and coding.anchor:
        return f"“{coding.quote}” → {coding.anchor}"
    return coding.reason or (f"“{coding.quote}”" if coding.quote else "")
