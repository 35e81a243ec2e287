"""Helpers shared by the tests (synthetic images, the shipped portraits)."""
