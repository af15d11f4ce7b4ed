"""bench/README.md's figures are written from bench/last.json (bench/readme.py, bench/figures.md.j2); the
hand-written notes around them are kept."""
import json

import pytest

from bench import readme
from bench.run import GOALS
from conftest import REPO

# One run's figures as bench/run.py writes them (every part), the values made up.
FULL = {
    "started_at": "2027-01-02T03:04:05Z", "cpus": 4, "machine_matmul_us_at_start": 7.25,
    "floor_s": 0.2, "floor_wall_s": 0.21, "cli_s": 0.15, "cli_wall_s": 0.16, "cli_over_floor": 0.75,
    "gradescope_s": 0.9, "gradescope_wall_s": 0.95, "gradescope_over_floor": 4.5,
    "grade_s_per_submission": 0.1234, "grade_cpu_s_per_submission": 0.3, "peak_rss_mb": 150.4, "grade_over_floor": 1.5,
    "grade_s_per_submission_unsandboxed": 0.1, "sandbox_overhead": 0.234,
    "grade_s_per_submission_before_nsjail": 0.2, "vs_before_nsjail": 0.617,
    "nbgrader_s_per_submission": 6.0, "otter_submissions": 10, "otter_s_per_submission": 2.0,
    "speedup_vs_nbgrader": 48.62, "speedup_vs_otter": 16.21, "mnist_grade_s_per_submission": 2.5,
    "public_tests_s": 0.5, "cluster_submissions": 200, "cluster_1_worker_s": 40.0, "cluster_2_workers_s": 21.0,
    "cluster_speedup": 1.9048, "train_s_per_epoch": 0.2111, "train_test_accuracy": 0.9237, "train_images": 24000,
    "machine_matmul_us": 6.5, "train_runs_s_per_epoch": [0.2111, 0.25, 0.3], "train_runs_machine_matmul_us": [6.5, 6.9, 7.1],
    "serve_engine_s_per_submission": 0.3, "serve_idle_feedback_s": 0.45, "serve_idle_over_engine": 1.5,
    "serve_burst_submissions": 30, "serve_feedback_median_s": 1.2, "serve_feedback_worst_s": 2.4,
    "serve_median_over_engine": 4.0, "serve_worst_over_engine": 8.0, "serve_worst_over_drain": 0.53,
    "machine_matmul_us_at_end": 8.5, "finished_at": "2027-01-02T03:20:00Z",
    "parts": ["startup", "grade", "nbgrader", "otter", "mnist", "public", "cluster", "train", "serve"],
}
STARTUP_AND_GRADE = {k: v for k, v in FULL.items() if k.startswith(("started", "cpus", "machine_matmul_us_at", "floor",
                                                                   "cli", "gradescope", "grade", "peak", "sandbox",
                                                                   "vs_before", "finished"))}
BEFORE = "# Performance\n\nHow to run it.\n\n"
AFTER = "\n\nNotes written by hand: *keep me* | as I am.\n"


def write(tmp_path, figures, text=None):
    last, page = tmp_path / "last.json", tmp_path / "README.md"
    last.write_text(json.dumps(figures))
    page.write_text(text if text is not None else f"{BEFORE}{readme.BEGIN}\nthe old figures\n{readme.END}{AFTER}")
    return last, page


def rows(text: str) -> dict:
    """The figures table: first cell -> the other three."""
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines() if line.startswith("| ")]
    return {row[0]: row[1:] for row in cells[1:]}


def test_every_figure_with_a_goal_gets_its_row_and_the_notes_around_are_kept(tmp_path):
    last, page = write(tmp_path, FULL)
    assert readme.main([str(last), str(page)]) == 0
    text = page.read_text()
    assert text.startswith(BEFORE + readme.BEGIN + "\n") and text.endswith(readme.END + AFTER)
    assert "the old figures" not in text
    assert "on this 4-core machine, one run (2027-01-02, 03:04 to 03:20 UTC)" in text
    assert "was 7.2 at the start, 6.5 to 7.1 during training and 8.5 at the end" in " ".join(text.split())
    table = rows(text)
    assert sum(1 for value, goal, met in table.values() if goal and met) == len(GOALS), "a row per goal"
    assert table["`grade_s_per_submission`: wall s per submission, same run"] == ["0.123", "<= 0.3", "yes"]
    assert ["4.50", "<= 4", "no"] in table.values(), "a figure over its goal says so"
    assert ["48.6x", ">= 30", "yes"] in table.values() and ["+23%", "", ""] in table.values()
    assert ["92.37%", ">= 92%", "yes"] in table.values() and ["150 MB", "<= 1024", "yes"] in table.values()
    assert any("24,000 images" in first and "runs 0.21 / 0.25 / 0.30" in first for first in table)
    assert readme.main([str(last), str(page)]) == 0 and page.read_text() == text, "a second run changes nothing"


