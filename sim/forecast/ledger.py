"""The forecast ledger: one JSON line per forecast, each chained to the one before by its hash.

A forecast is only worth scoring if it was made before the outcome was known and not changed
since. So every entry records the SHA-256 of the entry before it (`prev`; 64 zeros for the
first) and its own (`hash`: of its canonical JSON, sorted keys, without `hash`), and each line
is exactly that canonical JSON. Changing a character of a line breaks its hash; removing,
repeating or reordering lines breaks the entry numbers and the chain. Removing the *last*
entries leaves a shorter chain that is still whole, so a sidecar `<ledger>.head` records how
many entries there are and the last one's hash.

This makes tampering evident, not impossible: whoever can rewrite the files can recompute
every hash. Keep the ledger where its history is kept too (a git repository), and the chain
tells you whether each copy is whole.

Appending never changes a byte of the earlier lines: the ledger is verified, copied with the
new lines to a temporary file beside it, flushed to disk and renamed over the old one, then
the head likewise, under a lock so two appends cannot interleave. An interrupted append
leaves the old ledger, or the new ledger with its old head, which `verify` names.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import NegsimError
from sim.interrupts import signals_held

ZERO = "0" * 64
HEAD_SUFFIX = ".head"
MAX_LEDGER_BYTES = 256 * 1024 * 1024
REPAIR = (
    "the ledger is not as negsim wrote it: restore it (and its .head) from a copy you trust, "
    "such as your repository's history; negsim appends to no ledger that fails this check"
)


@dataclass(frozen=True)
class Chain:
    """A verified ledger: its entries in order, and its text (which an append copies)."""

    entries: list[dict[str, Any]]
    text: str = ""

    @property
    def last_hash(self) -> str:
        return self.entries[-1]["hash"] if self.entries else ZERO


def canonical(entry: dict[str, Any]) -> str:
    """The one way an entry is written: sorted keys, no spaces, UTF-8 text as it is."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 of the entry's canonical JSON without its `hash`."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def seal(fields: dict[str, Any], number: int, prev: str) -> dict[str, Any]:
    """`fields` as entry `number` (1-based) of a ledger whose last hash is `prev`."""
    entry = {**fields, "entry": number, "prev": prev}
    return {**entry, "hash": entry_hash(entry)}


def head_file(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + HEAD_SUFFIX)


def verify(ledger: Path) -> Chain:
    """The ledger's entries if every line, the chain and the head are whole; else NegsimError
    naming the first line at fault."""
    text = _read(ledger)
    entries: list[dict[str, Any]] = []
    lines = text.split("\n")
    if lines[-1]:
        last = len(lines)
        raise _broken(ledger, last, "is incomplete (it does not end in a new line): a write was cut short")
    for number, line in enumerate(lines[:-1], start=1):
        entry = _entry(ledger, number, line)
        prev = entries[-1]["hash"] if entries else ZERO
        if entry["entry"] != number:
            why = "an entry before it was removed" if entry["entry"] > number else "entries were repeated"
            raise _broken(
                ledger, number, f"holds entry {entry['entry']}, not {number}: {why}, or lines were reordered"
            )
        if entry["prev"] != prev:
            raise _broken(
                ledger, number, f"does not follow line {number - 1}: its `prev` is not that entry's hash"
            )
        entries.append(entry)
    chain = Chain(entries, text)
    _check_head(ledger, chain)
    return chain


