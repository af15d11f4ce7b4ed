"""The class's results of record: what every output that reads a --out folder renders.

Each result read from OUT/<student>/<assignment>/results.json becomes a
model.ResultOfRecord: under the ledger's standing override (a comment only
included), stale where grades.csv says so, with its attention reasons
(attention.py). The report and the exports (report/data.read_class) and
nbgrader's gradebook (gradebook.py) take them from here.
"""
from pathlib import Path

from .attention import attention_list, stale_why
from .ledger import read_ledger
from .model import ResultOfRecord
from .results import stale_results


def results_of_record(out_dir: Path, loaded: dict, stale=None) -> dict:
    """(student, assignment) -> ResultOfRecord: each loaded result ((student, assignment) -> SubmissionResult)
    under the ledger's standing override (a comment only included), stale where grades.csv says so (stale: those
    pairs, or a dict of them to why; default: grades.csv's), with its attention reasons."""
    stale = stale_results(out_dir) if stale is None else stale
    ledger = read_ledger(out_dir)
    overrides = {}
    if ledger is not None:
        with ledger:
            overrides = ledger.overrides()
    attention = {(a.student, a.assignment): a.reasons
                 for a in attention_list(list(loaded.values()), overrides, out_dir, stale)}
    whys = {key: stale_why(stale, key) for key in loaded}
    return {key: ResultOfRecord(result, *key, override=overrides.get(key), stale=bool(whys[key]),
                                attention=attention.get(key, ()),
                                stale_why=whys[key] if isinstance(whys[key], str) else "")
            for key, result in loaded.items()}
