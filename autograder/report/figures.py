"""The report's figures: a grade histogram and the pass rate of every test, as PNG bytes.

Input is the class's data (data.py); output is matplotlib figures and
their PNG bytes. No HTML here.
"""
import io
import statistics

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .data import TestSummary

DPI = 100
CHART_NAME_CHARS = 75  # of a test name on the chart's axis


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def grades_figure(assignment_id: str, scores: list[float], max_score: float) -> Figure:
    """Histogram of the graded scores: ten bins from 0 to max_score."""
    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = fig.add_subplot()
    top = max_score if max_score > 0 else max(scores + [1.0])
    ax.hist(np.clip(scores, 0, top), bins=np.linspace(0, top, 11), color="tab:blue", edgecolor="white")
    ax.set_xlim(0, top)
    ax.set_xlabel(f"score (out of {max_score:g})")
    ax.set_ylabel("students")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if scores:
        mean = statistics.fmean(scores)
        ax.axvline(mean, color="tab:orange", linestyle="--", label=f"mean {mean:.1f}")
        ax.legend(loc="upper left")
    ax.set_title(f"{assignment_id}: grade distribution ({len(scores)} graded)")
    return fig


def _axis_label(name: str) -> str:
    """A test name fit for a chart axis: shortened, and '$' kept out of mathtext."""
    if len(name) > CHART_NAME_CHARS:
        name = name[:CHART_NAME_CHARS - 3] + "..."
    return name.replace("$", r"\$")


def tests_figure(assignment_id: str, tests: list[TestSummary]) -> Figure:
    """Horizontal bars: the share of graded students passing each test, hardest on top."""
    fig = Figure(figsize=(10.4, max(2.4, 0.4 * len(tests) + 1.3)), layout="constrained")
    ax = fig.add_subplot()
    rates = [t.rate for t in tests]
    positions = np.arange(len(tests))
    ax.barh(positions, rates, color=colormaps["RdYlGn"](0.1 + 0.8 * np.asarray(rates)), height=0.7)
    ax.set_yticks(positions, [_axis_label(t.name) for t in tests])
    ax.invert_yaxis()  # the first (hardest) test at the top
    for y, test in zip(positions, tests):
        ax.text(min(test.rate, 1.0) + 0.01, y, f"{test.passed}/{test.taken}", va="center", fontsize=8)
    ax.set_xlim(0, 1.12)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel("students passing")
    fig.suptitle(f"{assignment_id}: share of students passing each hidden test (hardest first)")
    ax.grid(axis="x", alpha=0.3)
    return fig
