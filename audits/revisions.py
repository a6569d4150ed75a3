"""Overwrite protection at the client boundary: a save names what its form was loaded with, and fails closed.

A form carries the revision (a number) or the fingerprint (a SHA-256 hex digest, audit/editing.py) of
what it showed. The view reads it with `form_revision`/`form_fingerprint`, which give None when the
value is missing or malformed; the service compares it inside its write transaction with `is_current`,
and None is never current: a POST without its revision is refused as a conflict, never saved unchecked.

In-process callers that mean to write without a check (the demo data, tests) pass `UNCHECKED`, an
object no form can send.
"""
from __future__ import annotations

import re

from .bounds import parse_int

UNCHECKED = object()
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


def form_revision(raw) -> int | None:
    """The revision number a form was loaded with, or None (missing, malformed, out of range)."""
    return parse_int(raw)


def form_fingerprint(raw) -> str | None:
    """The fingerprint a form was loaded with, or None (missing or malformed)."""
    return raw if isinstance(raw, str) and _FINGERPRINT.fullmatch(raw) else None


def is_current(stored, sent) -> bool:
    """Whether the save may go ahead: `sent` is what is stored now, or the caller asked for no check."""
    return sent is UNCHECKED or (sent is not None and sent == stored)
