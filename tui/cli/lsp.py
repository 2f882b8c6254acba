"""`kefu lsp`: the language server for `.kefu` files, over standard input and output."""

from __future__ import annotations

import click


@click.command()
@click.option(
    "--stdio",
    is_flag=True,
    help="Talk over standard input and output (the only way; accepted for editors that pass it).",
)
@click.option(
    "--no-lint",
    is_flag=True,
    help="Do not run the matcher's and the lint rules on open and save (their findings are kefu lint's).",
)
def lsp(stdio: bool, no_lint: bool) -> None:
    """Serve the Language Server Protocol for .kefu files, for an editor to start.

    Diagnostics as you type (kefu check's findings on the unsaved text of the file and the rest of
    its shop; kefu lint's on open and save, in the background), hover, go to definition and
    references, completion, formatting (kefu fmt), quick fixes, and document and workspace symbols.
    Reads JSON-RPC messages on standard input and writes them on standard output; logs go to
    standard error. Set-up for VS Code, Neovim and Helix: docs/editors.md.

    \b
    Examples:
      kefu lsp                  # what an editor runs
      kefu lsp --no-lint        # only kefu check's findings, for very large shops
    """
    from kefu.tui.lsp.server import serve

    del stdio
    serve(lint=not no_lint)
