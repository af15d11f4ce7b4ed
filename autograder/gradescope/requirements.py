"""requirements.txt of the bundle: the pinned dependencies of pyproject.toml that grading needs."""
import re
import tomllib
from pathlib import Path

from ..config import CourseConfigError

# Notebook tooling the autograder never uses; nbgrader's dependencies also make
# `import jsonschema` seconds slower (its optional rfc3987-syntax builds a grammar).
NOT_FOR_GRADING = {"nbformat", "nbclient", "ipykernel", "nbgrader", "jupytext"}
NEEDED_FOR = ("the Gradescope bundle needs the course's pyproject.toml beside course.toml: its pinned dependencies "
              "become the bundle's requirements.txt, which setup.sh installs in Gradescope's image")


def requirements(pyproject: Path) -> str:
    """The pinned dependencies of pyproject.toml that grading needs, one per line; CourseConfigError (the file,
    what it is needed for) when it is missing or has no [project] dependencies."""
    try:
        with open(pyproject, "rb") as f:
            dependencies = tomllib.load(f)["project"]["dependencies"]
    except FileNotFoundError:
        raise CourseConfigError(f"{pyproject}: missing; {NEEDED_FOR} (copy the course package's "
                                "pyproject.toml there)") from None
    except OSError as exc:
        raise CourseConfigError(f"{pyproject}: cannot be read ({exc.strerror}); {NEEDED_FOR}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseConfigError(f"{pyproject}: not valid TOML ({exc}); {NEEDED_FOR}") from None
    except (KeyError, TypeError):
        raise CourseConfigError(f"{pyproject}: no [project] dependencies list; {NEEDED_FOR}") from None
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise CourseConfigError(f"{pyproject}: [project] dependencies is not a list of strings; {NEEDED_FOR}")
    return "".join(f"{d}\n" for d in dependencies if re.split(r"[=<>!~\[ ;]", d)[0].lower() not in NOT_FOR_GRADING)
