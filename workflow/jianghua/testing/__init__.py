"""Test and benchmark support: the sample-corpus generator, the damage simulator, accuracy against truth.

No stage imports these modules.
"""
