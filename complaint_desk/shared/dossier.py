"""The sealed record of a closed complaint (資料歸檔), tamper-evident: a hash chain over its
events in stream order (each event's hash covers the previous one's), then over the files
they name, signed with a key the desk holds (HMAC-SHA256). Recomputed from the log or from a
downloaded dossier, it says whether anything changed since sealing. Pure: no I/O."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ERASED = "erased"  # a file's place in a dossier once it was erased with personal data
GENESIS = hashlib.sha256(b"complaint-desk dossier v1").hexdigest()
# The envelope fields an event's hash covers (its position in the log is not: a restore may
# renumber the log, and nothing the desk said changes with it).
SEALED_FIELDS = ("event_id", "event_type", "version", "occurred_at", "actor", "data")


def canonical(event: Mapping[str, Any]) -> bytes:
    """An event as its hash reads it: the sealed fields, keys sorted, times in ISO 8601."""
    fields = {}
    for name in SEALED_FIELDS:
        value = event[name]
        if isinstance(value, datetime):
            value = value.isoformat()
        fields[name] = str(value) if name == "event_id" else value
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def files_named(events: Iterable[Mapping[str, Any]]) -> list[str]:
    """The hashes of the files the events name (their own, a report's PDF, its signatures),
    each once, in the order first named."""
    found: dict[str, None] = {}
    for event in events:
        data = event["data"]
        refs = list(data.get("files") or [])
        if data.get("document"):
            refs.append(data["document"])
        refs += [s["file"] for s in data.get("signatures") or [] if s.get("file")]
        for ref in refs:
            found.setdefault(ref["sha256"], None)
    return list(found)


def chain(events: Sequence[Mapping[str, Any]], files: Sequence[str]) -> str:
    """The head of the chain: each event, then each file's hash, folded onto the one before."""
    head = GENESIS
    for event in events:
        head = hashlib.sha256(bytes.fromhex(head) + canonical(event)).hexdigest()
    for sha in files:
        head = hashlib.sha256(bytes.fromhex(head) + bytes.fromhex(sha)).hexdigest()
    return head


def sign(head: str, key: bytes) -> str:
    return hmac.new(key, b"dossier\0" + head.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Seal:
    version: int  # the last event sealed
    chain: str
    files: tuple[str, ...]
    signature: str


def seal(events: Sequence[Mapping[str, Any]], key: bytes) -> Seal:
    files = files_named(events)
    head = chain(events, files)
    return Seal(events[-1]["version"], head, tuple(files), sign(head, key))


@dataclass(frozen=True)
class Verdict:
    """Whether the record is as sealed; if not, what differs."""

    intact: bool
    problems: tuple[str, ...] = ()


def verify(
    events: Sequence[Mapping[str, Any]],
    sealed: Seal,
    key: bytes,
    file_hashes: Mapping[str, str] | None = None,
) -> Verdict:
    """The events (up to the sealed version) and, for a downloaded dossier, the hashes of the
    files it holds (by the hash each was sealed under) against the seal."""
    problems = []
    upto = [e for e in events if e["version"] <= sealed.version]
    if [e["version"] for e in upto] != list(range(1, sealed.version + 1)):
        problems.append("events missing or out of order")
    files = files_named(upto)
    if tuple(files) != sealed.files:
        problems.append("the files named differ from those sealed")
    if chain(upto, files) != sealed.chain:
        problems.append("the events differ from those sealed")
    if not hmac.compare_digest(sign(sealed.chain, key), sealed.signature):
        problems.append("the seal's signature is not the desk's")
    if file_hashes is not None:
        for sha in sealed.files:
            actual = file_hashes.get(sha)
            if actual == ERASED:
                continue  # erased with the complainant's data: its hash stays in the chain
            if actual is None:
                problems.append(f"file {sha[:12]} is missing")
            elif actual != sha:
                problems.append(f"file {sha[:12]} was altered")
    return Verdict(not problems, tuple(problems))
