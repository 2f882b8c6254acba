"""kefu's assistant: the rules model and, later, matcher, decide step, store and metrics.

This package never imports `dsl` or `tui`: it runs from rules built in Python or loaded from JSON.
"""
