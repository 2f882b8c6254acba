"""The pygls server: the protocol's messages to `checks` and `answers`, and back.

Diagnostics: on open, change and save, the document's shop is checked on the unsaved texts of every
open document (`Checker.check`, in a worker thread, so hovers are answered meanwhile). Changes are
coalesced: one check runs at a time, and while it runs the latest text of each changed document
waits for the next (no fixed delay before a check starts). On open and save, the findings of the
matcher's and the lint rules (`kefu lint`: seconds to minutes for a large shop) are computed in a
child process (`kefu.tui.lsp.worker`), stopped when a newer save or a close makes it useless; they
are shown with the quick findings while their file still holds the text they were found in.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import traceback
from collections.abc import Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from kefu.dsl.lifeline import PARENT_ENV
from kefu.dsl.load import LoadResult
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.tui.lsp import answers
from kefu.tui.lsp.answers import Completion, Edit, Fix, Place, Symbol
from kefu.tui.lsp.checks import Checker, for_file
from kefu.tui.lsp.text import Lines

log = logging.getLogger("kefu.lsp")

LANGUAGE_ID = "kefu"
SETTLE_S = 0.01  # after a change, how long to wait for the next keystroke before checking
Read = dict[Path, tuple[str, int | None]]  # the open documents a check reads: path -> (text, version)
_COMPLETION_KINDS = {
    "keyword": types.CompletionItemKind.Keyword,
    "value": types.CompletionItemKind.EnumMember,
    "entry": types.CompletionItemKind.Reference,
    "placeholder": types.CompletionItemKind.Variable,
}
_SYMBOL_KINDS = {
    "shop": types.SymbolKind.Namespace,
    "preset": types.SymbolKind.Package,
    "block": types.SymbolKind.Object,
    "entry": types.SymbolKind.Class,
    "test": types.SymbolKind.Event,
    "scenario": types.SymbolKind.Event,
}


class KefuServer(LanguageServer):
    """pygls' server with kefu's state: the checker, the checks waiting and the lint children."""

    def __init__(self, lint: bool = True) -> None:
        from kefu.tui.cli import version

        super().__init__("kefu", version())
        self.checker = Checker(Path.cwd().resolve())
        self.lint = lint
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-check")
        self.answering = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-hover")
        self.dirty: dict[Path, None] = {}
        self.wake: asyncio.Event | None = None
        self.loop_task: asyncio.Task[None] | None = None
        # each checked document's last result, with the open documents it read (text, version)
        self.latest: dict[Path, tuple[LoadResult, Read]] = {}
        self.published: dict[str, list[types.Diagnostic]] = {}
        self.slow: dict[Path, tuple[dict[str, list[Diagnostic]], dict[str, str]]] = {}  # lint: extras, digests
        self.linting: dict[Path, asyncio.subprocess.Process] = {}  # by shop file (see `unit`)
        self.lint_asked: dict[Path, bytes] = {}  # the request of the last lint started, by shop file
        self.lines_cache: dict[str, tuple[int | None, int, Lines]] = {}  # open documents, by uri
        self.disk_lines: dict[Path, tuple[tuple[int, int], Lines]] = {}  # other files, by (mtime, size)

    # -- documents ---------------------------------------------------------------------------------
    def texts(self) -> dict[Path, str]:
        """The open documents' texts, by path."""
        return {path: text for path, (text, _) in self.read().items()}

    def read(self) -> Read:
        """The open documents' texts and versions, by path: what a check reads, taken at one moment."""
        found: Read = {}
        for uri, document in list(self.workspace.text_documents.items()):
            path = to_fs_path(uri)
            if path is not None and uri.startswith("file:"):
                found[Path(path).resolve()] = (document.source, document.version)
        return found

    def lines(self, document: TextDocument) -> Lines:
        """The document's text split in lines, kept until it changes."""
        source = document.source
        kept = self.lines_cache.get(document.uri)
        if kept is not None and kept[0] == document.version and kept[1] == len(source):
            return kept[2]
        lines = Lines(source)
        self.lines_cache[document.uri] = (document.version, len(source), lines)
        return lines

    def checked_lines(self, path: Path, older: Mapping[Path, Lines]) -> Lines | None:
        """The lines a check's findings in `path` are placed on: the text it read (`older`, when the
        document holds another one now), else the file's lines now."""
        kept = older.get(path)
        return kept if kept is not None else self.file_lines(path)

    def file_lines(self, path: Path) -> Lines | None:
        """The lines of a file: its open document's, else read from disk."""
        uri = from_fs_path(str(path))
        document = self.workspace.text_documents.get(uri) if uri else None
        if document is not None:
            return self.lines(document)
        try:
            status = path.stat()
            stamp = (status.st_mtime_ns, status.st_size)
            kept = self.disk_lines.get(path)
            if kept is not None and kept[0] == stamp:
                return kept[1]
            lines = Lines(path.read_text(encoding="utf-8-sig", errors="replace"))
        except OSError:
            return None
        self.disk_lines[path] = (stamp, lines)
        return lines

    # -- checking ----------------------------------------------------------------------------------
    def touched(self, uri: str, lint: bool) -> None:
        """A document opened, changed or saved: check its file again, and lint it too when `lint`
        (opened or saved: what is on disk is what the rules hold)."""
        path = to_fs_path(uri)
        if path is not None:
            self.schedule(Path(path))
            if lint:
                self.start_lint(Path(path))

    def schedule(self, path: Path) -> None:
        self.dirty[path.resolve()] = None
        if self.wake is None:
            self.wake = asyncio.Event()
        if self.loop_task is None or self.loop_task.done():
            self.loop_task = asyncio.get_running_loop().create_task(self._check_loop())
        self.wake.set()

    async def _check_loop(self) -> None:
        assert self.wake is not None
        loop = asyncio.get_running_loop()
        while True:
            await self.wake.wait()
            self.wake.clear()
            await asyncio.sleep(SETTLE_S)
            while self.dirty:
                path = next(iter(self.dirty))
                del self.dirty[path]
                read = self.read()
                texts = {p: text for p, (text, _) in read.items()}
                if path not in texts and not path.exists():  # an unsaved new file, closed: nothing to check
                    self._send(path, [], None)
                    continue
                try:
                    result = await loop.run_in_executor(self.pool, self.checker.check, path, texts)
                    self.latest[path] = (result, read)
                    covered = {self.checker.path_of(f) for f in result.files}
                    done = {path}
                    for other in [p for p in self.dirty if p in covered and self.texts().get(p) == texts.get(p)]:
                        del self.dirty[other]  # checked with this very text as part of the same shop
                        self.latest[other] = (result, read)
                        done.add(other)
                    self.publish(result, read, done)
                except Exception:  # a bug in kefu must not end the server: say so, keep serving
                    log.error("checking %s failed:\n%s", path, traceback.format_exc())
                    self.window_log_message(
                        types.LogMessageParams(types.MessageType.Error, f"kefu: checking {path} failed")
                    )

    def publish(self, result: LoadResult, read: Read | None = None, checked: Collection[Path] = ()) -> None:
        """Send the findings of each file the check read (an empty list clears a file): always for
        the documents `checked`, for the other files only when their findings changed. An open
        document's findings carry the version they are for: its version now if it still holds the
        text the check `read`, else the version read (edits typed meanwhile are checked next)."""
        now = self.read()
        grouped = for_file(result.diagnostics)
        digests = {str(path.resolve()): digest for path, digest in result.digests.items()}
        older = _older(now, read or {})
        for display in result.files:
            path = self.checker.path_of(display)
            found = list(grouped.get(display, []))
            found += self._slow_for(path, digests.get(str(path)))
            version = _version_for(now.get(path), (read or {}).get(path))
            self._send(path, found, version, path in checked, older)

    def _slow_for(self, path: Path, digest: str | None) -> list[Diagnostic]:
        extra: list[Diagnostic] = []
        for grouped, digests in self.slow.values():
            if digest is not None and digests.get(str(path)) == digest:
                extra += grouped.get(str(path), [])
        return list(dict.fromkeys(extra))

    def _send(
        self,
        path: Path,
        diagnostics: list[Diagnostic],
        version: int | None,
        always: bool = False,
        older: Mapping[Path, Lines] | None = None,
    ) -> None:
        """Publish a file's findings. `older`: the lines of open documents the check read in a text
        they no longer hold: positions are converted (columns to UTF-16) on the text they were found in."""
        uri = from_fs_path(str(path))
        if uri is None:
            return
        older = older or {}
        lines = self.checked_lines(path, older) if diagnostics else None
        converted = [self.to_lsp(d, lines, older) for d in sorted(diagnostics, key=Diagnostic.sort_key)]
        if self.published.get(uri) == converted and not always:
            return
        self.published[uri] = converted
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=converted, version=version)
        )

    def to_lsp(
        self, diagnostic: Diagnostic, lines: Lines | None, older: Mapping[Path, Lines] | None = None
    ) -> types.Diagnostic:
        span = diagnostic.span
        related = []
        for other in diagnostic.related:
            other_path = self.checker.path_of(other.file)
            uri = from_fs_path(str(other_path))
            if uri is not None:
                other_lines = self.checked_lines(other_path, older or {})
                related.append(
                    types.DiagnosticRelatedInformation(
                        types.Location(
                            uri, self.to_range(other_lines, other.line, other.column, other.end_line, other.end_column)
                        ),
                        "related",
                    )
                )
        message = diagnostic.message + (f"\nhelp: {diagnostic.help}" if diagnostic.help else "")
        return types.Diagnostic(
            range=self.to_range(lines, span.line, span.column, span.end_line, span.end_column),
            message=message,
            severity=types.DiagnosticSeverity.Error
            if diagnostic.severity is Severity.error
            else types.DiagnosticSeverity.Warning,
            code=diagnostic.code,
            source="kefu",
            related_information=related or None,
            data=diagnostic.model_dump(mode="json"),
        )

    def to_range(self, lines: Lines | None, line: int, column: int, end_line: int, end_column: int) -> types.Range:
        """kefu's span (1-based, inclusive end) as the client's range."""
        start = types.Position(max(line - 1, 0), max(column - 1, 0))
        end = types.Position(max(end_line - 1, 0), max(end_column, 0))
        if lines is None:
            return types.Range(start, end)
        codec = self.workspace.position_codec
        first, last = lines.line(start.line + 1), lines.line(end.line + 1)
        return types.Range(
            types.Position(start.line, codec.client_num_units(first[: start.character])),
            types.Position(end.line, codec.client_num_units(last[: end.character])),
        )

    def place_location(self, place: Place) -> types.Location | None:
        uri = from_fs_path(str(place.path))
        if uri is None:
            return None
        lines = self.file_lines(place.path)
        return types.Location(uri, self.to_range(lines, place.line, place.column, place.end_line, place.end_column))

    # -- lint in a child process --------------------------------------------------------------------
    def start_lint(self, path: Path) -> None:
        if not self.lint:
            return
        asyncio.get_running_loop().create_task(self._lint(path.resolve()))

    def unit(self, path: Path) -> Path:
        """What one lint covers: the shop of `path` (its shop file), else the file itself."""
        shop = self.checker.shop_of(path)
        return self.checker.path_of(shop.files[0]) if shop is not None and shop.files else path.resolve()

    async def _lint(self, path: Path) -> None:
        key = self.unit(path)
        request = json.dumps(
            {
                "paths": [str(p) for p in self.checker.targets(path)],
                "texts": {str(p): t for p, t in self.texts().items()},
            },
            ensure_ascii=False,
        ).encode("utf-8", "surrogatepass")
        asked = request + self._on_disk(key)
        if self.lint_asked.get(key) == asked:
            return  # the same files and texts are being linted, or were: opening a second file of a shop
        self.lint_asked[key] = asked
        running = self.linting.pop(key, None)
        if running is not None and running.returncode is None:
            running.kill()  # a newer text makes its findings useless
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kefu.tui.lsp.worker",
            env={**os.environ, PARENT_ENV: str(os.getpid())},
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        self.linting[key] = process
        try:
            out, err = await process.communicate(request)
        except (OSError, asyncio.CancelledError):
            return
        if self.linting.get(key) is process:
            del self.linting[key]
        if process.returncode not in (0, -signal.SIGKILL):
            why = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            log.error("the lint of %s failed: %s", key, why[0])
            self.window_log_message(types.LogMessageParams(types.MessageType.Warning, f"kefu: linting {key} failed"))
        if process.returncode != 0:
            if self.lint_asked.get(key) == asked:
                del self.lint_asked[key]  # stopped, or it failed: the quick findings stand alone
            return
        try:
            answer = json.loads(out)
            from pydantic import TypeAdapter

            extra = TypeAdapter(list[Diagnostic]).validate_python(answer["extra"])
        except (ValueError, KeyError, TypeError):
            return
        grouped: dict[str, list[Diagnostic]] = {}
        for diagnostic in extra:
            grouped.setdefault(str(self.checker.path_of(diagnostic.span.file)), []).append(diagnostic)
        digests = {str(Path(p).resolve()): d for p, d in answer["digests"].items()}
        for other in [k for k, (_, read) in self.slow.items() if k != key and read.keys() & digests.keys()]:
            del self.slow[other]  # an older lint of these files (keyed by a file before its shop was known)
        self.slow[key] = (grouped, digests)
        latest = self.latest.get(path)
        if latest is not None:
            self.publish(*latest)

    def _on_disk(self, key: Path) -> bytes:
        """The size and change time of each file of the shop of `key` as it is on disk: a lint asked
        again after a change the editor did not make (a git pull) is not the same request."""
        shop = self.checker.shop_of(key)
        files = [self.checker.path_of(name) for name in shop.files] if shop is not None else [key]
        stamps = []
        for file in files:
            try:
                status = file.stat()
                stamps.append([str(file), status.st_size, status.st_mtime_ns])
            except OSError:
                stamps.append([str(file), None, None])
        return json.dumps(stamps).encode()

    def stop_lint(self, path: Path) -> None:
        """Stop the lint of the shop of `path`, if one runs (its document was closed)."""
        key = self.unit(path)
        process = self.linting.pop(key, None)
        self.lint_asked.pop(key, None)
        if process is not None and process.returncode is None:
            process.kill()

    def stop_lints(self) -> None:
        for process in self.linting.values():
            if process.returncode is None:
                process.kill()
        self.linting.clear()

    # -- conversions for answers ------------------------------------------------------------------
    def document(self, uri: str) -> TextDocument | None:
        """The open document, else the file as it is on disk; None when neither can be read."""
        document = self.workspace.text_documents.get(uri)
        if document is not None:
            return document
        try:
            document = self.workspace.get_text_document(uri)
            document.source  # noqa: B018  (reads the file: fails here, not in an answer)
        except (OSError, UnicodeDecodeError, ValueError):
            return None
        return document

    def cursor(self, uri: str, position: types.Position) -> tuple[Path, Lines, int, int] | None:
        """The document's path and lines, and the cursor as kefu's 1-based line and column."""
        path = to_fs_path(uri)
        if path is None:
            return None
        document = self.document(uri)
        if document is None:
            return None
        lines = self.lines(document)
        row = lines.line(position.line + 1)
        column = self.workspace.position_codec.position_from_client_units([row], types.Position(0, position.character))
        return Path(path).resolve(), lines, position.line + 1, column.character + 1

    def edit_of(self, edit: Edit) -> tuple[str, types.TextEdit] | None:
        uri = from_fs_path(str(edit.path))
        if uri is None:
            return None
        lines = self.file_lines(edit.path)
        return uri, types.TextEdit(
            self.to_range(lines, edit.line, edit.column, edit.end_line, edit.end_column), edit.text
        )

    def action_of(self, fix: Fix, diagnostic: types.Diagnostic) -> types.CodeAction:
        changes: dict[str, list[types.TextEdit]] = {}
        for edit in fix.edits:
            converted = self.edit_of(edit)
            if converted is not None:
                changes.setdefault(converted[0], []).append(converted[1])
        return types.CodeAction(
            title=fix.title,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            edit=types.WorkspaceEdit(changes=changes),
            is_preferred=fix.preferred or None,
        )

    def symbol_of(self, symbol: Symbol) -> types.DocumentSymbol:
        lines = self.file_lines(symbol.place.path)
        whole = self.to_range(
            lines, symbol.place.line, symbol.place.column, symbol.place.end_line, symbol.place.end_column
        )
        pick = self.to_range(
            lines,
            symbol.selection.line,
            symbol.selection.column,
            symbol.selection.end_line,
            symbol.selection.end_column,
        )
        return types.DocumentSymbol(
            name=symbol.name or "?",
            kind=_SYMBOL_KINDS.get(symbol.kind, types.SymbolKind.Object),
            range=whole,
            selection_range=pick,
            detail=symbol.detail or None,
            children=[self.symbol_of(child) for child in symbol.children] or None,
        )


