"""Shared foundations below every stage: errors, display formatting, value grammar, YAML and resources."""
