"""Minutiae templates: :class:`Minutia`, :class:`Template` and their byte codecs (ISO, ANSI, xyt, JSON)."""

from .minutia import MINUTIA_KINDS, Minutia
from .types import Template

__all__ = ["MINUTIA_KINDS", "Minutia", "Template"]
