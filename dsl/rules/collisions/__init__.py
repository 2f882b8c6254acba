"""Lint rules about asks that collide: an ask that lands on another entry, one within the margin of
another entry, nearly the same ask under two entries, an entry none of whose asks reaches it.
They match each ask through the shop's real matcher (normalisation, synonyms, calibration)."""
