"""Small helpers used by every layer; nothing domain-specific, and nothing here imports the rest of the package.

:mod:`.jsonsafe` (JSON-safe values), :mod:`.binary` (the bounded byte reader of every binary parser),
:mod:`.gc` (pausing the cyclic garbage collector around bulk work), :mod:`.numeric` (small numeric helpers).
"""
