"""requirements.txt of the bundle: the pinned dependencies of pyproject.toml that grading needs."""
import re
import tomllib
from pathlib import Path

# Notebook tooling the autograder never uses; nbgrader's dependencies also make
# `import jsonschema` seconds slower (its optional rfc3987-syntax builds a grammar).
NOT_FOR_GRADING = {"nbformat", "nbclient", "ipykernel", "nbgrader", "jupytext"}


def requirements(pyproject: Path) -> str:
    """The pinned dependencies of pyproject.toml that grading needs, one per line."""
    with open(pyproject, "rb") as f:
        dependencies = tomllib.load(f)["project"]["dependencies"]
    return "".join(f"{d}\n" for d in dependencies if re.split(r"[=<>!~\[ ;]", d)[0].lower() not in NOT_FOR_GRADING)
