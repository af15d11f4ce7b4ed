"""bench/README.md's figures, written from bench/last.json: ``python -m bench.readme [LAST_JSON] [README]``.

`make bench` runs it after bench.run. The figures section of the README (the
lines between BEGIN and END) is rendered by bench/figures.md.j2 from the
figures of the last run; the hand-written notes around it are kept as they
are. A README without the two markers, or a last.json that is not a JSON
object, is an error naming the file; nothing is written then.
"""
import json
import os
import sys
from pathlib import Path

import jinja2

from bench.run import GOALS
from bench.train import BATCH_SIZE, LEARN_RATE

HERE = Path(__file__).resolve().parent
BEGIN = "<!-- figures: written by `python -m bench.readme` from bench/last.json with bench/figures.md.j2 -->"
END = "<!-- end of figures -->"


class ReadmeError(ValueError):
    """A README or last.json the figures cannot be written from (the message names the file)."""


def _fixed(value, digits: int) -> str:
    """value with digits decimals; a list: each, joined by " / "."""
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined: raises UndefinedError naming the missing figure
    if isinstance(value, list):
        return " / ".join(_fixed(v, digits) for v in value)
    return f"{value:.{digits}f}"


def goal_met(key: str, figures: dict, percent: bool = False) -> str:
    """The table's last two cells of a figure, " <= 0.3 | yes " (percent: " >= 92% | yes " for a goal of
    0.92), or " | " when it has no goal."""
    if key not in GOALS or figures.get(key) is None:
        return " | "
    goal, sense = GOALS[key]
    met = figures[key] <= goal if sense == "<=" else figures[key] >= goal
    shown = f"{100 * goal:g}%" if percent else f"{goal:g}"
    return f" {sense} {shown} | {'yes' if met else 'no'} "


def _when(stamp) -> str:
    """"2026-12-04, 21:30" from "2026-12-04T21:30:12Z"; "" when there is none."""
    return stamp[:10] + ", " + stamp[11:16] if isinstance(stamp, str) and len(stamp) >= 16 else ""


def _span(started, finished) -> str:
    """"2026-12-04, 21:30 to 21:48" (another day: its date too); "" without a start."""
    start, end = _when(started), _when(finished)
    if start[:10] == end[:10]:
        end = end[12:]  # the same day: the time only
    return f"{start} to {end}" if start and end else start


def render_figures(figures: dict) -> str:
    """The figures section (markdown) of one run's figures (bench/last.json's object)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(fixed=_fixed, thousands=lambda n: f"{n:,}")
    env.globals["span"] = _span
    return env.get_template("figures.md.j2").render(
        f=figures, cpus=figures.get("cpus", os.cpu_count()),
        main_span=_span(figures.get("started_at"), figures.get("finished_at")),
        train={"batch_size": BATCH_SIZE, "learn_rate": f"{LEARN_RATE:g}"},
        goal_met=lambda key, percent=False: goal_met(key, figures, percent))


def with_figures(readme: str, figures: dict, name: str = "README.md") -> str:
    """readme with the section between BEGIN and END replaced by the figures."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise ReadmeError(f"{name}: no figures section (a line {BEGIN!r}, then a line {END!r})")
    return readme[:start + len(BEGIN)] + "\n" + render_figures(figures) + "\n" + readme[end:]


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    last = Path(args[0]) if args else HERE / "last.json"
    readme = Path(args[1]) if len(args) > 1 else HERE / "README.md"
    try:
        figures = json.loads(last.read_text(encoding="utf-8"))
        if not isinstance(figures, dict):
            raise ReadmeError(f"{last}: not a JSON object of figures")
        text = with_figures(readme.read_text(encoding="utf-8"), figures, str(readme))
    except (OSError, ValueError, jinja2.UndefinedError) as exc:  # ReadmeError and JSON errors are ValueErrors
        print(f"bench.readme: {last}: {exc}" if isinstance(exc, jinja2.UndefinedError) else f"bench.readme: {exc}",
              file=sys.stderr)
        return 2
    readme.write_text(text, encoding="utf-8")
    print(f"wrote the figures of {last} into {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
