"""The stages: each module holds pure frame -> frame transforms and one ``run(frames, settings)``.

What each stage reads, writes and is configured by is declared in ``jianghua.registry``.
"""
