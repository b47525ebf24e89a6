"""The core: one account, one token.

Amounts, instants, tokens, days and day counts, the balance timeline, accrual policies,
rates and schedules, rounding and carry, the calculator, its records and explanations, and
payout schedules. It imports nothing else of the library, and knows no files, terminals or
data frames. Its public names are exported from ``softstaking`` itself.
"""
