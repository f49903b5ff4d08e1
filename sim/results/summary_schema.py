"""summary.json as typed models: one per kind of result folder (run, sensitivity, discovery),
told apart by `kind`.

Commands build the model and `dump` it; readers (`negsim plot`, `compare`, the seminar page)
get it back from `parse`, which refuses a damaged file with one message naming the key. What
is written is exactly what negsim wrote before these models existed: keys in the same order,
floats as Python prints them (NaN included), `null` where a value is undefined, and the
optional keys (`streams`, `what_if`, a discovery's `box` and `tree_accuracy`) left out when
there is nothing to say.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from sim.errors import NegsimError


class Model(BaseModel):
    """Strict: a number is not a string or a boolean, and an unknown key is damage."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


def plural(round_unit: str) -> str:
    """A scenario's round unit ("month", `run.round_unit`) for a number of rounds: "months"."""
    return f"{round_unit}s"


def optional() -> Any:
    """A key that is left out of the file when it has no value."""
    return Field(default=None, exclude_if=lambda value: value is None)


Pair = Annotated[list[float], Field(min_length=2, max_length=2)]


class Issue(Model):
    label: str
    low: str  # what the low end of the scale means
    high: str  # what the high end of the scale means
    scale: Pair | None = optional()  # the issue's own units, when not 0..1
    unit: str | None = optional()

    @property
    def ends(self) -> tuple[float, float]:
        return (self.scale[0], self.scale[1]) if self.scale is not None else (0.0, 1.0)


class Header(Model):
    """What every summary starts with: what ran, and the names plots and tables need."""

    kind: str
    scenario: str
    title: str
    file: str
    rounds: int
    replications: int  # per path
    seed: int
    round_unit: str  # what one round stands for, in the singular ("month")
    issues: dict[str, Issue]
    actors: dict[str, str]  # every path's actors, id -> name, in the order they first appear
    streams: str | None = optional()  # what keys the random draws (absent: the scenario's name)
    what_if: str | None = optional()  # a what-if's changes, in words; its titles carry them

    @property
    def round_units(self) -> str:
        return plural(self.round_unit)

    @property
    def streams_key(self) -> str:
        """What keyed the random draws: folders written before `streams` was recorded were keyed
        by the scenario's name."""
        return self.streams if self.streams is not None else self.scenario


# --- negsim run


class Agreement(Model):
    share: float
    low: float  # 95% Wilson interval
    high: float


class Outcomes(Model):
    """The share of replications that ended each way (sim/model/arrays.OUTCOME_NAMES)."""

    agreement: float
    ceasefire: float
    breakdown: float
    stalemate: float


class EventShare(Model):
    """The share of runs in which an event had happened by a month, with its 95% Wilson interval."""

    month: int
    share: float
    low: float
    high: float


class Spells(Model):
    """How long ceasefires (or partial deals) lasted: Kaplan-Meier estimates over every spell,
    those still holding when their run ended counted as censored."""

    spells: int
    broke: int
    median_months: float | None  # None: more than half still held at the end
    holding_after_12: float  # share still holding 12 rounds after it began


class Timelines(Model):
    """What a path's timelines say, when its ceasefires can break or partial deals be made."""

    first: dict[str, list[EventShare]]  # kind -> share of runs with one by 12, 24 rounds, the horizon
    durations: dict[str, Spells | None]  # ceasefire, partial_deal -> how long they lasted


class HistoryCondition(Model):
    """One condition of a scenario's `history:`, its deadline as a round of the run."""

    kind: str
    test: str  # occurs, none, in_force
    issues: list[str]  # a partial deal's issues; [] for any (or a general event)
    month: int


class Conditioned(Model):
    """A path's runs kept because their events up to `month` match the scenario's `history:`,
    and what they say from then on (docs/forecasting.md, Conditioning on the record)."""

    month: int  # the last round the history covers: the forecast counts from its end
    through: str | None = optional()  # the history's date, when it gives one (it falls in `month`)
    source: str | None = optional()  # the record the conditions paraphrase
    conditions: list[HistoryCondition]
    replications: int  # run on the path
    accepted: int  # whose history matched
    acceptance: float
    ess: float  # effective sample size (Kish); the accepted runs weigh equally, so `accepted`
    forecast: RunPath  # the accepted runs only, rounds counted from the end of `month`


class RunPath(Model):
    """The numbers `negsim run` prints for one path."""

    label: str
    replications: int
    agreement: Agreement
    outcomes: Outcomes
    median_rounds_to_agreement: float | None  # None: no run agreed
    median_terms: dict[str, float | None]
    events: Timelines | None = optional()  # only where ceasefires can break or partial deals be made
    conditioned: Conditioned | None = optional()  # only for a scenario with a `history:`


Conditioned.model_rebuild()  # its forecast is a RunPath, defined after it


class RunSummary(Header):
    kind: Literal["run"]
    paths: dict[str, RunPath]


# --- analyses: the design they share


