"""Programs: many accounts and tokens.

A ``Program`` runs one calculator per token over every holding; around it, eligibility
(T+1, open orders, redemptions, activation), holdings and sub-accounts, pool-share
distribution and reconciliation with a platform's payouts. It imports the core only.
"""
