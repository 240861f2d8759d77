"""The documentation is complete and generated from the code, so it never drifts.

docs/settings.md, docs/cli.md and docs/queries.md are written by scripts/gen_docs.py; if a
test here fails after a change to a setting, a command or an example query, run
``python3 scripts/gen_docs.py`` and commit the result.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click
import pytest

from govgraph.cli import main as cli_main
from govgraph.config import settings_table
from govgraph.examples import load_examples

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "queries" / "examples"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return {path.name: text for path, text in _generator().generate().items()}


@pytest.mark.parametrize("name", ["settings.md", "cli.md", "queries.md"])
def test_committed_docs_equal_the_generated_ones(generated, name):
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == generated[name], f"docs/{name} is out of date: run python3 scripts/gen_docs.py"


def test_every_setting_is_documented_with_its_help():
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    for variable, _default, help_ in settings_table():
        assert f"| `{variable}` |" in text, variable
        assert help_.replace("|", "\\|") in text, variable


def _command_paths(group: click.Group, prefix: str):
    for name, command in group.commands.items():
        yield f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from _command_paths(command, f"{prefix} {name}")


def test_every_command_and_option_is_documented():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    paths = list(_command_paths(cli_main, "govgraph"))
    assert {"govgraph build", "govgraph serve", "govgraph query"} <= set(paths)
    for path in paths:
        assert f"## `{path}`" in text, path
        command = cli_main
        for name in path.split()[1:]:
            command = command.commands[name]
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--"):
                    assert opt in text, f"{path} {opt}"


def test_every_example_query_is_documented():
    text = (DOCS / "queries.md").read_text(encoding="utf-8")
    for example in load_examples(EXAMPLES):
        assert f"`{example.name}.rq`" in text, example.name
        assert f"## {example.title}\n" in text, example.name
        if example.description:
            assert example.description in text, example.name


def test_generator_lists_an_example_with_its_title_description_and_query(tmp_path):
    (tmp_path / "cq99-demo.rq").write_text(
        "# title: Demo\n# description: Shows the layout.\n\nASK { ?s ?p ?o }\n", encoding="utf-8")
    text = _generator().queries_markdown(load_examples(tmp_path))
    assert "- [Demo](#cq99-demo) (`cq99-demo.rq`)" in text
    assert '<a id="cq99-demo"></a>\n## Demo\n' in text
    assert "Shows the layout.\n\n```sparql\nASK { ?s ?p ?o }\n```" in text


def test_readme_links_the_generated_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("settings.md", "cli.md", "queries.md"):
        assert f"(docs/{name})" in readme, name