class ExploredParameter(Model):
    name: str
    label: str
    low: float
    high: float
    dist: str
    mode: float | None = optional()
    mean: float | None = optional()
    sd: float | None = optional()


class Experiment(Model):
    method: str  # the sampler: sobol, morris, latin_hypercube
    seed: int
    points: int
    replications_per_point: int
    columns: int  # of the design; more than the parameters when a column feeds none (noise floor)
    parameters: list[ExploredParameter]


# --- negsim sensitivity


class Index(Model):
    """One parameter's indices for one output: Sobol' (ST, S1) or Morris (mu*, sigma)."""

    parameter: str
    ST: float | None = optional()
    ST_conf: float | None = optional()
    S1: float | None = optional()
    S1_conf: float | None = optional()
    mu_star: float | None = optional()
    mu_star_conf: float | None = optional()
    sigma: float | None = optional()


class SensitivityPath(Model):
    label: str
    agreement_share: float
    points: int
    points_without_agreement: int
    unused: list[str]  # explored parameters this path does not have
    indices: dict[str, list[Index]]  # output -> most influential first


class SensitivitySummary(Header):
    kind: Literal["sensitivity"]
    experiment: Experiment
    paths: dict[str, SensitivityPath]


# --- negsim discover


class Box(Model):
    """PRIM's chosen box after pasting; `limits` has its restricted parameters only."""

    coverage: float
    density: float
    mass: float
    limits: dict[str, Pair]


class DiscoveryPath(Model):
    label: str
    parameters: list[str]  # the explored parameters used on this path
    cases: int
    base_rate: float
    finding: bool
    p_value: float
    sentence: str
    box: Box | None = optional()  # absent when no run, or every run, reached the outcome
    tree_accuracy: float | None = optional()


class DiscoverySummary(Header):
    kind: Literal["discovery"]
    experiment: Experiment
    outcome: str
    min_coverage: float
    paths: dict[str, DiscoveryPath]


# --- negsim backtest


class ModelScore(Model):
    """One model's errors over the issues it was scored on, in points of a 0..100 scale."""

    model: str
    n: int
    mae: float
    rmse: float
    median_ae: float
    within_5: float
    within_10: float
    within_20: float
    mae_diff_vs_compromise: float | None  # None without the compromise model to compare with
    ci_low: float | None
    ci_high: float | None


class BacktestSummary(Header):
    kind: Literal["backtest"]
    dataset: str  # the data set or folder of scenarios scored
    models: list[str]
    cases: int  # issues with an observed outcome
    groups: int  # proposals: the bootstrap's clusters
    scores: list[ModelScore]


Summary = RunSummary | SensitivitySummary | DiscoverySummary | BacktestSummary
KINDS = {
    "run": "a run",
    "sensitivity": "a sensitivity analysis",
    "discovery": "a scenario discovery",
    "backtest": "a backtest",
}
_SUMMARY: TypeAdapter[Summary] = TypeAdapter(Annotated[Summary, Field(discriminator="kind")])


def dump(summary: Summary) -> dict[str, Any]:
    """The summary as summary.json holds it (sim/results/writer.write_json writes it)."""
    return summary.model_dump()


def parse(data: Any, where: str, hint: str) -> Summary:
    """A summary read back from JSON (`where`: the file, for the message); anything else is one
    NegsimError naming the key, what was expected, and `hint`."""
    if not isinstance(data, dict):
        raise NegsimError.single(
            where, f"is not a negsim summary: expected a JSON object, got {_short(data)}", suggestion=hint
        )
    kind = data.setdefault("kind", "run")  # folders written before `kind` existed are runs
    if not isinstance(kind, str) or kind not in KINDS:
        raise NegsimError.single(
            where, f"records the kind {_short(kind)}, not {_kinds()}", key_path="kind", suggestion=hint
        )
    try:
        return _SUMMARY.validate_python(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise NegsimError.single(
            where, _expected(first), key_path=_key_path(first["loc"]), suggestion=hint
        ) from None


def _kinds() -> str:
    names = list(KINDS.values())
    return ", ".join(names[:-1]) + " or " + names[-1]


def _key_path(loc: tuple[int | str, ...]) -> str:
    """pydantic's location as a key path (`paths.us_led.agreement.share`, `indices.rounds[2]`),
    without the kind it starts with for a tagged union."""
    parts = list(loc[1:] if loc and loc[0] in KINDS else loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _expected(error: Any) -> str:
    if error["type"] == "missing":
        return "required key is missing"
    if error["type"] == "extra_forbidden":
        return "is not a key negsim writes"
    message = str(error["msg"])
    text = f"{message[:1].lower()}{message[1:]}"
    return f"{text}, got {_short(error['input'])}" if "input" in error else text


def _short(value: Any) -> str:
    """A value from the file as a message shows it: never more than 60 characters."""
    text = repr(value) if not isinstance(value, dict | list) else type(value).__name__
    return text if len(text) <= 60 else f"{text[:57]}..."
