"""perfscore: rule-based scoring of budget performance self-evaluations (预算绩效自评)."""

__version__ = "0.1.0"
