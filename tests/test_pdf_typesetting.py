"""Typesetting of every PDF of the demo: Japanese line-breaking rules (kinsoku, no split numbers, dates or
words), text inside its table cell, and only embedded fonts. The PDFs are read back with poppler's
pdftotext -layout / pdffonts, as a reader's viewer shows them.

Set TENKEN_PDF_DUMP=/some/folder to keep the rendered PDFs for a look (pdftoppm).
"""
from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from builders_selfcheck import sheet_id

from audits.pdf import linebreak
from audits.pdf.styles import styles

pytestmark = pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdffonts")),
                                reason="poppler-utils (pdftotext, pdffonts) not installed")

FAX = "個人情報を含む文書の誤送信による漏えいのおそれ"
CANNOT_START = "、。，．・：；？！）」』】〕］｝〉》ー々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ)]}.,:;!?%％"
CANNOT_END = "（「『【〔［｛〈《(["
# Strings of the demo reports that must never be cut by a line end.
UNBROKEN = ["令和７年２月２６日（水）", "令和６年度", "令和７年度", "ネットワークシステム", "アクセスログ",
            "マイナンバー", "セキュリティ", "チェックリスト", "テレワーク", "サイバー", "84.1%"]


def demo_pdfs(runner, db, tmp_path) -> dict[str, Path]:
    """Every kind of PDF the app writes, from the demo municipality, via the CLI."""
    audit = db.execute("""SELECT a.id FROM audits a JOIN audit_departments ad ON ad.audit_id = a.id
                          JOIN departments d ON d.id = ad.department_id
                          WHERE d.code = 'kenko' AND a.fiscal_year = 2024""").fetchone()[0]
    incident = db.execute("SELECT id FROM incidents WHERE title = ?", [FAX]).fetchone()[0]
    commands = {
        "audit": ["report", "audit", str(audit)],
        "summary": ["report", "summary", "--year", "2025"],
        "sheet": ["report", "sheet", str(sheet_id(db, "kenko"))],
        "incident": ["report", "incident", str(incident)],
    }
    dump = os.environ.get("TENKEN_PDF_DUMP")
    paths = {}
    for name, args in commands.items():
        out = tmp_path / f"{name}.pdf"
        result = runner.invoke(args=[*args, "-o", str(out)])
        assert result.exit_code == 0, (name, result.output)
        if dump:
            shutil.copy(out, Path(dump) / out.name)
        paths[name] = out
    return paths


def layout_lines(path: Path) -> list[str]:
    """The PDF's lines as laid out; each table cell's lines sit side by side, split on wide gaps."""
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    pieces = []
    for line in text.splitlines():
        pieces += [p.strip() for p in re.split(r"\s{2,}|\u3000{2,}", line) if p.strip()]
    return pieces


def embedded_fonts_only(path: Path) -> None:
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    assert rows, path.name
    for row in rows:
        assert "IPAexGothic" in row.split()[0], (path.name, row)      # no Helvetica, even unused
        assert row.split()[-5] == "yes", (path.name, row)             # emb column


def test_every_demo_pdf_follows_japanese_line_breaking_and_embeds_its_font(runner, db, tmp_path):
    for name, path in demo_pdfs(runner, db, tmp_path).items():
        embedded_fonts_only(path)
        lines = layout_lines(path)
        assert len(lines) > 20, name
        starts = [line for line in lines if line[0] in CANNOT_START]
        ends = [line for line in lines if line[-1] in CANNOT_END]
        assert not starts, (name, starts[:5])
        assert not ends, (name, ends[:5])
        # A word cut by a line end leaves its halves at the end of one piece and the start of one of the
        # next few (table cells on the same row sit in between).
        for word in UNBROKEN:
            for cut in range(1, len(word)):
                head, tail = word[:cut], word[cut:]
                split = [(a, b) for i, a in enumerate(lines) if a.endswith(head)
                         for b in lines[i + 1:i + 12] if b.startswith(tail)]
                assert not split, (name, word, split[:3])


def test_a_document_with_a_table_names_only_the_embedded_font(tmp_path):
    from audits.pdf import blocks, document

    story = [blocks.title("表"), blocks.table(["項目", "値"], [["件数", "3"]], [40, 20])]
    path = tmp_path / "table.pdf"
    path.write_bytes(document.render(story, title="表"))
    embedded_fonts_only(path)


