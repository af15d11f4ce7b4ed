"""``course collect``: an LMS's submissions download (Canvas, Moodle, or per-student folders) as
nbgrader's submitted/<student>/<ASSIGNMENT>/ layout that ``course grade`` reads.

unpack.py reads the download within bounds, platforms.py knows each LMS's file
naming, run.py places the files through roster.csv and writes them.
"""
