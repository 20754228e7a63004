"""Data types that flow between pipeline stages: input tables, the validated Dataset, derived metrics, results, runs."""

import pandas as pd

# With pyarrow installed (it reads Parquet input) pandas would back its default `str` dtype with Arrow, which
# refuses arithmetic the stages do on all-missing text-typed columns; Python-backed strings keep one behaviour
# whether or not pyarrow is there. Every stage imports scoring.model, so this runs before any frame is built.
pd.set_option("mode.string_storage", "python")
