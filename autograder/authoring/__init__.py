"""Authoring an assignment: `course new` (scaffold), `course show` (show) and the
per-test points and visibility of course.toml (grader_points)."""
