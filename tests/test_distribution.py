"""Pool-share distribution: pro rata shares in whole base units, by largest remainder."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking import (
    BalanceEvent,
    BalanceTimeline,
    DailySnapshot,
    DayCalendar,
    Dust,
    InvalidInputError,
    InvalidTypeError,
    SoftStakingError,
    TimeWeighted,
    Token,
    distribute,
    distribute_days,
    measure_holdings,
)
from softstaking.core.days import DayWindow
from softstaking.core.sweep import BalanceView
from tests.strategies import holdings, pools, tokens

USDT = Token("USDT", 6)
JULY_1 = date(2019, 7, 1)
DAY = timedelta(days=1)


def units_of(amount: Decimal, token: Token) -> Fraction:
    """An amount in base units, exactly."""
    return Fraction(amount) * Fraction(10**token.decimals)


class TestDistribute:
    def test_shares_are_pro_rata(self) -> None:
        """Holdings of 1 and 3 share a pool of 100 as 25 and 75."""
        a = distribute("100", {"a": "1", "b": "3"}, token=USDT)
        assert dict(a.shares) == {"a": 25, "b": 75}
        assert a.undistributed == 0
        assert a.total_holding == 4

    def test_the_leftover_unit_goes_to_the_smaller_id_on_a_tie(self) -> None:
        """One unit among three equal holders goes to the first id in string order."""
        a = distribute("0.000001", {"carol": 5, "alice": 5, "bob": 5}, token=USDT)
        assert dict(a.shares) == {"alice": Decimal("0.000001"), "bob": 0, "carol": 0}

    def test_leftover_units_go_to_the_largest_remainders(self) -> None:
        """10 units over 1:1:5 are 1.43, 1.43, 7.14: the floors 1, 1, 7 and one more to a tie."""
        token = Token("T", 0)
        a = distribute(10, {"x": 1, "y": 1, "z": 5}, token=token)
        # Quotas 10/7, 10/7, 50/7: remainders 3/7, 3/7, 1/7; the one spare unit goes to x.
        assert dict(a.shares) == {"x": 2, "y": 1, "z": 7}

    def test_below_the_minimum_gets_nothing_and_does_not_count(self) -> None:
        """Accounts under min_holding are excluded from the shares and the total."""
        a = distribute("8", {"small": "0.999999", "b": "1", "c": "3"}, token=USDT, min_holding="1")
        assert dict(a.shares) == {"b": 2, "c": 6}
        assert a.excluded == ("small",)
        assert a.total_holding == 4

    def test_no_eligible_holder_leaves_the_pool_undistributed(self) -> None:
        """With nobody at the minimum, the whole pool is undistributed."""
        a = distribute("5", {"a": "0.5"}, token=USDT, min_holding=1)
        assert dict(a.shares) == {}
        assert a.undistributed == 5

    def test_eligible_holders_of_nothing_leave_the_pool_undistributed(self) -> None:
        """Eligible accounts that all hold zero have no quotas: nothing is shared."""
        a = distribute("5", {"a": 0, "b": 0}, token=USDT)
        assert dict(a.shares) == {"a": 0, "b": 0}
        assert a.undistributed == 5

    def test_a_pool_finer_than_the_base_unit_keeps_the_rest(self) -> None:
        """The part of the pool below one base unit is undistributed."""
        a = distribute("0.0000015", {"a": 1}, token=USDT)
        assert a.shares["a"] == Decimal("0.000001")
        assert a.undistributed == Decimal("0.0000005")

    @pytest.mark.parametrize(
        ("pool", "holdings", "kind"),
        [
            (0.5, {"a": 1}, InvalidTypeError),
            ("1", {"a": 1.0}, InvalidTypeError),
            ("1", {7: 1}, InvalidTypeError),
            ("1", [("a", 1)], InvalidTypeError),
            ("-1", {"a": 1}, InvalidInputError),
            ("1", {"a": "-1"}, InvalidInputError),
        ],
    )
    def test_bad_input_is_refused(self, pool: object, holdings: object, kind: type) -> None:
        """Floats, non-str ids, non-mappings and negative amounts raise library errors."""
        with pytest.raises(kind) as caught:
            distribute(pool, holdings, token=USDT)  # type: ignore[arg-type]
        assert isinstance(caught.value, SoftStakingError)


class TestDistributeProperties:
    @given(st.data(), tokens())
    def test_no_base_unit_is_created_or_lost(self, data: st.DataObject, token: Token) -> None:
        """The shares plus the undistributed rest equal the pool, exactly."""
        pool = data.draw(pools(token))
        a = distribute(pool, data.draw(holdings()), token=token)
        assert sum(Fraction(s) for s in a.shares.values()) + Fraction(a.undistributed) == pool
        assert all(token.is_whole(s) for s in a.shares.values())
        assert 0 <= units_of(a.undistributed, token) < 1 or sum(a.shares.values()) == 0

    @given(st.data(), tokens(), st.integers(0, 10**6))
    def test_each_share_is_the_floor_or_ceiling_of_its_quota(
        self, data: st.DataObject, token: Token, minimum: int
    ) -> None:
        """Each share is ⌊q⌋ or ⌈q⌉ of q = pool units × holding / eligible total."""
        pool, held = data.draw(pools(token)), data.draw(holdings())
        a = distribute(pool, held, token=token, min_holding=minimum)
        eligible = {k: Fraction(v) for k, v in held.items() if v >= minimum}
        total = sum(eligible.values())
        assert set(a.shares) == set(eligible)
        assert set(a.excluded) == set(held) - set(eligible)
        pool_units = math.floor(units_of(pool, token))
        for account, share in a.shares.items():
            quota = pool_units * eligible[account] / total if total else Fraction(0)
            assert math.floor(quota) <= units_of(share, token) <= math.ceil(quota)

    @given(st.data(), tokens())
    def test_spare_units_go_to_the_largest_remainders(
        self, data: st.DataObject, token: Token
    ) -> None:
        """Whoever was rounded up has a remainder at least as large as whoever was not."""
        pool, held = data.draw(pools(token)), data.draw(holdings())
        a = distribute(pool, held, token=token)
        total = sum(Fraction(v) for v in held.values())
        if not total:
            return
        pool_units = math.floor(units_of(pool, token))
        quotas = {k: pool_units * Fraction(v) / total for k, v in held.items()}
        up = {k for k, q in quotas.items() if units_of(a.shares[k], token) > math.floor(q)}
        # Rank by remainder, largest first, then by id: everyone rounded up ranks higher.
        rank = {k: (-(q % 1), k) for k, q in quotas.items()}
        for u in up:
            for d in set(quotas) - up:
                assert rank[u] < rank[d]

    @given(st.data(), tokens())
    def test_the_order_of_the_input_does_not_matter(
        self, data: st.DataObject, token: Token
    ) -> None:
        """Shuffling the holdings gives the same allocation."""
        pool, held = data.draw(pools(token)), data.draw(holdings())
        shuffled = dict(data.draw(st.permutations(list(held.items()))))
        assert distribute(pool, shuffled, token=token) == distribute(pool, held, token=token)


class TestDistributeDays:
    def test_a_sub_unit_pool_carries_until_it_pays(self) -> None:
        """Three days of 0.4 units pay one unit on day 3 and carry 0.2."""
        token = Token("T", 0)
        days = [JULY_1 + i * DAY for i in range(3)]
        out = distribute_days(dict.fromkeys(days, "0.4"), {d: {"a": 1} for d in days}, token=token)
        assert [d.allocation.shares["a"] for d in out] == [0, 0, 1]
        assert [d.carry_out for d in out] == [Decimal("0.4"), Decimal("0.8"), Decimal("0.2")]
        assert [d.carry_in for d in out] == [0, Decimal("0.4"), Decimal("0.8")]

    def test_forfeit_reports_the_rest_each_day(self) -> None:
        """With Dust.FORFEIT nothing carries; each day's rest is reported."""
        token = Token("T", 0)
        days = [JULY_1, JULY_1 + DAY]
        out = distribute_days(
            dict.fromkeys(days, "2.5"), {d: {"a": 1} for d in days}, token=token, dust=Dust.FORFEIT
        )
        assert [d.allocation.shares["a"] for d in out] == [2, 2]
        assert [d.forfeited for d in out] == [Decimal("0.5")] * 2
        assert all(d.carry_out == 0 for d in out)

    def test_a_day_without_holders_carries_its_pool(self) -> None:
        """A day nobody qualifies on passes its whole pool to the next day."""
        out = distribute_days(
            {JULY_1: 10, JULY_1 + DAY: 10},
            {JULY_1: {"a": 0}, JULY_1 + DAY: {"a": 1}},
            token=USDT,
            min_holding=1,
        )
        assert out[0].carry_out == 10
        assert out[1].allocation.shares["a"] == 20

    def test_days_run_in_date_order_whatever_the_mapping_order(self) -> None:
        """The carry flows from earlier to later days even if the mapping lists them backwards."""
        token = Token("T", 0)
        later, earlier = JULY_1 + DAY, JULY_1
        out = distribute_days(
            {later: "0.5", earlier: "0.5"}, {later: {"a": 1}, earlier: {"a": 1}}, token=token
        )
        assert [d.day for d in out] == [earlier, later]
        assert out[1].allocation.shares["a"] == 1

    def test_pools_and_holdings_must_name_the_same_days(self) -> None:
        """A day with a pool and no holdings, or the reverse, is an error naming it."""
        with pytest.raises(InvalidInputError, match="2019-07-02"):
            distribute_days({JULY_1: 1, JULY_1 + DAY: 1}, {JULY_1: {"a": 1}}, token=USDT)

    @given(
        tokens(),
        st.lists(st.tuples(st.data(), st.booleans()), min_size=1, max_size=5),
        st.sampled_from(Dust),
    )
    def test_over_a_run_nothing_is_created_or_lost(
        self, token: Token, draws: list[tuple[st.DataObject, bool]], dust: Dust
    ) -> None:
        """Carry in plus every pool equals every share plus forfeits plus the last carry."""
        days = [JULY_1 + i * DAY for i in range(len(draws))]
        pool_of = {d: data.draw(pools(token)) for d, (data, _) in zip(days, draws, strict=True)}
        held = {
            d: data.draw(holdings()) if some else {}
            for d, (data, some) in zip(days, draws, strict=True)
        }
        out = distribute_days(pool_of, held, token=token, dust=dust, carry="0.5")
        shared = sum(Fraction(s) for d in out for s in d.allocation.shares.values())
        forfeited = sum(Fraction(d.forfeited) for d in out)
        given_in = Fraction(1, 2) + sum(Fraction(p) for p in pool_of.values())
        assert given_in == shared + forfeited + Fraction(out[-1].carry_out)
        for d in out:
            assert Fraction(d.allocation.pool) == Fraction(d.pool) + Fraction(d.carry_in)


