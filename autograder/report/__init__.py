"""``course report``: the class at a glance, and every student's feedback page.

One role per module: data (the class read through the results model),
figures (matplotlib, as PNG), page (the report's view and HTML from
templates/report/), feedback (each student's feedback.html), write (the
command: everything written atomically beside grades.csv).
"""
