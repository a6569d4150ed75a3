"""`python -m bench`: a synthetic city at a chosen scale, timed the way its people use it.

generate.py  builds the city straight into SQLite (bulk inserts on the real schema and catalogue)
measure.py   times pages and downloads through the Flask test client, and verify-log
floors.py    the same work done bare (SQL, reportlab, openpyxl, hashing) on the same data
load.py      N simulated users against waitress on 127.0.0.1 for a bounded time
report.py    the table and the JSON
"""