class TestMeasureHoldings:
    def test_the_kucoin_snapshot_reads_each_account_at_23_59_59_utc8(self) -> None:
        """DailySnapshot(23:59:59) in UTC+8 sees a deposit at 23:59:58 but not at 23:59:59.5."""
        utc8 = timezone(timedelta(hours=8))
        before = datetime(2019, 7, 1, 23, 59, 58, tzinfo=utc8)
        after = datetime(2019, 7, 1, 23, 59, 59, 500_000, tzinfo=utc8)
        timelines = {
            "early": BalanceTimeline.from_events([BalanceEvent(before, 100)]),
            "late": BalanceTimeline.from_events([BalanceEvent(after, 100)]),
        }
        got = measure_holdings(
            timelines,
            JULY_1,
            JULY_1 + 2 * DAY,
            policy=DailySnapshot(time(23, 59, 59)),
            calendar=DayCalendar(utc8),
        )
        assert got == {
            JULY_1: {"early": 100, "late": 0},
            JULY_1 + DAY: {"early": 100, "late": 100},
        }

    def test_a_time_weighted_measure_feeds_the_distribution(self) -> None:
        """Holding 100 for the second half of the day weighs 50 against a steady 150."""
        noon = datetime(2019, 7, 1, 12, tzinfo=UTC)
        timelines = {
            "half": BalanceTimeline.from_events([BalanceEvent(noon, 100)]),
            "steady": BalanceTimeline.from_events([], opening=150),
        }
        measured = measure_holdings(timelines, JULY_1, JULY_1 + DAY, policy=TimeWeighted())
        assert measured == {JULY_1: {"half": 50, "steady": 150}}
        (day,) = distribute_days({JULY_1: 8}, measured, token=USDT)
        assert dict(day.allocation.shares) == {"half": 2, "steady": 6}

    def test_a_policy_returning_a_non_decimal_is_refused(self) -> None:
        """A custom policy that returns an int is a type error naming the account and day."""

        class Broken:
            def measure(self, window: DayWindow, balances: BalanceView) -> Decimal:
                return 1  # type: ignore[return-value]

        timelines = {"a": BalanceTimeline.from_events([])}
        with pytest.raises(InvalidTypeError, match="'a' on 2019-07-01"):
            measure_holdings(timelines, JULY_1, JULY_1 + DAY, policy=Broken())

    def test_a_negative_measurement_is_refused(self) -> None:
        """A policy measuring below zero is an input error."""

        class Negative:
            def measure(self, window: DayWindow, balances: BalanceView) -> Decimal:
                return Decimal(-1)

        with pytest.raises(InvalidInputError, match="-1"):
            measure_holdings(
                {"a": BalanceTimeline.from_events([])}, JULY_1, JULY_1 + DAY, policy=Negative()
            )
