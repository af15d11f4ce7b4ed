"""Errors in what a user gave (a course file, a command's arguments), shared by the layers that find them.

A module low in the layers (notebook sources, pull) raises these without importing the layer above
that runs it (build), so the imports of the package run one way.
"""


class BuildError(Exception):
    """A course file that cannot be built (solution regions, provided code, notebook source)."""
