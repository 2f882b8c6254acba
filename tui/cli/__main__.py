"""`python -m kefu.tui.cli ...` runs the `kefu` command."""

from kefu.tui.cli import main

main()
