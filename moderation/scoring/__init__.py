"""Toxicity scoring: the scorer interface, the engines and the off-loop runner."""
