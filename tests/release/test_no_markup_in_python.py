"""No HTML, CSS, JS or shell inside a Python string literal: they live in template files.

Every string constant of the package, the graders, the data reader and the
benchmarks (docstrings included) is searched for the marks of each language;
a hit names the file, the line and what it looks like.
"""
import ast
import re

import pytest

from conftest import REPO

FOLDERS = ("autograder", "graders", "data", "bench")
LOOKS_LIKE = {
    "HTML": re.compile(r"<(html|head|body|div|span|table|thead|tbody|tr|td|th|script|style|link|meta|img|ul|li|"
                       r"h[1-6]|p|a|pre|code|section|details|summary)(\s[^>]*)?>|</[a-z1-6]+>", re.I),
    "CSS": re.compile(r"[a-z.#][\w.#:-]*\s*\{\s*[a-z-]+\s*:\s*[^;{}]+;"),
    "JS": re.compile(r"\bdocument\.(getElement|querySelector|createElement)|addEventListener\(|=>\s*\{|"
                     r"\bfunction\s*\w*\s*\([^)]*\)\s*\{"),
    "shell": re.compile(r"^#!\s*/(usr/)?bin/|\bset -[euo]+\b|\$\(\s*[a-z]|\b2>&1\b|\|\s*(xargs|sort|head|grep)\b|"
                        r"\bmkdir -p \S", re.M),
}


def string_constants(path):
    """(line, text) of every str constant in the file, f-strings' literal parts included."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def python_files():
    return sorted(p for folder in FOLDERS for p in (REPO / folder).rglob("*.py") if "__pycache__" not in p.parts)


def test_the_search_finds_each_language():
    samples = {"HTML": '<div class="x">', "CSS": "body { margin: 0; }", "JS": "el.addEventListener('click', f)",
               "shell": "#!/usr/bin/env bash\nset -euo pipefail"}
    for language, text in samples.items():
        assert LOOKS_LIKE[language].search(text), language
    assert not any(p.search("a' = sigma(W a + b), for 0 < z and z > 1; see {value}") for p in LOOKS_LIKE.values())


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_markup_or_shell_in_python_strings(path):
    hits = [f"{path.relative_to(REPO)}:{line}: looks like {language}: {match.group(0)!r}"
            for line, text in string_constants(path) for language, pattern in LOOKS_LIKE.items()
            for match in [pattern.search(text)] if match]
    assert not hits, "\n".join(hits)
