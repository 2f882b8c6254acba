"""kefu's assistant: the rules model, matching, the decide step and its run loop, the store, metrics.

This package never imports `dsl` or `tui`: it runs from rules built in Python or loaded from JSON.
"""
