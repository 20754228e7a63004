"""Data types that flow between pipeline stages: input tables, the validated Dataset, derived metrics, results, runs."""
