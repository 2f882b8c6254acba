"""The costly findings of `kefu lint` for `kefu lsp`, in a child process the server can stop.

The server writes one JSON object to this process's standard input: `{"paths": [...], "texts":
{path: text}}` (the documents to check and the open documents' unsaved texts). The process loads
them twice on that same text, as `kefu check` does without its matcher and as `kefu lint` does, and
prints one JSON object: `{"extra": [diagnostic, ...], "digests": {file: digest}}`, the findings only
the second load has (the matcher's and the lint rules', and the suppressions only they use) and the
content digest of every file read, so the server shows each finding only while its file still
holds that text. Run as `python -m kefu.tui.lsp.worker` (the server names itself in
`KEFU_PARENT_PID`); it ends with the server (`kefu.dsl.lifeline`), so a killed server leaves no
lint running, even one killed while this process was starting.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> int:
    from kefu.dsl.lifeline import end_with_parent, started_by

    end_with_parent(started_by())  # a server that died before this line ran ends this process here
    from kefu.dsl.load import load
    from kefu.dsl.overlay import overlaid
    from kefu.tui.shops import parse_cache

    request = json.loads(sys.stdin.buffer.read().decode("utf-8", "surrogatepass"))
    paths = [Path(p) for p in request["paths"]]
    texts = {Path(p): text for p, text in request["texts"].items()}
    cache = parse_cache()
    with overlaid(texts):
        quick = load(paths, cache)
        full = load(paths, cache, with_matcher=True, lint=True)
    seen = set(quick.diagnostics)
    extra = [d.model_dump(mode="json") for d in full.diagnostics if d not in seen]
    digests = {str(path): digest for path, digest in full.digests.items()}
    sys.stdout.write(json.dumps({"extra": extra, "digests": digests}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
