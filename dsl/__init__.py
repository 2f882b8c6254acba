"""The rule language: grammar, parser, builder, checks, formatter and diagnostics.

Lark lives here and nowhere else; what leaves this package is the rules model of `engine.rules`
and `engine.diagnostics.Diagnostic` values.
"""
