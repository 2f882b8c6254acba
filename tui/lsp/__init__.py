"""`kefu lsp`: a Language Server Protocol server for `.kefu` files, over standard input and output.

An edge, like the command line: it reads rules with kefu's own loader, parser, diagnostics registry,
formatter and matcher, and speaks LSP through pygls. Its parts:

- `text`: positions (kefu's 1-based, inclusive spans and LSP's ranges) and what the cursor is on,
  read with kefu's own parser (the top-level statement around the cursor, parsed alone);
- `checks`: the open documents over the disk, each document's shop loaded through a parse memo,
  which files use which preset, the matcher of each shop for hovers;
- `answers`: hover, definition, references, completion, code actions and symbols, as plain values;
- `worker`: the costly `kefu lint` findings, in a child process the server can stop at any time;
- `server`: the pygls server that wires them to the protocol.
"""
