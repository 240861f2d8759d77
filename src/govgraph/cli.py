"""The ``govgraph`` command. The only place that maps errors to exit codes:
0 ok, 1 non-conformant, 2 cannot build / bad input, 3 internal.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from govgraph.config import Settings
from govgraph.errors import GovGraphError

_source_option = click.option(
    "--source", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="A checkout with ontology/, data/, shapes/, queries/ (default: the packaged files).")
_data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Where releases live (default: GOVGRAPH_DATA_DIR or a per-user directory).")


def _settings(**overrides) -> Settings:
    return Settings.from_env(**overrides)


def _progress(message: str) -> None:
    click.echo(message, err=True)


class _Group(click.Group):
    """Runs a command and turns GovGraphError into its message and exit code; any other
    exception is a bug: one line naming it, exit 3 (GOVGRAPH_LOG_LEVEL=DEBUG: the traceback)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GovGraphError as err:
            click.echo(f"error: {err.title}: {err.detail}", err=True)
            sys.exit(err.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as err:  # the CLI is the edge: an unexpected error still exits 3
            if Settings.from_env().log_level.upper() == "DEBUG":
                import traceback

                traceback.print_exc()
            click.echo(f"error: internal error: {type(err).__name__}: {err}", err=True)
            sys.exit(3)


@click.group(cls=_Group)
@click.version_option(package_name="govgraph")
def main() -> None:
    """govgraph: build, check and serve the migration-governance knowledge graph."""


@main.command()
@_source_option
@_data_dir_option
def build(source, data_dir) -> None:
    """Load, reason, validate, check and write a release."""
    from govgraph.builder.pipeline import build_release

    release_dir = build_release(_settings(source_dir=source, data_dir=data_dir), progress=_progress)
    click.echo(str(release_dir))


@main.command()
@_source_option
def check(source) -> None:
    """Load, reason, validate and check, without writing a release."""
    from govgraph.builder.pipeline import check_sources

    check_sources(_settings(source_dir=source), progress=_progress)


@main.command()
@_source_option
@_data_dir_option
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8080).")
@click.option("--store", "store_url", default=None, help="Serve from this SPARQL endpoint instead of the embedded store.")
def serve(source, data_dir, host, port, store_url) -> None:
    """Serve the newest release (building one first if there is none)."""
    from govgraph.server import serve as run_server

    run_server(_settings(source_dir=source, data_dir=data_dir, host=host, port=port, store_url=store_url),
               progress=_progress)


@main.command()
@_data_dir_option
@click.option("--format", "fmt", default="json", help="Result format: json, xml, csv, tsv, turtle, ...")
@click.argument("query")
def query(data_dir, fmt, query) -> None:
    """Run QUERY (a SPARQL string, or @FILE) on the newest release and print the results."""
    from govgraph.store.embedded import run_cli_query

    text = Path(query[1:]).read_text(encoding="utf-8") if query.startswith("@") else query
    sys.stdout.buffer.write(run_cli_query(_settings(data_dir=data_dir), text, fmt))


@main.command()
@_data_dir_option
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
def dump(data_dir, out_dir) -> None:
    """Write the newest release's dumps (Turtle, N-Triples, N-Quads, gzipped, SHA256SUMS) to OUT_DIR."""
    from govgraph.release import write_dumps

    for path in write_dumps(_settings(data_dir=data_dir), out_dir):
        click.echo(str(path))


@main.command()
@_data_dir_option
@click.option("--store", "store_url", default=None,
              help="The store server's SPARQL query endpoint (default: GOVGRAPH_STORE_URL); its update and graph "
                   "store endpoints and credentials come from the settings.")
@click.option("--release", "release_id", default=None, help="The release to publish (default: the newest).")
def publish(data_dir, store_url, release_id) -> None:
    """Make a release the one a SPARQL store server serves: staged, counted, then swapped in one update."""
    from govgraph.publish import publish_release

    settings = _settings(data_dir=data_dir, store_url=store_url)
    for graph, count in publish_release(settings, release_id, progress=_progress).items():
        click.echo(f"{graph}\t{count}")


@main.command()
@_data_dir_option
@click.option("--keep", type=click.IntRange(min=1), default=3, show_default=True,
              help="How many of the newest releases to keep.")
def prune(data_dir, keep) -> None:
    """Remove all but the KEEP newest releases; a release a server is serving is kept."""
    from govgraph.release import prune_releases

    settings = _settings(data_dir=data_dir)
    removed, kept = prune_releases(settings.releases_dir, keep)
    for release_id in removed:
        click.echo(f"removed {release_id}")
    for reason in kept:
        _progress(f"kept {reason}")


@main.command()
@_source_option
@click.option("--check", "check_only", is_flag=True, help="Only report files that are not canonical (exit 1).")
def fmt(source, check_only) -> None:
    """Rewrite ontology/, data/ and shapes/ in canonical Turtle (or, with --check, list the files that are not)."""
    from govgraph.builder.canonical import format_sources

    changed = format_sources(_settings(source_dir=source), check=check_only, progress=_progress)
    if check_only and changed:
        sys.exit(1)
