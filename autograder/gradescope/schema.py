"""Gradescope's results.json format (https://gradescope-autograders.readthedocs.io/en/latest/specs/), as JSON Schema."""
import json
from pathlib import Path

RESULTS_SCHEMA = json.loads(Path(__file__).with_name("results_schema.json").read_text())