@pytest.mark.parametrize("text, width_chars, never_cut", [
    ("監査は令和７年５月３０日に実施した。", 12, "令和７年５月３０日"),
    ("庁内ネットワークシステムのアクセスログを確認した。", 11, "ネットワークシステム"),
    ("保存箱（文書の廃棄年月日）を、確認した。", 8, "（文書"),
])
def test_breaks_fall_on_phrase_boundaries_and_obey_kinsoku(text, width_chars, never_cut):
    style = styles().plain
    lines = linebreak.lines_of(text, width_chars * style.fontSize, style)
    assert "".join(lines) == text
    assert all(line[0] not in CANNOT_START and line[-1] not in CANNOT_END for line in lines), lines
    assert any(never_cut in line for line in lines), lines


def test_a_word_longer_than_the_line_still_breaks_and_keeps_kinsoku():
    style = styles().cell
    text = "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰ。"
    lines = linebreak.lines_of(text, 5 * style.fontSize, style)
    assert "".join(lines) == text and len(lines) >= 3
    assert all(line[0] not in CANNOT_START for line in lines), lines


@pytest.mark.parametrize("header, width_mm, lines", [
    ("改善/悪化", 16, ["改善/悪化"]),          # shrinks a little rather than 「改善/悪 / 化」
    ("順位", 10, ["順位"]),
    ("実施していない", 17, ["実施して", "いない"]),   # too long to shrink: breaks between phrases
])
def test_table_headers_keep_their_words(header, width_mm, lines):
    paragraph = linebreak.FittedParagraph(header, styles().cell_head)
    paragraph.wrap(width_mm * 72 / 25.4 - 12, 1000)     # reportlab's default cell padding, 6 pt a side
    assert ["".join(f.text for f in line.words) for line in paragraph.blPara.lines] == lines


def test_chart_labels_break_between_words():
    from audits.summary.charts import _wrap

    assert _wrap("情報提供ネットワークシステムとの接続", 16) == "情報提供ネットワークシステムとの\n接続"
    assert _wrap("取扱状況の把握と安全管理措置の見直し（点検・監査）", 16) == "取扱状況の把握と安全管理措置の\n見直し（点検・監査）"


def test_every_pdf_paragraph_is_the_japanese_one():
    """reportlab's own Paragraph breaks Japanese anywhere: report modules take it from audits/pdf."""
    root = Path(__file__).resolve().parent.parent / "audits"
    offenders = [str(p) for p in root.rglob("*.py")
                 if re.search(r"from reportlab\.platypus import[^\n]*\bParagraph\b", p.read_text(encoding="utf-8"))
                 and p.name != "linebreak.py"]
    assert not offenders


def checklist_questions() -> list[str]:
    import yaml

    questions = []
    for name in ("general", "mynumber", "operations", "outsourcing", "pia"):
        data = yaml.safe_load((Path(__file__).resolve().parent.parent / "checklists" / f"{name}.yaml")
                              .read_text(encoding="utf-8"))
        for section in data["sections"]:
            questions += [" ".join(item["question"].split()) for item in section["items"]]
    return questions


def test_every_checklist_question_breaks_by_the_rules_at_any_width():
    """The questions fill the report tables: at every cell width, kinsoku holds, and dates, numbers and
    katakana words stay whole whenever they fit on a line."""
    style = styles().cell
    questions = checklist_questions()
    assert len(questions) > 100
    for chars in (6, 9, 13, 20):
        width = chars * style.fontSize
        for question in questions:
            lines = linebreak.lines_of(question, width, style)
            assert "".join(lines).replace(" ", "") == question.replace(" ", "")
            assert all(line[0] not in CANNOT_START and line[-1] not in CANNOT_END for line in lines), lines
            ends = set(itertools.accumulate(len(line) for line in lines))
            for word in linebreak._WORDS.finditer("".join(lines)):
                if len(word.group()) < chars - 1:
                    assert not ends & set(range(word.start() + 1, word.end())), (word.group(), lines)


def test_a_value_wider_than_its_column_wraps_inside_the_cell():
    from audits.summary.report_pdf import _plain_table

    table = _plain_table(["部", "件数"], [["選挙管理委員会事務局", 3]], [15, 15], 1)
    table.wrap(200, 1000)
    name, count = table._cellvalues[1]
    name = name[0] if isinstance(name, (list, tuple)) else name          # reportlab keeps flowables in a list
    assert isinstance(name, linebreak.Paragraph) and count == "3"
    lines = ["".join(f.text for f in line.words) for line in name.blPara.lines]
    assert "".join(lines) == "選挙管理委員会事務局" and len(lines) > 1
    assert all(line.currentWidth <= 15 * 72 / 25.4 - 6 for line in name.blPara.lines)
