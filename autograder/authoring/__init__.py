"""Authoring an assignment: `course new` (scaffold), `course show` (show), the promises of the graders
(promises); the per-test points and visibility they read are the engine's (engine/grader_points.py)."""