def _read(ledger: Path) -> str:
    try:
        if ledger.is_dir():
            raise NegsimError.single(str(ledger), "is a folder, expected a ledger file (.jsonl)")
        with ledger.open("rb") as stream:
            raw = stream.read(MAX_LEDGER_BYTES + 1)
    except FileNotFoundError:
        raise NegsimError.single(str(ledger), "file not found") from None
    except OSError as exc:
        raise NegsimError.single(str(ledger), f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_LEDGER_BYTES:
        raise NegsimError.single(
            str(ledger), f"is larger than {MAX_LEDGER_BYTES:,} bytes, the limit for a ledger"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _broken(ledger, line, f"was changed: byte {exc.start} is not UTF-8") from None


def _entry(ledger: Path, number: int, line: str) -> dict[str, Any]:
    """Line `number` as an entry, if it is one exactly as negsim wrote it."""
    try:
        entry = json.loads(line)
    except ValueError:
        raise _broken(ledger, number, "was changed: it is not valid JSON") from None
    if not (
        isinstance(entry, dict) and isinstance(entry.get("hash"), str) and isinstance(entry.get("prev"), str)
    ):
        raise _broken(ledger, number, "was changed: it is not a ledger entry (no `hash` and `prev`)")
    if not isinstance(entry.get("entry"), int) or isinstance(entry["entry"], bool):
        raise _broken(ledger, number, "was changed: it has no entry number")
    if canonical(entry) != line:
        raise _broken(
            ledger, number, "was changed: it is not written as negsim writes entries (canonical JSON)"
        )
    if entry_hash(entry) != entry["hash"]:
        raise _broken(ledger, number, "was changed: its content does not match its hash")
    return entry


def _check_head(ledger: Path, chain: Chain) -> None:
    """The head's count and hash against the chain: only the head notices lost last entries."""
    count = len(chain.entries)
    head = _read_head(ledger)
    if head is None:
        if count:
            raise NegsimError.single(
                str(head_file(ledger)),
                f"is missing: whether entries after the {count} in {ledger.name} were removed cannot be told",
                suggestion=REPAIR,
            )
        return
    recorded, last = head
    if recorded > count:
        removed = recorded - count
        raise _broken(
            ledger,
            count + 1,
            f"is missing: the head records {recorded} entries and the ledger ends after {count} "
            f"(the last {removed} {'was' if removed == 1 else 'were'} removed)",
        )
    known = chain.entries[recorded - 1]["hash"] if recorded else ZERO
    if known != last:
        raise _broken(
            ledger,
            max(recorded, 1),
            f"is not the entry the head records as entry {recorded} (it was replaced)",
        )
    if recorded < count:
        raise _broken(
            ledger,
            recorded + 1,
            f"is not in the head, which records {recorded} entries: lines were added by hand, "
            "or an append was cut short before it wrote the head",
        )


def _read_head(ledger: Path) -> tuple[int, str] | None:
    file = head_file(ledger)
    try:
        raw = file.read_bytes()[:4096]
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise NegsimError.single(str(file), f"cannot be read: {exc.strerror or exc}") from None
    try:
        head = json.loads(raw.decode("utf-8"))
        count, last = head["entries"], head["hash"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 0 or not isinstance(last, str):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise NegsimError.single(
            str(file), 'was changed: expected {"entries": N, "hash": "…"}', suggestion=REPAIR
        ) from None
    return count, last


def _broken(ledger: Path, line: int, message: str) -> NegsimError:
    """The ledger's first bad line, named in the location and in words (`line 3 was changed`)."""
    return NegsimError.single(str(ledger), f"line {line} {message}", line=line, suggestion=REPAIR)


def current(ledger: Path) -> Chain:
    """The chain new entries would be appended to: the verified ledger, or an empty one if
    there is no ledger yet (and no head left of one)."""
    if ledger.exists() or ledger.is_symlink():
        return verify(ledger)
    if head_file(ledger).exists():
        raise NegsimError.single(
            str(ledger), f"is missing, but its {head_file(ledger).name} is not", suggestion=REPAIR
        )
    return Chain([])


def append(ledger: Path, new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Seal `new` (entries without number, `prev` or `hash`) onto the ledger, creating it (and
    its folder) if there is none; refuse (NegsimError) if the ledger fails `verify`. Returns
    the sealed entries."""
    ledger.parent.mkdir(parents=True, exist_ok=True)
    with _locked(ledger.parent):
        chain = current(ledger)
        sealed: list[dict[str, Any]] = []
        prev = chain.last_hash
        for number, fields in enumerate(new, start=len(chain.entries) + 1):
            sealed.append(seal(fields, number, prev))
            prev = sealed[-1]["hash"]
        old = chain.text.encode("utf-8")  # exactly the lines just verified
        lines = "".join(canonical(entry) + "\n" for entry in sealed).encode("utf-8")
        head = canonical({"entries": len(chain.entries) + len(sealed), "hash": prev}) + "\n"
        with signals_held(signal.SIGINT, signal.SIGTERM):  # the ledger and its head, not one alone
            _replace(ledger, old + lines)
            _replace(head_file(ledger), head.encode("utf-8"))
    return sealed


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on the ledger's folder (no lock file to leave behind) while appending."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def _replace(target: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `target`, flush it to disk, rename it over
    `target` and flush the folder, so `target` is always the old file or the new one."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(name, 0o644)
        os.replace(name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
