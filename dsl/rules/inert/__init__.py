"""Lint rules about settings that can never take effect."""