def test_a_partial_run_shows_only_the_figures_it_measured(tmp_path):
    last, page = write(tmp_path, STARTUP_AND_GRADE)
    assert readme.main([str(last), str(page)]) == 0
    text = page.read_text()
    table = rows(text)
    assert len(table) == 8, list(table)  # floor, cli, gradescope, grade cpu and wall, before nsjail, sandbox, RSS
    assert "speedup" not in text and "accuracy" not in text and "during training" not in text
    undated = {k: v for k, v in STARTUP_AND_GRADE.items() if not k.endswith("_at")}
    last.write_text(json.dumps(undated))
    assert readme.main([str(last), str(page)]) == 0
    assert "one run (its date was not recorded)" in page.read_text()


@pytest.mark.parametrize("figures, text, said", [
    (FULL, f"{BEFORE}no markers here{AFTER}", "no figures section"),
    ([1, 2], None, "not a JSON object"),
    ({"floor_s": 0.2}, None, "floor_wall_s"),  # a figure the row needs is missing: named, nothing written
])
def test_what_cannot_be_written_is_said_and_nothing_is_written(tmp_path, capsys, figures, text, said):
    last, page = write(tmp_path, figures, text)
    before = page.read_text()
    assert readme.main([str(last), str(page)]) == 2
    assert said in capsys.readouterr().err and page.read_text() == before


def test_the_committed_readme_has_its_figures_section():
    text = (REPO / "bench" / "README.md").read_text()
    assert text.count(readme.BEGIN) == 1 and text.count(readme.END) == 1
    assert text.index(readme.BEGIN) < text.index(readme.END) < text.index("## Where the time goes")


SERVE_KEYS = [k for k in FULL if k.startswith("serve_")]


def serve_run(**figures) -> dict:
    """What `bench.run --only serve` measured: its own run keys and the serve figures."""
    return {"started_at": "2027-01-09T10:00:00Z", "cpus": 4, "machine_matmul_us_at_start": 30.0,
            **{k: FULL[k] for k in SERVE_KEYS if k != "serve_worst_over_drain"}, **figures,
            "machine_matmul_us_at_end": 31.0, "finished_at": "2027-01-09T10:01:00Z", "parts": ["serve"]}


def test_a_serve_run_replaces_only_the_serve_figures_and_keeps_its_own_date(tmp_path):
    from bench.run import merged

    full = merged({}, FULL, {"startup": ["floor_s"], "serve": SERVE_KEYS})
    assert full["part_runs"]["serve"]["started_at"] == FULL["started_at"]
    new = merged(full, serve_run(serve_feedback_median_s=9.5), {"serve": SERVE_KEYS[:-1]}, note="a shared machine")
    assert new["started_at"] == FULL["started_at"] and new["parts"] == FULL["parts"]  # the main run's
    assert new["floor_s"] == FULL["floor_s"] and new["train_s_per_epoch"] == FULL["train_s_per_epoch"]
    assert new["serve_feedback_median_s"] == 9.5
    assert "serve_worst_over_drain" not in new, "a serve figure this run did not make is not kept from the last"
    assert new["part_runs"]["serve"] == {"started_at": "2027-01-09T10:00:00Z", "cpus": 4,
                                         "machine_matmul_us_at_start": 30.0, "machine_matmul_us_at_end": 31.0,
                                         "finished_at": "2027-01-09T10:01:00Z", "parts": ["serve"],
                                         "note": "a shared machine", "keys": sorted(SERVE_KEYS[:-1])}
    assert new["part_runs"]["startup"] == full["part_runs"]["startup"]
    last, page = write(tmp_path, new)
    assert readme.main([str(last), str(page)]) == 0
    text = " ".join(page.read_text().split())
    assert "one run (2027-01-02, 03:04 to 03:20 UTC)" in text
    assert ("The `serve` rows are from their own run, `--only serve` (2027-01-09, 10:00 to 10:01 UTC, "
            "`machine_matmul_us` 30.0 at the start and 31.0 at the end): a shared machine") in text
    assert "The `startup` rows" not in text
    table = rows(page.read_text())
    assert any("9.50 s (median)" in first for first in table) and any("2.40 s (worst)" in first for first in table)
    assert len(table) == len(rows(readme.render_figures(FULL)))
    everything = merged(new, FULL, {"serve": SERVE_KEYS})
    assert "9.5" not in json.dumps(everything) and set(everything["part_runs"]) == {"serve"}, "a full run starts afresh"


def test_the_committed_readme_shows_the_committed_last_json_with_the_serve_figures():
    figures = json.loads((REPO / "bench" / "last.json").read_text())
    text = (REPO / "bench" / "README.md").read_text()
    assert readme.with_figures(text, figures) == text, "run `python -m bench.readme`"
    assert {"serve_idle_over_engine", "serve_median_over_engine", "serve_worst_over_engine"} <= set(figures)
    assert "The `serve` rows are from their own run" in text
