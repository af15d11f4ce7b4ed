"""``course nbgrader init DIR``: the course as an nbgrader course; nbgrader releases, our engine grades.

One role per module: course_dir (init_course: what init writes), config_files
(nbgrader_config.py and nbgrader_course_config.py), source (source/<ID>/ and
its notebook), grade_cell (the hidden grade cell), kernel (what the grade cell
runs inside nbgrader's kernel), preprocessors and late (nbgrader plugins),
feedback (the grade cell's printed feedback), db (the gradebook), templates.
Importing this package imports nothing else: the grade cell loads kernel alone.
"""
