"""Lint rules about what the shop's own tests and scenarios exercise."""
