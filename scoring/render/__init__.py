"""Outputs of a run: terminal table, Markdown, JSON trace, xlsx, html, the self-evaluation report.

`registry` lists every format once (kind, default extension) and writes a run in any of them with
`render(run, format, out)`; one module per format, with the rows they share in `common`.
"""
