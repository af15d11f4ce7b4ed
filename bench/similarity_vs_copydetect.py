"""`course similar` against copydetect 0.5.0: where the planted copies rank, and how long each takes.

    python -m venv /tmp/cd && /tmp/cd/bin/pip install copydetect==0.5.0
    .venv/bin/python bench/similarity_vs_copydetect.py --copydetect-python /tmp/cd/bin/python

Three classes of 05_backprop submissions, written to a temporary folder:
"full": the reference, the corpus's correct solutions and own_style.py (all
independent) plus a full planted copy of nielsen_per_example.py (renamed,
reordered, other comments); "one": the independent ones plus a copy of one
function only; "fifty": 50 students drawn in turn from the correct
solutions, the planted files and the 05 mutants (for speed). copydetect gets
the stub as boilerplate; a pair's copydetect score is the larger of its two
similarities. Run with --tool copydetect, this file is the copydetect side
(it needs only copydetect, in its own virtualenv).
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT = "05_backprop"
DATA = REPO / "tests" / "similarity_data" / ASSIGNMENT
TOP = 3


def build_classes(root: Path) -> list[str]:
    independent = {"ref": REPO / "solutions" / ASSIGNMENT / "backprop.py",
                   **{p.stem: p for p in sorted((REPO / "tests/submissions" / ASSIGNMENT / "correct").glob("*.py"))}}
    pool = [*independent.values(), DATA / "own_style.py", DATA / "full_copy.py",
            *sorted((REPO / "tests/submissions" / ASSIGNMENT / "mutants").glob("*.py"))]
    classes = {
        "full": {**independent, "own_style": DATA / "own_style.py", "copier": DATA / "full_copy.py"},
        "one": {**independent, "copier": DATA / "one_function_copy.py"},
        "fifty": {f"s{i:02d}": pool[i % len(pool)] for i in range(50)},
    }
    for name, members in classes.items():
        for student, source in members.items():
            folder = root / name / student / ASSIGNMENT
            folder.mkdir(parents=True)
            shutil.copyfile(source, folder / "backprop.py")
    return list(classes)


def run_copydetect(root: Path, names: list[str]) -> dict:
    from copydetect import CopyDetector

    out = {}
    for name in names:
        start = time.perf_counter()
        detector = CopyDetector(test_dirs=sorted(str(p) for p in (root / name).iterdir()), extensions=["py"],
                                boilerplate_dirs=[str(REPO / "assignments" / ASSIGNMENT)], display_t=0.0,
                                autoopen=False, silent=True, out_file=str(root / f"copydetect-{name}.html"))
        detector.run()
        compared = time.perf_counter() - start
        detector.generate_html_report()
        pairs = sorted(((max(p[0], p[1]), sorted([Path(p[2]).parts[-3], Path(p[3]).parts[-3]]))
                        for p in detector.get_copied_code_list()), reverse=True)
        out[name] = {"seconds": round(time.perf_counter() - start, 2), "compare_seconds": round(compared, 2),
                     "pairs": [[round(score, 3), *students] for score, students in pairs]}
    return out


def run_ours(root: Path, names: list[str]) -> dict:
    from autograder.config import load_course
    from autograder.similarity import write_similarity

    course = load_course(REPO / "course.toml")
    out = {}
    for name in names:
        start = time.perf_counter()
        report = write_similarity(course, course.assignment(ASSIGNMENT), root / name, root / f"ours-{name}")
        out[name] = {"seconds": round(time.perf_counter() - start, 2),
                     "pairs": [[p.score, *sorted([p.student_a, p.student_b])] for p in report.pairs]}
    return out


def rank_of(pairs: list, students: list[str]) -> int:
    """1-based rank of a pair among pairs sorted by score (ties share the best rank)."""
    score = next(p[0] for p in pairs if p[1:] == sorted(students))
    return 1 + sum(1 for p in pairs if p[0] > score)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copydetect-python", help="a python with copydetect==0.5.0 installed")
    parser.add_argument("--tool", choices=("ours", "copydetect"), default="ours")
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.tool == "copydetect":
        print(json.dumps(run_copydetect(args.root, ["full", "one", "fifty"])))
        return 0
    with tempfile.TemporaryDirectory(prefix="similarity-bench-") as folder:
        root = Path(folder)
        names = build_classes(root)
        results = {"ours": run_ours(root, names)}
        if args.copydetect_python:
            done = subprocess.run([args.copydetect_python, __file__, "--tool", "copydetect", "--root", str(root)],
                                  capture_output=True, text=True, check=True, timeout=900)
            results["copydetect"] = json.loads(done.stdout)
    for tool, by_class in results.items():
        print(f"{tool}:")
        for name in ("full", "one"):
            pairs = by_class[name]["pairs"]
            rank = rank_of(pairs, ["copier", "nielsen_per_example"])
            top = ", ".join(f"{p[1]}~{p[2]} {p[0]:.2f}" for p in pairs[:TOP])
            print(f"  {name:5s} planted pair ranks {rank} of {len(pairs)} ({by_class[name]['seconds']:.2f} s); top: {top}")
        print(f"  fifty: {len(by_class['fifty']['pairs'])} pairs in {by_class['fifty']['seconds']:.2f} s "
              "(csv/html report included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
