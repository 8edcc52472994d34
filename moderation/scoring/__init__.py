"""Toxicity scoring: the scorer interface, the engines (Detoxify, offline), the batcher.

Pure of the domain: nothing here reads or writes the database. The off-loop
orchestration that stores scores through the services is ``moderation.scoring_runner``.
"""
