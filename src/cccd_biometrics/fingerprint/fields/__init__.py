"""The block and pixel fields of a fingerprint, as array functions: orientation, ridge frequency, foreground
segmentation, oriented enhancement and thinning, with their compiled kernels.

:class:`~cccd_biometrics.fingerprint.analysis.Analysis` calls them once per print and caches the results.
"""
