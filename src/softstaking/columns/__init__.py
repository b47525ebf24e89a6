"""Whole programs as Arrow columns: the ledger read into ints, a per-day integer engine.

This layer sits between the core and ``softstaking.programs``: ``Program.table`` is built
on it. It imports the core only, and pyarrow and numpy (the ``arrow`` extra) only inside
its functions, so that ``import softstaking`` never loads them.

* ``softstaking.columns.ledger`` reads and checks a ledger and its openings into
  per-(account, token) integer arrays, in base units;
* ``softstaking.columns.engine`` computes every day of every series in ints, once per
  run of days with the same measured balance and rate;
* ``softstaking.columns.output`` builds the Arrow table of records, with decimal
  columns.
"""
