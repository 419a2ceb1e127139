"""Text kernels: character classes, data tables, T->S, outline markers, offsets, the character model and repair.

Stages use these; they know nothing of stages, tables on disk or the workflow.
"""
