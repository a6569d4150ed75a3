"""Anchors: the log's head (id, hash, time) kept outside the database.

A verified chain shows that no row was changed or removed in between, but not that the log is still as
long as it was: rows cut off the end (and sqlite_sequence reset), or an older copy of the database put
back, leave a shorter chain that is whole. Someone holding the key can even rewrite rows and recompute
every later hash. A head written down elsewhere catches all three: the chain no longer reaches it.

An anchor file holds one head per line, `id<TAB>hash<TAB>time`, appended by `flask --app app log-anchor
-o FILE`; blank lines and lines starting with # are ignored. A backup's manifest.json holds one head under
"log_head". `check()` needs no key: it compares stored hashes with anchored ones, after service.verify().
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlite_utils import Database

from ..db import in_clause
from .service import head

_HASH = re.compile(r"[0-9a-f]{64}")


class AnchorError(Exception):
    """An anchor file that cannot be read; the message (Japanese) names the file and line."""


@dataclass(frozen=True)
class Anchor:
    id: int
    hash: str
    at: str
    source: str  # the file (and line) it was read from, for messages


def write(f: IO[str], current: dict[str, Any]) -> None:
    """Append one head as a line and force it to the disk (the file is meant to outlive the server)."""
    f.write(f"{current['id']}\t{current['hash']}\t{current['at']}\n")
    f.flush()
    os.fsync(f.fileno())


def read(path: str | Path) -> list[Anchor]:
    """The anchors of an anchor file, or the one head of a backup's manifest.json."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise AnchorError(f"アンカーファイル {path} を読めません（ファイルがないか、文字コードが UTF-8 ではありません）")
    if text.lstrip().startswith("{"):
        try:
            found = json.loads(text)["log_head"]
            return [_anchor(found["id"], found["hash"], found.get("at", ""), f"{path} の log_head")]
        except (ValueError, KeyError, TypeError):
            raise AnchorError(f"{path} に操作ログの最終行（log_head）が記録されていません"
                              "（この版より前のバックアップの manifest.json は使えません）")
    anchors = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            fields = line.split("\t")
            anchors.append(_anchor(fields[0], fields[1] if len(fields) > 1 else "",
                                   fields[2] if len(fields) > 2 else "", f"{path} の {number} 行目"))
    if not anchors:
        raise AnchorError(f"アンカーファイル {path} にアンカーが1件もありません")
    return anchors


def _anchor(row_id: Any, digest: Any, at: Any, source: str) -> Anchor:
    try:
        number = int(row_id)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or not isinstance(digest, str) or not _HASH.fullmatch(digest):
        raise AnchorError(f"{source}を読めません（行番号・ハッシュ・時刻をタブで区切った1行が必要です）")
    return Anchor(number, digest, str(at), source)


def check(db: Database, anchors: list[Anchor]) -> list[str]:
    """One problem per anchor the log no longer reaches; empty when it reaches them all. Run it on a chain
    that verify() passed: an anchored row is then either there with its anchored hash, or the log has lost
    its end, or it is another history (rewritten, or an older copy with new rows since)."""
    clause, params = in_clause("id", {a.id for a in anchors})
    stored = dict(db.execute(f"SELECT id, hash FROM activity_log WHERE {clause}", params).fetchall())
    last = head(db)
    problems = []
    for anchor in anchors:
        if anchor.id not in stored:
            problems.append(
                f"{anchor.source}: アンカー（{anchor.at}、行 {anchor.id}）の行が操作ログにありません"
                f"（現在の最終行: {last['id'] if last else 'なし'}）。末尾の行の削除、又は古いバックアップへの"
                "巻き戻しの可能性があります")
        elif stored[anchor.id] != anchor.hash:
            problems.append(
                f"{anchor.source}: 行 {anchor.id} のハッシュがアンカー（{anchor.at}）と一致しません。"
                "行の書き換え、又は別の時点のデータベースへの置き換えの可能性があります")
    return problems
