"""Fingerprints: capture (:mod:`.capture`), the lazily computed :class:`~.analysis.Analysis` over the
:mod:`.fields`, then :mod:`.quality`, :mod:`.minutiae`, :mod:`.template` and :mod:`.match`; :mod:`.synthetic`
makes test prints. Parameters live in :mod:`.params`.
"""
