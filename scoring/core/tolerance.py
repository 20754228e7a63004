"""Float tolerances, one constant per meaning: every module that compares or rounds floats takes them from here.

| name               | value | meaning                                                                    |
|--------------------|-------|----------------------------------------------------------------------------|
| NOISE_PLACES, EPS  | 9, 1e-9 | binary noise in a computed number (ratio, completion, points, 万元 sum):  |
|                    |       | 0.3 * 3 = 0.8999999999999999 counts as 0.9. Round to NOISE_PLACES before an |
|                    |       | equality test, or allow EPS either side of a boundary                      |
| POINTS_TOL         | 1e-6  | two amounts of points (分) are equal: weights adding up to their level, a    |
|                    |       | total on a grade edge. Points are shown to 0.01; a millionth of a point is   |
|                    |       | invisible in every output and far above any float noise                     |
| MONEY_PLACES       | 6     | 万元 are kept to 6 decimals, i.e. 0.01 元: finer digits of an amount or of a |
|                    |       | difference of amounts are arithmetic noise                                  |
| MONEY_TOL          | 1e-6  | two amounts in 万元 differ: by at least 0.01 元 (one unit at MONEY_PLACES)   |
| STATED_SCORE_TOL   | 0.005 | a score someone wrote to two decimals (a ruleset test's expectation) matches |
|                    |       | a computed one: it is within half of the last written digit                 |

The expression language compares numbers after rounding to `scoring.rules.expr.PRECISION` places
(its semantics rule 2), which the durable adapter mirrors.
"""

from __future__ import annotations

NOISE_PLACES = 9
EPS = 10.0**-NOISE_PLACES

POINTS_TOL = 1e-6

MONEY_PLACES = 6
MONEY_TOL = 10.0**-MONEY_PLACES

STATED_SCORE_TOL = 0.005