def _older(now: Read, read: Read) -> dict[Path, Lines]:
    """The lines of the open documents a check read in a text they no longer hold (edited since, or
    closed): findings of that text are placed on it, not on what the document holds now."""
    return {path: Lines(text) for path, (text, _) in read.items() if path not in now or now[path][0] != text}


def _version_for(now: tuple[str, int | None] | None, read: tuple[str, int | None] | None) -> int | None:
    """The version of an open document (`now`: its text and version) that findings of the text a
    check `read` are for; None for a document not open, or one the check read from disk."""
    if now is None or read is None:
        return None
    return now[1] if now[0] == read[0] else read[1]


def completion_item(completion: Completion) -> types.CompletionItem:
    return types.CompletionItem(
        label=completion.label,
        kind=_COMPLETION_KINDS.get(completion.kind, types.CompletionItemKind.Text),
        detail=completion.detail or None,
        insert_text=completion.insert,
    )


def create(lint: bool = True) -> KefuServer:
    """The server with every feature registered."""
    server = KefuServer(lint)

    @server.feature(types.INITIALIZE)
    def initialize(ls: KefuServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and options.get("lint") in ("off", False):
            ls.lint = False

    @server.feature(types.INITIALIZED)
    async def initialized(ls: KefuServer, params: types.InitializedParams) -> None:
        folders = [Path(p) for f in ls.workspace.folders.values() if (p := to_fs_path(f.uri))]
        if not folders and ls.workspace.root_path:
            folders = [Path(ls.workspace.root_path)]
        folders = [f for f in folders if f.is_dir()]
        if folders:  # every shop and preset of the workspace: which shops use a preset, workspace symbols
            try:
                await asyncio.get_running_loop().run_in_executor(ls.pool, ls.checker.scan, folders)
            except Exception:
                log.error("reading the workspace failed:\n%s", traceback.format_exc())

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: KefuServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.touched(params.text_document.uri, lint=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: KefuServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.touched(params.text_document.uri, lint=False)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: KefuServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.touched(params.text_document.uri, lint=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: KefuServer, params: types.DidCloseTextDocumentParams) -> None:
        path = to_fs_path(params.text_document.uri)
        ls.lines_cache.pop(params.text_document.uri, None)
        if path is not None:
            ls.stop_lint(Path(path))
            ls.schedule(Path(path))  # the file on disk counts again

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: KefuServer, params: types.HoverParams) -> types.Hover | None:
        at = ls.cursor(params.text_document.uri, params.position)
        if at is None:
            return None
        # in a thread: over a test line the shop's matcher may have to be built (seconds for a
        # large shop), and the server answers other requests meanwhile
        found = await asyncio.get_running_loop().run_in_executor(ls.answering, answers.hover, ls.checker, *at)
        if found is None:
            return None
        text, where = found
        location = ls.place_location(where)
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
            range=location.range if location else None,
        )

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: KefuServer, params: types.DefinitionParams) -> list[types.Location] | None:
        at = ls.cursor(params.text_document.uri, params.position)
        if at is None:
            return None
        places = answers.definition(ls.checker, *at)
        return [loc for p in places if (loc := ls.place_location(p)) is not None] or None

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def references(ls: KefuServer, params: types.ReferenceParams) -> list[types.Location] | None:
        at = ls.cursor(params.text_document.uri, params.position)
        if at is None:
            return None
        places = answers.references(ls.checker, *at, ls.texts(), params.context.include_declaration)
        return [loc for p in places if (loc := ls.place_location(p)) is not None] or None

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[" ", ">", "{", "."]))
    def completion(ls: KefuServer, params: types.CompletionParams) -> types.CompletionList:
        at = ls.cursor(params.text_document.uri, params.position)
        items = [] if at is None else [completion_item(c) for c in answers.completions(ls.checker, *at)]
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: KefuServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
        from kefu.dsl.files import display_name
        from kefu.dsl.fmt import FormatError, format_bytes

        path = to_fs_path(params.text_document.uri)
        document = ls.document(params.text_document.uri)
        if document is None:
            return None
        source = document.source
        try:
            formatted = format_bytes(source.encode("utf-8", "surrogatepass"), display_name(Path(path or "x.kefu")))
        except FormatError:
            return None
        if formatted.text is None or formatted.text == source:
            return [] if formatted.text is not None else None
        lines = ls.lines(document)
        end = len(lines.starts)
        whole = ls.to_range(lines, 1, 1, end, len(lines.line(end)))
        return [types.TextEdit(whole, formatted.text)]

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix])
    )
    def code_action(ls: KefuServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        path = to_fs_path(params.text_document.uri)
        if path is None:
            return None
        document = ls.document(params.text_document.uri)
        if document is None:
            return None
        lines = ls.lines(document)
        actions: list[types.CodeAction] = []
        for sent in params.context.diagnostics:
            if sent.source != "kefu" or not isinstance(sent.data, dict):
                continue
            try:
                diagnostic = Diagnostic.model_validate(sent.data)
            except ValueError:
                continue
            for fix in answers.fixes(ls.checker, Path(path).resolve(), lines, diagnostic, ls.texts()):
                actions.append(ls.action_of(fix, sent))
        return actions or None

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(ls: KefuServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol] | None:
        path = to_fs_path(params.text_document.uri)
        if path is None:
            return None
        document = ls.document(params.text_document.uri)
        if document is None:
            return None
        return [ls.symbol_of(s) for s in answers.document_symbols(Path(path).resolve(), document.source)]

    @server.feature(types.WORKSPACE_SYMBOL)
    def workspace_symbol(ls: KefuServer, params: types.WorkspaceSymbolParams) -> list[types.SymbolInformation]:
        found: list[types.SymbolInformation] = []
        for symbol in answers.workspace_symbols(ls.checker, params.query)[:500]:
            location = ls.place_location(symbol.place)
            if location is not None:
                found.append(
                    types.SymbolInformation(
                        name=symbol.name, kind=types.SymbolKind.Class, location=location, container_name=symbol.detail
                    )
                )
        return found

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: KefuServer, params: Any) -> None:
        ls.stop_lints()

    return server


def serve(lint: bool = True) -> None:
    """Serve over standard input and output until the client says exit."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="kefu lsp: %(message)s")
    create(lint).start_io()
