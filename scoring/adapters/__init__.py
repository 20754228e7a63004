"""One adapter module per heavy third-party library; ruff's banned-api keeps each library inside its adapter."""
