"""The stages in data-flow order: validate → checks → score → facts → findings."""
