"""Benchmarks on dataset folders: layouts (:mod:`.datasets`), metrics (:mod:`.metrics`: EER, DET, ERC,
identity bootstrap), the runner (:mod:`.run`) and its report files (:mod:`.report`).

Nothing is imported here, so that ``cccd-bio`` starts without loading the pipeline.
"""
