"""課 (departments) and 部 (bureaus): listing, editing, profile tags and the org-chart import."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from sqlite_utils import Database

from checklists.xlsx_reader import WorkbookRejected, open_workbook, sheet_rows

from ..activity import service as activity
from ..db import Conditions, transaction
from ..timeutil import now_iso

TAGS_FILE = Path(__file__).resolve().parents[2] / "checklists" / "tags.yaml"
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
ORG_COLUMNS = ("部コード", "部名", "課コード", "課名", "タグ")
ORG_MAX_ROWS = 5000      # 課 in one org chart (a large city has about a thousand); a row further down is refused
ORG_MAX_COLUMNS = 50     # columns read from an Excel org chart (the layout has five)


class DepartmentError(ValueError):
    """A user-facing reason (Japanese) why a change was refused; `errors` lists every problem."""

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class ProfileTag:
    id: str
    label: str
    description: str


@lru_cache(maxsize=1)
def profile_tags() -> dict[str, ProfileTag]:
    """The profile tags of a 課, defined once in checklists/tags.yaml."""
    data = yaml.safe_load(TAGS_FILE.read_text(encoding="utf-8"))
    return {t["id"]: ProfileTag(t["id"], t["label"], t.get("description", "")) for t in data["tags"]}


def tag_label(tag: str) -> str:
    found = profile_tags().get(tag)
    return found.label if found else tag


def resolve_tag(text: str) -> str | None:
    """Accept a tag id or its Japanese label (as in an org-chart spreadsheet)."""
    text = text.strip()
    tags = profile_tags()
    if text in tags:
        return text
    for tag in tags.values():
        if tag.label == text:
            return tag.id
    return None


def department_code(db: Database, department_id: int) -> str | None:
    """The 課コード (what the activity log records) of a 課 id; None for an unknown id."""
    row = db.execute("SELECT code FROM departments WHERE id = ?", [department_id]).fetchone()
    return row[0] if row else None


def list_bureaus(db: Database) -> list[dict]:
    return list(db.query("SELECT * FROM bureaus ORDER BY sort_order, code"))


def set_bureau_agency(db: Database, bureau_id: int, agency: str) -> None:
    """Put a 部 under a 機関 (agencies.py); logged with the value before and after."""
    from .agencies import AGENCIES

    if agency not in AGENCIES:
        raise DepartmentError("機関を一覧から選んでください。")
    with transaction(db):
        row = db.execute("SELECT code, agency FROM bureaus WHERE id = ?", [bureau_id]).fetchone()
        if row is None:
            raise DepartmentError("部が見つかりません。")
        if row[1] != agency:
            db["bureaus"].update(bureau_id, {"agency": agency})
            activity.record(db, "bureau.agency", object_type="bureau", object_id=row[0],
                            detail={"before": row[1], "after": agency})


def list_departments(db: Database, *, department_ids: frozenset[int] | None = None,
                     bureau_id: int | None = None, tag: str = "", text: str = "",
                     include_inactive: bool = True) -> list[dict]:
    where = Conditions()
    if department_ids is not None:
        if not department_ids:
            return []
        where.ids("d.id", department_ids)
    if bureau_id:
        where.add("d.bureau_id = ?", bureau_id)
    if tag:
        where.add("EXISTS (SELECT 1 FROM department_tags t WHERE t.department_id = d.id AND t.tag = ?)", tag)
    if text:
        where.add("(d.name LIKE ? OR d.code LIKE ?)", f"%{text}%", f"%{text}%")
    if not include_inactive:
        where.add("d.active = 1")
    rows = list(db.query(
        f"""SELECT d.*, b.code AS bureau_code, b.name AS bureau_name,
                   (SELECT group_concat(tag, ',') FROM department_tags t WHERE t.department_id = d.id) AS tag_list
            FROM departments d JOIN bureaus b ON b.id = d.bureau_id {where.sql()}
            ORDER BY b.sort_order, b.code, d.sort_order, d.code""", where.params))
    for row in rows:
        row["tags"] = _ordered_tags((row.pop("tag_list") or "").split(","))
    return rows


def department_tags(db: Database, department_id: int) -> list[str]:
    return _ordered_tags(t for (t,) in db.execute(
        "SELECT tag FROM department_tags WHERE department_id = ?", [department_id]))


def _ordered_tags(tags) -> list[str]:
    wanted = set(t for t in tags if t)
    return [t for t in profile_tags() if t in wanted] + sorted(wanted - set(profile_tags()))


def _bureau_id(db: Database, code: str, name: str | None = None) -> int:
    row = db.execute("SELECT id, name FROM bureaus WHERE code = ?", [code]).fetchone()
    if row:
        if name and name != row[1]:
            db["bureaus"].update(row[0], {"name": name})
        return row[0]
    if not name:
        raise DepartmentError(f"部コード {code} は登録されていません。")
    order = db.execute("SELECT coalesce(max(sort_order), 0) + 10 FROM bureaus").fetchone()[0]
    return db["bureaus"].insert({"code": code, "name": name, "sort_order": order}).last_pk


def _check_department(code: str, name: str, tags: list[str]) -> list[str]:
    errors = []
    if not CODE_PATTERN.match(code or ""):
        errors.append("課コードは半角英数字・ハイフン・下線の20文字以内で入力してください。")
    if not (name or "").strip():
        errors.append("課名を入力してください。")
    unknown = [t for t in tags if t not in profile_tags()]
    if unknown:
        errors.append("不明なタグです: " + "、".join(unknown))
    return errors


def create_department(db: Database, code: str, name: str, bureau_code: str, tags: list[str],
                      *, bureau_name: str | None = None, sort_order: int | None = None) -> int:
    if errors := _check_department(code, name, tags):
        raise DepartmentError(errors)
    with transaction(db):
        if db.execute("SELECT 1 FROM departments WHERE code = ?", [code]).fetchone():
            raise DepartmentError(f"課コード {code} は既に使われています。")
        bureau_id = _bureau_id(db, bureau_code, bureau_name)
        if sort_order is None:
            sort_order = db.execute("SELECT coalesce(max(sort_order), 0) + 10 FROM departments").fetchone()[0]
        stamp = now_iso()
        department_id = db["departments"].insert({
            "code": code, "name": name.strip(), "bureau_id": bureau_id, "sort_order": sort_order,
            "active": 1, "created_at": stamp, "updated_at": stamp,
        }).last_pk
        db["department_tags"].insert_all({"department_id": department_id, "tag": t} for t in set(tags))
        activity.record(db, "department.create", department_code=code, object_type="department",
                        object_id=department_id, detail={"name": name, "bureau": bureau_code, "tags": sorted(tags)})
    return department_id


def update_department(db: Database, department_id: int, *, name: str, bureau_code: str, tags: list[str],
                      active: bool = True) -> None:
    with transaction(db):
        current = db["departments"].get(department_id)
        if errors := _check_department(current["code"], name, tags):
            raise DepartmentError(errors)
        before = {"name": current["name"], "bureau_id": current["bureau_id"], "active": bool(current["active"]),
                  "tags": department_tags(db, department_id)}
        bureau_id = _bureau_id(db, bureau_code)
        db["departments"].update(department_id, {"name": name.strip(), "bureau_id": bureau_id,
                                                 "active": int(active), "updated_at": now_iso()})
        db.execute("DELETE FROM department_tags WHERE department_id = ?", [department_id])
        db["department_tags"].insert_all({"department_id": department_id, "tag": t} for t in set(tags))
        after = {"name": name.strip(), "bureau_id": bureau_id, "active": active, "tags": sorted(set(tags))}
        activity.record(db, "department.update", department_code=current["code"], object_type="department",
                        object_id=department_id, detail={"before": before, "after": after})


# --- Organisation chart import -------------------------------------------------------------

@dataclass
class OrgRow:
    line: int
    bureau_code: str
    bureau_name: str
    code: str
    name: str
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    bureaus: int


def read_organisation_file(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of an org chart as (line number, {column: text}); CSV (UTF-8 or Shift_JIS) or Excel."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "cp932"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise DepartmentError("CSVの文字コードを判別できません（UTF-8 又は Shift_JIS で保存してください）。")
        table = []
        for i, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            if i > ORG_MAX_ROWS + 1 and any(v.strip() for v in row):
                raise DepartmentError(f"行が多すぎます（見出しと {ORG_MAX_ROWS} 課まで。{i}行目に値があります）。")
            table.append((i, row))
    elif suffix == ".xlsx":
        try:
            workbook = open_workbook(data)
            if not workbook.worksheets:
                raise DepartmentError("ファイルが空です。")
            table = [(i, ["" if v is None else str(v).strip() for v in row])
                     for i, row in sheet_rows(workbook.worksheets[0], max_rows=ORG_MAX_ROWS + 1,
                                              max_columns=ORG_MAX_COLUMNS)]
        except WorkbookRejected as rejected:
            raise DepartmentError(str(rejected))
    else:
        raise DepartmentError("組織図は CSV（.csv）又は Excel（.xlsx）で指定してください。")
    if not table:
        raise DepartmentError("ファイルが空です。")
    header_line, header = table[0]
    header = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c for c in ORG_COLUMNS[:4] if c not in header]
    if missing:
        raise DepartmentError(f"{header_line}行目（見出し）: 列 {'、'.join(missing)} がありません。"
                              f"見出しは「{'、'.join(ORG_COLUMNS)}」としてください。")
    rows = []
    for line, values in table[1:]:
        if not any(v.strip() for v in values):
            continue
        record = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
        rows.append((line, record))
    return rows


def validate_organisation(db: Database, rows: list[tuple[int, dict]]) -> tuple[list[OrgRow], list[str]]:
    errors, parsed, seen, bureau_names = [], [], {}, {}
    for line, record in rows:
        row_errors = []
        bureau_code, bureau_name = record.get("部コード", ""), record.get("部名", "")
        code, name = record.get("課コード", ""), record.get("課名", "")
        if not CODE_PATTERN.match(bureau_code):
            row_errors.append("部コードが空か、使えない文字を含みます")
        if not bureau_name:
            row_errors.append("部名が空です")
        if not CODE_PATTERN.match(code):
            row_errors.append("課コードが空か、使えない文字を含みます（半角英数字・ハイフン・下線）")
        if not name:
            row_errors.append("課名が空です")
        if code in seen:
            row_errors.append(f"課コード {code} が {seen[code]}行目と重複しています")
        if bureau_code and bureau_name:
            if bureau_names.setdefault(bureau_code, bureau_name) != bureau_name:
                row_errors.append(f"部コード {bureau_code} の部名が他の行（{bureau_names[bureau_code]}）と異なります")
        tags = []
        for raw in re.split(r"[、,;；\n]", record.get("タグ", "")):
            if not raw.strip():
                continue
            tag = resolve_tag(raw)
            if tag is None:
                row_errors.append(f"タグ「{raw.strip()}」は定義されていません")
            else:
                tags.append(tag)
        for message in row_errors:
            errors.append(f"{line}行目: {message}")
        if not row_errors:
            seen[code] = line
            parsed.append(OrgRow(line, bureau_code, bureau_name, code, name, tags))
    if not rows:
        errors.append("取り込む行がありません。")
    return parsed, errors


def import_organisation(db: Database, filename: str, data: bytes) -> ImportSummary:
    """Create or update 部 and 課 from an org chart. On any error nothing is imported."""
    rows = read_organisation_file(filename, data)
    parsed, errors = validate_organisation(db, rows)
    if errors:
        raise DepartmentError(errors)
    created = updated = 0
    with transaction(db):
        bureau_codes = set()
        for order, row in enumerate(parsed, start=1):
            bureau_id = _bureau_id(db, row.bureau_code, row.bureau_name)
            bureau_codes.add(row.bureau_code)
            existing = db.execute("SELECT id FROM departments WHERE code = ?", [row.code]).fetchone()
            if existing:
                db["departments"].update(existing[0], {"name": row.name, "bureau_id": bureau_id,
                                                       "sort_order": order * 10, "updated_at": now_iso()})
                db.execute("DELETE FROM department_tags WHERE department_id = ?", [existing[0]])
                db["department_tags"].insert_all({"department_id": existing[0], "tag": t} for t in set(row.tags))
                updated += 1
            else:
                stamp = now_iso()
                new_id = db["departments"].insert({
                    "code": row.code, "name": row.name, "bureau_id": bureau_id, "sort_order": order * 10,
                    "active": 1, "created_at": stamp, "updated_at": stamp}).last_pk
                db["department_tags"].insert_all({"department_id": new_id, "tag": t} for t in set(row.tags))
                created += 1
        summary = ImportSummary(created, updated, len(bureau_codes))
        activity.record(db, "organisation.import", object_type="organisation",
                        detail={"file": filename, "created": created, "updated": updated,
                                "bureaus": len(bureau_codes)})
    return summary


def members(db: Database, department_id: int) -> list[dict]:
    rows = list(db.query(
        """SELECT u.id, u.username, u.display_name, u.active,
                  (SELECT group_concat(role, ',') FROM user_roles r WHERE r.user_id = u.id) AS roles
           FROM users u JOIN user_departments ud ON ud.user_id = u.id
           WHERE ud.department_id = ? ORDER BY u.username""", [department_id]))
    for row in rows:
        row["roles"] = (row["roles"] or "").split(",")
    return rows
