"""The audit's two reviewed lists, beside the graders, read and checked with file:line: key messages.

graders/audit_equivalent.toml: survivors a person judged to be no mistake.

    [[equivalent]]
    id = "sigmoid-boundary-0123456789"   # the mutant's id, as `course audit --list` prints it
    why = "z > 0 and z >= 0 choose between two equal forms at z = 0"

graders/audit_exceptions.toml: mutants of `function` that may also lose
points in `tests` (hidden tests of other functions), and why that is fair.
A killed mutant that loses points outside its own function's tests only in
those is listed with the reason; it still does not count as charged once.

    [[charged_elsewhere]]
    assignment = "02_forward"
    function = "layer_forward"
    tests = ["test_feedforward_lecture"]
    operator = "flip-sign"                # optional: only mutants made by this operator
    why = "..."
"""
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import PathError

EQUIVALENT_FILE = "audit_equivalent.toml"
EXCEPTIONS_FILE = "audit_exceptions.toml"


class AuditFileError(PathError):
    """A reviewed list the audit cannot use: the message names the file, the line and the key."""


@dataclass(frozen=True)
class ChargedElsewhere:
    assignment: str
    function: str
    tests: tuple[str, ...]
    why: str
    operator: str | None
    line: int

    def covers(self, assignment: str, function: str, operator: str, tests) -> bool:
        """True when a mutant of function (made by operator) charged in tests is this exception."""
        return (assignment == self.assignment and function == self.function
                and self.operator in (None, operator) and set(tests) <= set(self.tests))


def _entries(path: Path, table: str, shown: str):
    """(entry, line of the entry, {key: line}) for each [[table]] of a TOML file."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+)", str(exc))
        raise AuditFileError(f"{shown}:{where[1] if where else 1}: not valid TOML ({exc})") from None
    lines = text.splitlines()
    unknown = [k for k in data if k != table]
    if unknown:
        raise AuditFileError(f"{shown}:{_key_line(lines, unknown[0], 0, len(lines))}: key '{unknown[0]}': "
                             f"unknown; the file holds [[{table}]] entries only")
    entries = data.get(table, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise AuditFileError(f"{shown}:{_key_line(lines, table, 0, len(lines))}: key '{table}': "
                             f"must be a list of tables ([[{table}]])")
    starts = [i for i, line in enumerate(lines) if re.match(rf"\s*\[\[\s*{re.escape(table)}\s*\]\]", line)]
    found = []
    for k, entry in enumerate(entries):
        if len(starts) == len(entries):
            start, end = starts[k], starts[k + 1] if k + 1 < len(starts) else len(lines)
        else:  # written inline: point at the list itself
            start = end = _key_line(lines, table, 0, len(lines)) - 1
        keys = {key: _key_line(lines, key, start, end) if end > start else start + 1 for key in entry}
        found.append((entry, start + 1, keys))
    return found


def _key_line(lines, key, start, end) -> int:
    for i in range(start, end):
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[i]):
            return i + 1
    return start + 1


def _check_keys(shown, entry, line, keys, required: dict, optional: dict):
    for key in entry:
        if key not in required and key not in optional:
            raise AuditFileError(f"{shown}:{keys[key]}: key '{key}': unknown; the keys are "
                                 f"{', '.join([*required, *optional])}")
    for key in required:
        if key not in entry:
            raise AuditFileError(f"{shown}:{line}: key '{key}': missing")
    for key, kind in {**required, **optional}.items():
        if key in entry:
            value = entry[key]
            ok = (isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value)
                  if kind is list else isinstance(value, str) and value.strip())
            if not ok:
                what = "a non-empty list of names" if kind is list else "a non-empty string"
                raise AuditFileError(f"{shown}:{keys[key]}: key '{key}': must be {what}, not {value!r}")


def reviewed_equivalents(path: Path, shown: str | None = None) -> dict[str, str]:
    """mutant id -> why a reviewer judged it no mistake."""
    if not path.is_file():
        return {}
    shown = shown or str(path)
    reviewed = {}
    for entry, line, keys in _entries(path, "equivalent", shown):
        _check_keys(shown, entry, line, keys, {"id": str, "why": str}, {})
        reviewed[entry["id"]] = entry["why"]
    return reviewed


def charged_elsewhere(path: Path, functions: dict[str, dict[str, str | None]], operators,
                      shown: str | None = None) -> list[ChargedElsewhere]:
    """The exceptions, each checked against the course.

    functions: assignment id -> {"functions": [graded function names],
    "tests": {hidden test name: the function it grades, or None}}.
    operators: the operators' names.
    """
    if not path.is_file():
        return []
    shown = shown or str(path)
    found = []
    for entry, line, keys in _entries(path, "charged_elsewhere", shown):
        _check_keys(shown, entry, line, keys, {"assignment": str, "function": str, "tests": list, "why": str},
                    {"operator": str})
        assignment = entry["assignment"]
        if assignment not in functions:
            raise AuditFileError(f"{shown}:{keys['assignment']}: key 'assignment': {assignment!r} is not an "
                                 f"assignment of the course ({', '.join(functions)})")
        tests, graded = functions[assignment]["tests"], functions[assignment]["functions"]
        if entry["function"] not in graded:
            raise AuditFileError(f"{shown}:{keys['function']}: key 'function': {entry['function']!r} is not a "
                                 f"graded function of {assignment} ({', '.join(graded)})")
        for test in entry["tests"]:
            if test not in tests:
                raise AuditFileError(f"{shown}:{keys['tests']}: key 'tests': {test!r} is not a hidden test of "
                                     f"{assignment}")
            if tests[test] == entry["function"]:
                raise AuditFileError(f"{shown}:{keys['tests']}: key 'tests': {test!r} is {entry['function']}'s own "
                                     f"test; list only other functions' tests")
        if "operator" in entry and entry["operator"] not in operators:
            raise AuditFileError(f"{shown}:{keys['operator']}: key 'operator': {entry['operator']!r} is not an "
                                 f"operator ({', '.join(operators)})")
        found.append(ChargedElsewhere(assignment, entry["function"], tuple(entry["tests"]), entry["why"].strip(),
                                entry.get("operator"), line))
    return found
