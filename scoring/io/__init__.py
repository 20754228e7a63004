"""Readers (load) and writers of input data: CSV folders, perfscore workbooks, MoF 自评表, narrative extraction, the template."""
