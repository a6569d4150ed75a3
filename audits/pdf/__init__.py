"""Shared PDF infrastructure (reportlab): the embedded Japanese font, the A4 page, headings and tables.

Every report of Tenken (監査報告書, 点検票, 総括報告) builds a list of flowables with `blocks` and
renders it with `document.render()`; see audits/audit/report_pdf.py for a complete example.
"""
