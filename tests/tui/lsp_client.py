"""A real LSP client for the tests of `kefu lsp` (and bench/lsp.py): pygls' client driving the
server started as `kefu lsp` over its standard input and output, with the diagnostics it publishes
kept per document."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

KEFU = Path(sys.executable).parent / "kefu"


class Client:
    """One server process and a client talking to it."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.cwd = cwd
        self.args = args
        self.client = LanguageClient("kefu-tests", "1")
        self.diagnostics: dict[str, list[types.Diagnostic]] = {}
        self.published: dict[str, float] = {}  # uri -> when its diagnostics last arrived (perf_counter)
        self.published_version: dict[str, int | None] = {}  # uri -> the document version they were for
        self.logs: list[str] = []
        self.stderr: list[str] = []  # what the server wrote on its standard error
        self.drain: asyncio.Task[None] | None = None
        self.changed = asyncio.Event()
        self.versions: dict[str, int] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(ls: Any, params: types.PublishDiagnosticsParams) -> None:
            self.diagnostics[params.uri] = list(params.diagnostics)
            self.published[params.uri] = time.perf_counter()
            self.published_version[params.uri] = params.version
            self.changed.set()

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def log(ls: Any, params: types.LogMessageParams) -> None:
            self.logs.append(params.message)

    async def start(self, folders: list[Path] | None = None, options: dict[str, Any] | None = None) -> Any:
        await self.client.start_io(str(KEFU), "lsp", *self.args, cwd=str(self.cwd))
        server = self.client._server
        if server is not None and server.stderr is not None:  # drained, so a chatty server never blocks
            self.drain = asyncio.get_running_loop().create_task(self._drain(server.stderr))
        folders = folders if folders is not None else [self.cwd]
        result = await self.client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                root_uri=from_fs_path(str(folders[0])) if folders else None,
                workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(f)) or "", name=f.name) for f in folders],
                initialization_options=options,
            )
        )
        self.client.initialized(types.InitializedParams())
        return result

    async def _drain(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self.stderr.append(line.decode("utf-8", "replace").rstrip("\n"))

    async def stop(self) -> int | None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()
        if self.drain is not None:
            await self.drain
        server = self.client._server
        return None if server is None else server.returncode

    @property
    def alive(self) -> bool:
        server = self.client._server
        return server is not None and server.returncode is None

    # -- documents --------------------------------------------------------------------------------
    def open(self, path: Path, text: str | None = None) -> str:
        uri = from_fs_path(str(path)) or ""
        self.versions[uri] = 1
        body = path.read_text(encoding="utf-8") if text is None else text
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="kefu", version=1, text=body)
            )
        )
        return uri

    def change(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def edit(self, uri: str, line: int, start: int, end: int, text: str) -> None:
        """Replace columns start..end (0-based) of a 0-based line: an incremental change."""
        self.versions[uri] += 1
        where = types.Range(start=types.Position(line, start), end=types.Position(line, end))
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[types.TextDocumentContentChangePartial(range=where, text=text)],
            )
        )

    def save(self, uri: str) -> None:
        self.client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    async def diagnostics_for(
        self, uri: str, wanted: Callable[[list[types.Diagnostic]], bool], timeout: float = 60.0
    ) -> list[types.Diagnostic]:
        """Wait until the diagnostics published for `uri` satisfy `wanted`."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.diagnostics.get(uri)
            if found is not None and wanted(found):
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"no diagnostics as wanted for {uri}; last: {found}; logs: {self.logs}; stderr: {self.stderr[-20:]}"
                )
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)

    # -- requests ---------------------------------------------------------------------------------
    @staticmethod
    def doc(uri: str) -> types.TextDocumentIdentifier:
        return types.TextDocumentIdentifier(uri=uri)

    async def hover(self, uri: str, line: int, character: int) -> types.Hover | None:
        return await self.client.text_document_hover_async(
            types.HoverParams(text_document=self.doc(uri), position=types.Position(line, character))
        )

    async def definition(self, uri: str, line: int, character: int) -> Any:
        return await self.client.text_document_definition_async(
            types.DefinitionParams(text_document=self.doc(uri), position=types.Position(line, character))
        )

    async def references(self, uri: str, line: int, character: int) -> Any:
        return await self.client.text_document_references_async(
            types.ReferenceParams(
                text_document=self.doc(uri),
                position=types.Position(line, character),
                context=types.ReferenceContext(include_declaration=True),
            )
        )

    async def completion(self, uri: str, line: int, character: int) -> list[str]:
        found = await self.client.text_document_completion_async(
            types.CompletionParams(text_document=self.doc(uri), position=types.Position(line, character))
        )
        if found is None:
            return []
        items = found.items if isinstance(found, types.CompletionList) else found
        return [item.label for item in items]

    async def formatting(self, uri: str) -> Any:
        return await self.client.text_document_formatting_async(
            types.DocumentFormattingParams(
                text_document=self.doc(uri), options=types.FormattingOptions(tab_size=4, insert_spaces=True)
            )
        )

    async def code_actions(self, uri: str, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
        found = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=self.doc(uri),
                range=diagnostic.range,
                context=types.CodeActionContext(diagnostics=[diagnostic]),
            )
        )
        return [a for a in found or [] if isinstance(a, types.CodeAction)]

    async def symbols(self, uri: str) -> Any:
        return await self.client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=self.doc(uri))
        )

    async def workspace_symbols(self, query: str) -> Any:
        return await self.client.workspace_symbol_async(types.WorkspaceSymbolParams(query=query))


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """`text` with LSP text edits applied (positions in UTF-16 code units, as the client counts)."""
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        before = sum(len(line) + 1 for line in lines[: position.line])
        row = lines[position.line] if position.line < len(lines) else ""
        units, index = 0, 0
        while index < len(row) and units < position.character:
            units += 2 if ord(row[index]) > 0xFFFF else 1
            index += 1
        return before + index

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
        lines = text.split("\n")
    return text
