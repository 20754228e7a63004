"""Readers and writers of input data: `readers.load(path)` picks a registered reader per source (csv_tables, workbook, mof).

Also here: `raw` (the raw tables readers return and the helpers they share), `reader` (what a reader
declares), `extract` (a narrative report → the input workbook), `template` (the blank input workbook).
"""
