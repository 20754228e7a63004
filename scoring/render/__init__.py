"""Outputs of a run: terminal table, Markdown, JSON trace, xlsx, html, the self-evaluation report."""
