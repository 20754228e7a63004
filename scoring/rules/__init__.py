"""The ruleset model and compiler: indicator library, expression grammar, scoring methods, check and finding rules."""
