"""Batch checks of many files: input walking (:mod:`.inputs`), the per-file check (:mod:`.check`), local process
pools (:mod:`.run`), Dask cluster runs into partitioned Parquet (:mod:`.cluster`), durable resumable results
(:mod:`.results`) and the HTML report (:mod:`.report`).

Nothing is imported here, so that ``cccd-bio`` starts without loading the pipeline.
"""
