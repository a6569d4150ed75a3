"""`flask --app app checklists ...`: lint, import, export and sync checklist data files.

A city adds its own checklists (or a new version of a built-in one) without touching code:
`lint` shows every problem of a file, `import` stores it (nothing when any file has an error),
`export` writes a stored version as YAML or Excel, `sync` stores the built-in files.
"""
from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from checklists import loader

from ..db import connect
from . import service

checklists_cli = AppGroup(
    "checklists",
    help="チェックリスト（点検項目）のファイルを検査・取込み・出力し、組込みのチェックリストを登録します。")


def _db():
    return connect(current_app.config["DATABASE"])


def _cli_user() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name (containers, services)
        return "cli"


def _fail(errors: list[str], summary: str) -> None:
    for error in errors:
        click.echo(error, err=True)
    click.echo(summary, err=True)
    sys.exit(1)


@checklists_cli.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def lint_command(paths: tuple[Path, ...]):
    """PATHS のチェックリスト（YAML・TOML・Excel、又はフォルダ）を検査し、誤りをすべて表示します。

    PATHS を省略すると組込みのチェックリスト一式を検査します。誤りがあれば終了コード 1。
    """
    errors, checklists = loader.lint_checklists(paths or [loader.BUILTIN_DIR])
    if errors:
        _fail(errors, f"NG: 誤り {len(errors)} 件")
    shown = "、".join(str(p) for p in paths) if paths else "組込みのチェックリスト一式"
    click.echo(f"OK: {shown} に誤りはありません。")
    _report_applicability(checklists)


def _report_applicability(checklists: list[loader.Checklist]) -> None:
    """Which items no 課 of the organisation in the database would receive (a warning, not an error)."""
    try:
        db = _db()
        profiles = service.department_profiles(db) if db["departments"].exists() else []
    except Exception:  # noqa: BLE001 - no database yet: nothing to check against
        profiles = []
    if not profiles:
        click.echo("適用: データベースに課が登録されていないため、どの課に配付されるかは確認していません。")
        return
    tags = service.vocabulary().tags
    total = missing = 0
    for checklist in checklists:
        unreached = loader.unreached(checklist, profiles)
        total += len(checklist.items())
        missing += len(unreached)
        for item, needed in unreached:
            labels = "・".join(tags[t].label if t in tags else t for t in needed)
            click.echo(f"注意: {checklist.id} {item.id} はどの課にも配付されません"
                       f"（「{labels}」をすべて持つ課がありません）。根拠: {'、'.join(item.sources)}")
    click.echo(f"適用: 課 {len(profiles)} 件のプロフィールで、{total} 項目のうち {total - missing} 項目がいずれかの課に"
               f"配付されます（配付されない項目 {missing} 件）。")


@checklists_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="登録せず、何が変わるか（新しい版・追加・削除・変更した項目）だけを表示する")
def import_command(paths: tuple[Path, ...], dry_run: bool):
    """PATHS のチェックリスト（.yaml / .yml / .toml / .xlsx）を検査して登録します。

    1つでも誤りがあれば何も登録せず、誤りをすべて表示して終了コード 1。既存の ID は新しい版として
    登録します（点検票で使われている版は変更せず、未使用の最新版は置き換えます）。
    """
    loaded: list[tuple[loader.Checklist, str]] = []
    errors: list[str] = []
    for path in paths:
        try:
            loaded.append((loader.load_file(path, service.vocabulary()), path.name))
        except loader.ChecklistError as exc:
            errors.extend(exc.errors)
    if errors:
        _fail(errors, f"NG: 誤り {len(errors)} 件。何も取り込んでいません。")
    db = _db()
    if dry_run:
        try:
            _show_plans(db, loaded)
        finally:
            db.conn.close()
        return
    try:
        results = service.import_checklists(db, loaded, username=_cli_user())
    except loader.ChecklistError as exc:
        _fail(exc.errors, f"NG: 誤り {len(exc.errors)} 件。何も取り込んでいません。")
    finally:
        db.conn.close()
    for result in results:
        click.echo(f"チェックリスト {result.message}")


def _show_plans(db, loaded: list[tuple[loader.Checklist, str]]) -> None:
    """What `import` would do with each file, and the differences from the latest stored version."""
    problems = service.import_problems(db, loaded)
    for checklist, name in loaded:
        plan, changes = service.preview(db, checklist)
        click.echo(f"{name}: {checklist.id} {plan.message} {changes.summary}")
        for label, items in (("追加", changes.added), ("削除", changes.removed)):
            for item in items:
                click.echo(f"  {label} {item.id} {item.question}")
        for item in changes.changed:
            click.echo(f"  変更 {item.item_id}: {'、'.join(c.label for c in item.changes)}")
    if problems:
        _fail(problems, f"NG: 誤り {len(problems)} 件。このままでは取り込めません。")
    click.echo("（--dry-run のため、何も登録していません）")


@checklists_cli.command("export")
@click.argument("checklist_id")
@click.option("--format", "fmt", type=click.Choice(sorted(service.EXPORT_FORMATS)), default="yaml",
              show_default=True, help="出力形式（yaml 又は xlsx）")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="出力先のファイル（省略時: yaml は標準出力、xlsx は <ID>-v<版>.xlsx）")
@click.option("--version", "number", type=int, default=None, help="出力する版の番号（省略時は最新版）")
def export_command(checklist_id: str, fmt: str, output: Path | None, number: int | None):
    """登録済みのチェックリスト CHECKLIST_ID を、取込みと同じ形式（YAML 又は Excel）で出力します。"""
    db = _db()
    try:
        version = service.find_version(db, checklist_id, number)
        if version is None:
            known = ", ".join(r["checklist_id"] for r in service.latest_versions(db))
            what = f"チェックリスト {checklist_id}" + (f" の第{number}版" if number is not None else "")
            raise click.ClickException(f"{what} は登録されていません（登録済み: {known or 'なし'}）")
        content, filename, _mimetype = service.export_version(db, version["id"], fmt, username=_cli_user())
    finally:
        db.conn.close()
    if output is None and fmt == "yaml":
        click.echo(content.decode("utf-8"), nl=False)
        return
    target = output or Path(filename)
    target.write_bytes(content)
    click.echo(f"{checklist_id} 第{version['version']}版を {target} に出力しました。")


@checklists_cli.command("sync")
@click.option("--force", is_flag=True,
              help="市が取り込んだ版があっても、組込みファイルの内容を最新版として登録します")
def sync_command(force: bool):
    """組込みのチェックリスト（checklists/*.yaml）をデータベースに登録します（init-db でも同じ登録を行います）。

    内容が変わったファイルは新しい版になります（点検票で使われている版は変更しません）。
    """
    db = _db()
    try:
        try:
            results = service.sync_builtin(db, force=force)
        except loader.ChecklistError as exc:
            _fail(exc.errors, "NG: 組込みのチェックリストに誤りがあります。何も登録していません。")
    finally:
        db.conn.close()
    for result in results:
        click.echo(f"チェックリスト {result.message}")


@checklists_cli.command("list")
def list_command():
    """登録済みのチェックリストの最新版を「ID<TAB>版<TAB>項目数<TAB>名称」で表示します。"""
    db = _db()
    try:
        rows = service.list_checklists(db)
    finally:
        db.conn.close()
    for row in rows:
        click.echo(f"{row['checklist_id']}\t{row['version']}\t{row['item_count']}\t{row['title']}")
