"""Reconciliation: computed rewards against a platform's payout history."""

from __future__ import annotations

import decimal
import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking import DailyReward, InvalidInputError, InvalidTypeError
from softstaking.io import read_payouts
from softstaking.programs.reconcile import DayStatus, ReportedPayout, reconcile
from softstaking.samples import sample_path, seed_rewards
from tests.strategies import reward_records

JULY = {d: date(2019, 7, d) for d in range(15, 23)}
TOLERANCE = Decimal("0.00000001")


def _seed_paid_by_definition() -> dict[date, Fraction]:
    """The seed's payments worked out from the rules, with exact fractions.

    The 23:59:59 UTC+8 snapshots of the sample events, read by hand: 50,000 on the 15th;
    62,345.678 after the 16th's trade; 42,345.678 after the 17th's; 43,345.678 with the
    deposit at 23:59:59 on the 18th; 0.005 from the 19th. Each day: gross = balance × apr
    / 365 rounded half-even to 1E-38; owed = carry + gross; paid = owed rounded down to
    1E-18 unless under 0.000001; carry = owed − paid.
    """
    balances = ["50000", "62345.678", "42345.678", "43345.678"] + ["0.005"] * 4
    aprs = ["0.0680", "0.0712", "0.0695", "0.0701"] + ["0.0688"] * 4
    carry = Fraction(0)
    paid: dict[date, Fraction] = {}
    for day, balance, apr in zip(JULY.values(), balances, aprs, strict=True):
        exact = Fraction(balance) * Fraction(apr) / 365
        gross = Fraction(round(exact * 10**38), 10**38)
        owed = carry + gross
        payable = Fraction(math.floor(owed * 10**18), 10**18)
        paid[day] = payable if payable >= Fraction("0.000001") else Fraction(0)
        carry = owed - paid[day]
    return paid


class TestSeedSample:
    def test_the_sample_export_has_the_known_discrepancies(self) -> None:
        """Against the sample export, each day has the status worked out by hand."""
        payouts = list(read_payouts(sample_path("iotx_seed_payouts.csv"), token="IOTX"))
        result = reconcile(seed_rewards(), payouts, tolerance=TOLERANCE)
        assert {c.day: c.status for c in result.checks} == {
            JULY[15]: DayStatus.MATCHED,  # paid to the base unit
            JULY[16]: DayStatus.MATCHED,  # shown to 8 decimals: within the tolerance
            JULY[17]: DayStatus.DIFFERENT,  # computed on the balance before the evening trade
            JULY[18]: DayStatus.MISSING,  # no row
            JULY[19]: DayStatus.MATCHED,  # nothing due (under the minimum payout), nothing paid
            JULY[20]: DayStatus.MATCHED,
            JULY[21]: DayStatus.EXTRA,  # dust the rules hold back was paid
            JULY[22]: DayStatus.MATCHED,
        }
        assert not result.agrees
        assert [result.count(s) for s in DayStatus] == [5, 1, 1, 1]

    def test_differences_follow_the_definition(self) -> None:
        """Each day's difference is the platform's amount minus the payment the rules give."""
        due = _seed_paid_by_definition()
        platform = {
            JULY[15]: Fraction("9.315068493150684931"),
            JULY[16]: Fraction("12.16167746"),
            # 62,345.678 × 6.95 % / 365, shown to 8 decimals
            JULY[17]: Fraction("11.87130033"),
            JULY[20]: Fraction("0.00000188"),
            JULY[21]: Fraction("0.00000094"),
            JULY[22]: Fraction("0.00000188"),
        }
        payouts = list(read_payouts(sample_path("iotx_seed_payouts.csv"), token="IOTX"))
        result = reconcile(seed_rewards(), payouts, tolerance=TOLERANCE)
        for check in result.checks:
            expected = platform.get(check.day, Fraction(0)) - due[check.day]
            assert Fraction(check.difference) == expected, check.day

    def test_with_no_tolerance_the_truncated_days_differ(self) -> None:
        """With a tolerance of zero, amounts shown to 8 decimals no longer match."""
        payouts = list(read_payouts(sample_path("iotx_seed_payouts.csv"), token="IOTX"))
        result = reconcile(seed_rewards(), payouts)
        different = [c.day for c in result.checks if c.status is DayStatus.DIFFERENT]
        assert different == [JULY[16], JULY[17], JULY[20], JULY[22]]

    def test_the_other_token_is_left_out(self) -> None:
        """Without the token filter, the ELA row adds to 16 July and makes it differ."""
        payouts = list(read_payouts(sample_path("iotx_seed_payouts.csv")))
        result = reconcile(seed_rewards(), payouts, tolerance=TOLERANCE)
        assert {c.day: c.status for c in result.checks}[JULY[16]] is DayStatus.DIFFERENT


