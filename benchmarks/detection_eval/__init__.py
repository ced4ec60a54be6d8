"""Labelled evaluation set for `privacymesh.detect` (see generate.py)."""
