"""The results store: scored runs kept per fiscal year."""
