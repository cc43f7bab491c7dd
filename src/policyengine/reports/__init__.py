"""Reports for people: the terminal table, HTML pages with charts, the self-check report
(自查报告), spreadsheets, and the gap view. Rich, Jinja2, python-docx and openpyxl come with
the ``[reports]`` extra; without it the table falls back to plain text."""
