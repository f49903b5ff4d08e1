"""The record: what happened after the snapshot, each event dated and quoted from a source.

A record resolves forecasts, so it is held to the standard of the scenario files' evidence:
every event names a listed source and quotes it (briefly: at most MAX_QUOTE_WORDS words), and
nothing may be dated before the snapshot or after the last date the record documents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.forecast.conditions import KINDS
from sim.forecast.fields import Fields, read_document
from sim.scenario.suggest import hint

INFORMATIONAL = "talks"  # talks held, summits, drafts: listed for the story, never resolve a question
RECORD_KINDS = (*KINDS, INFORMATIONAL)
MAX_QUOTE_WORDS = 30
EVENT_KEYS = ("date", "kind", "what", "source", "quote")


@dataclass(frozen=True)
class Source:
    outlet: str
    date: dt.date | None
    headline: str | None
    url: str | None


@dataclass(frozen=True)
class RecordEvent:
    date: dt.date
    kind: str
    issues: tuple[str, ...]
    what: str
    source: str
    quote: str


@dataclass(frozen=True)
class Record:
    file: Path
    name: str
    start: dt.date  # the snapshot's date
    through: dt.date  # the last date the record documents
    sources: dict[str, Source]
    events: tuple[RecordEvent, ...]

    def timeline(self) -> pd.DataFrame:
        """The events that can resolve a question as one timeline (conditions.holds), in date
        order (the file's order within a day), numbered 1.. in place of months."""
        events = sorted((e for e in self.events if e.kind != INFORMATIONAL), key=lambda e: e.date)
        return pd.DataFrame(
            {
                "replication": [0] * len(events),
                "month": list(range(1, len(events) + 1)),
                "kind": [e.kind for e in events],
                "issues": [",".join(e.issues) for e in events],
                "date": [e.date for e in events],
            }
        )


def load_record(path: Path) -> Record:
    """Read and check a record file; every problem in it is raised at once (NegsimError)."""
    document = read_document(path, "record")
    fields = Fields(document, str(path))
    top = fields.mapping((), document.data, ["name", "start", "through", "sources", "events"]) or {}
    name = fields.identifier(("name",), top["name"]) if "name" in top else None
    start = fields.date(("start",), top["start"]) if "start" in top else None
    through = fields.date(("through",), top["through"]) if "through" in top else None
    if start is not None and through is not None and through < start:
        fields.fail(("through",), f"{through} is before the record's start {start}")
    sources = _sources(fields, top.get("sources")) if "sources" in top else {}
    raw = top.get("events")
    if "events" in top and not isinstance(raw, list):
        fields.fail(("events",), "expected a list of events (`events: []` when nothing happened yet)")
    events = [
        event
        for i, item in enumerate(raw if isinstance(raw, list) else [])
        if (event := _event(fields, i, item, start, through, sources)) is not None
    ]
    fields.done()
    assert name is not None and start is not None and through is not None
    return Record(path, name, start, through, sources, tuple(events))


def _sources(fields: Fields, value: Any) -> dict[str, Source]:
    """Each source: its outlet, and a headline or address to find it by; its date if known."""
    if not isinstance(value, dict):
        fields.fail(("sources",), "expected a mapping from source ids to {outlet, date, headline, url}")
        return {}
    sources = {}
    for key, item in value.items():
        at = ("sources", str(key))
        if fields.identifier(at, key) is None:
            continue
        entry = fields.mapping(at, item, ["outlet"], ["date", "headline", "url"])
        if entry is None or "outlet" not in entry:
            continue
        before = len(fields.problems)
        outlet = fields.text((*at, "outlet"), entry["outlet"])
        date = fields.date((*at, "date"), entry["date"]) if "date" in entry else None
        headline = fields.text((*at, "headline"), entry["headline"]) if "headline" in entry else None
        url = fields.text((*at, "url"), entry["url"]) if "url" in entry else None
        if url is not None and not url.startswith(("https://", "http://")):
            fields.fail((*at, "url"), "expected a web address (https://…)")
        if "headline" not in entry and "url" not in entry:
            fields.fail(at, "a source needs a `headline` or a `url` to be found by")
        if len(fields.problems) == before:
            sources[key] = Source(outlet, date, headline, url)  # type: ignore[arg-type]
    return sources


def _event(
    fields: Fields,
    index: int,
    item: Any,
    start: dt.date | None,
    through: dt.date | None,
    sources: dict[str, Source],
) -> RecordEvent | None:
    at = ("events", index)
    entry = fields.mapping(at, item, EVENT_KEYS, ["issues"])
    if entry is None or any(k not in entry for k in EVENT_KEYS):
        return None
    before = len(fields.problems)
    date = fields.date((*at, "date"), entry["date"])
    if date is not None and start is not None and date < start:
        fields.fail(
            (*at, "date"), f"{date} is before the record's start {start}: the record follows the snapshot"
        )
    if date is not None and through is not None and date > through:
        fields.fail((*at, "date"), f"{date} is after the record's `through` {through}", "move `through` on")
    kind = fields.choice((*at, "kind"), entry["kind"], RECORD_KINDS)
    issues = fields.ids((*at, "issues"), entry["issues"], empty=True) if "issues" in entry else ()
    if kind == "partial_deal" and not entry.get("issues"):
        fields.fail(at, "a partial deal names the issues it covers: `issues: [id, …]` is missing")
    what = fields.text((*at, "what"), entry["what"])
    source = fields.identifier((*at, "source"), entry["source"])
    if source is not None and source not in sources:
        fields.fail(
            (*at, "source"),
            f"the source `{source}` is not listed under `sources`",
            hint(source, list(sources)),
        )
    quote = fields.text((*at, "quote"), entry["quote"])
    if quote is not None and len(quote.split()) > MAX_QUOTE_WORDS:
        fields.fail(
            (*at, "quote"),
            f"the quote has {len(quote.split())} words; at most {MAX_QUOTE_WORDS}",
            "quote the shortest passage that shows the event",
        )
    if len(fields.problems) > before:
        return None
    return RecordEvent(date, kind, issues or (), what, source, quote)  # type: ignore[arg-type]
