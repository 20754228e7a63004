"""The results store: scored runs kept per ruleset, fiscal year and department, in one transactional database."""