def _record(day: date, paid: str) -> DailyReward:
    zero = Decimal(0)
    return DailyReward(
        day,
        zero,
        zero,
        zero,
        Decimal(paid),
        Decimal(paid),
        zero,
        datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC),
    )


D1, D2 = date(2024, 1, 1), date(2024, 1, 2)


class TestRules:
    @pytest.mark.parametrize(
        ("computed", "platform", "status"),
        [
            ("1", "1", DayStatus.MATCHED),
            ("1", "1.01", DayStatus.MATCHED),  # exactly at the tolerance
            ("1", "0.99", DayStatus.MATCHED),
            ("1", "1.02", DayStatus.DIFFERENT),
            ("1", None, DayStatus.MISSING),
            ("0.01", None, DayStatus.MATCHED),  # due, but within the tolerance of nothing
            ("0", "0.5", DayStatus.EXTRA),
            ("0", "0.01", DayStatus.MATCHED),
            ("0", "0", DayStatus.MATCHED),
            ("1", "0", DayStatus.DIFFERENT),  # the platform shows an explicit zero
            (None, "0.5", DayStatus.EXTRA),  # a day that was not computed
        ],
    )
    def test_status(self, computed: str | None, platform: str | None, status: DayStatus) -> None:
        """Each combination of computed and paid amounts gets the status its definition says."""
        records = [] if computed is None else [_record(D1, computed)]
        payouts = [] if platform is None else [ReportedPayout(D1, platform)]
        [check] = reconcile(records, payouts, tolerance="0.01").checks
        assert check.status is status

    def test_payments_on_one_day_add_up(self) -> None:
        """Two payments on the same day are compared as their sum."""
        result = reconcile([_record(D1, "3")], [ReportedPayout(D1, "1"), ReportedPayout(D1, "2")])
        assert result.agrees
        assert result.checks[0].actual == 3

    def test_by_payout_date(self) -> None:
        """With by='payout', a payment is matched to the record credited that day."""
        result = reconcile([_record(D1, "3")], [ReportedPayout(D2, "3")], by="payout")
        assert [(c.day, c.status) for c in result.checks] == [(D2, DayStatus.MATCHED)]

    def test_bad_arguments(self) -> None:
        """A negative tolerance, an unknown `by` and a float amount are refused."""
        with pytest.raises(InvalidInputError):
            reconcile([], [], tolerance="-1")
        with pytest.raises(InvalidInputError):
            reconcile([], [], by="week")  # type: ignore[arg-type]
        with pytest.raises(InvalidTypeError):
            ReportedPayout(D1, 0.1)  # type: ignore[arg-type]

    @given(st.lists(reward_records(), max_size=6, unique_by=lambda r: r.day))
    def test_paying_exactly_what_was_computed_agrees(self, records: list[DailyReward]) -> None:
        """A platform that paid exactly the computed amounts matches on every day."""
        payouts = [ReportedPayout(r.day, r.paid) for r in records]
        assert reconcile(records, payouts).agrees

    def test_table_and_summary(self) -> None:
        """The text lists each day and ends with the counts and the tolerance."""
        text = str(reconcile([_record(D1, "1")], [ReportedPayout(D2, "2")], tolerance="0.5"))
        lines = text.splitlines()
        assert lines[0].split() == ["day", "status", "computed", "platform", "difference"]
        assert lines[1].split() == ["2024-01-01", "missing", "1", "-", "-1"]
        assert lines[2].split() == ["2024-01-02", "extra", "-", "2", "2"]
        assert lines[3] == "2 days: 0 matched, 1 missing, 1 extra, 0 different (tolerance 0.5)"


class TestCallerContext:
    def test_a_callers_two_digit_context_changes_no_status(self) -> None:
        """The tolerance comparison is exact under the library's context, not the caller's."""
        records = [_record(D1, "1.2345")]
        paid = [ReportedPayout(D1, "1.22")]  # 0.0145 apart: three digits, exactly the tolerance
        expected = reconcile(records, paid, tolerance="0.0145").checks[0].status
        with decimal.localcontext() as ctx:
            ctx.prec = 2
            ctx.traps[decimal.Inexact] = True
            got = reconcile(records, paid, tolerance="0.0145").checks[0].status
        assert expected is got is DayStatus.MATCHED
