"""Program runs: many accounts and tokens, streamed, each as if run alone.

Expected balances come from the definitions, computed with ``fractions.Fraction``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking import (
    AccountReward,
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    DailyReward,
    DuplicateHoldingError,
    EarningStart,
    Holding,
    InvalidInputError,
    InvalidTypeError,
    MissingRateError,
    NaiveDatetimeError,
    NegativeBalanceError,
    Program,
    RewardCalculator,
    SubAccount,
    TimeWeighted,
    Token,
    UnknownTokenError,
)
from softstaking.core.instants import to_us
from tests.strategies import (
    FIRST_DAY,
    aprs,
    net_accounts,
    policies,
    rich_holdings,
    timelines,
    tokens,
    zones,
)

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
T0 = datetime(2025, 1, 1, tzinfo=UTC)
D0 = T0.date()
USD = Token("USD", 2)
# 36,500 at 3.65 % earns exactly 3.65 a day.
RATE = AprSchedule.constant("0.0365")


def usd_program(**settings: object) -> Program:
    calc = RewardCalculator(USD, RATE, TimeWeighted())
    return Program([calc], **settings)  # type: ignore[arg-type]


def measured(program: Program, holding: Holding, day: date) -> Decimal:
    (record,) = program.rewards(holding, day, day + DAY)
    return record.balance


def two_token_calculators(draw: st.DrawFn) -> list[RewardCalculator]:
    """The calculators of tokens AAA and BBB, with any decimals, rate, policy and zone."""
    calcs = []
    for symbol in ("AAA", "BBB"):
        token = Token(symbol, draw(tokens()).decimals)
        calcs.append(
            RewardCalculator(
                token, AprSchedule.constant(draw(aprs())), draw(policies()), tz=draw(zones())
            )
        )
    return calcs


@st.composite
def programs_and_holdings(draw: st.DrawFn) -> tuple[Program, list[Holding]]:
    """A program of two tokens with any policy and zone, and up to six accounts in each."""
    calcs = two_token_calculators(draw)
    holdings = []
    for calc in calcs:
        for n in range(draw(st.integers(0, 6))):
            tl = draw(timelines(calc.token, days=4, max_events=4))
            holdings.append(Holding.from_timeline(f"user{n}", calc.token.symbol, tl))
    deposits = draw(st.sampled_from(EarningStart))
    return Program(calcs, deposits=deposits), draw(st.permutations(holdings))


@st.composite
def programs_and_rich_holdings(draw: st.DrawFn) -> tuple[Program, list[Holding]]:
    """Two tokens, any eligibility settings, holdings with sub-accounts, activation, carry."""
    calcs = two_token_calculators(draw)
    holdings = [
        draw(rich_holdings(f"user{n}", calc.token))
        for calc in calcs
        for n in range(draw(st.integers(0, 3)))
    ]
    program = Program(
        calcs,
        frozen_earns=draw(st.booleans()),
        deposits=draw(st.sampled_from(EarningStart)),
        activation=draw(st.sampled_from(EarningStart)),
    )
    return program, draw(st.permutations(holdings))


class TestRun:
    @given(programs_and_holdings() | programs_and_rich_holdings())
    def test_a_run_equals_each_holding_run_alone(self, case: tuple[Program, list[Holding]]) -> None:
        """Every record of a run is its holding's computed alone, sub-accounts and all."""
        program, holdings = case
        end = FIRST_DAY + 4 * DAY
        streamed = list(program.run(holdings, FIRST_DAY, end))
        expected = [
            AccountReward(h.account, h.token, record)
            for h in holdings
            for record in program.rewards(h, FIRST_DAY, end)
        ]
        assert streamed == expected
        assert len(streamed) == 4 * len(holdings)

    @given(programs_and_holdings())
    def test_plain_holdings_give_the_calculators_records(
        self, case: tuple[Program, list[Holding]]
    ) -> None:
        """Paid from arrival, a holding's records are its calculator's on its timeline."""
        program, holdings = case
        program = Program(program.calculators)
        end = FIRST_DAY + 4 * DAY
        for h in holdings:
            calc = program.calculators[h.token]
            timeline = BalanceTimeline.from_events(h.events, opening=h.opening)
            assert program.rewards(h, FIRST_DAY, end) == calc.daily_rewards(
                timeline, FIRST_DAY, end
            )

    def test_holdings_are_read_one_at_a_time(self) -> None:
        """The run yields a holding's records before it reads the next holding."""
        read: list[str] = []

        def holdings() -> Iterator[Holding]:
            for name in ("a", "b", "c"):
                read.append(name)
                yield Holding(name, "USD", opening=100)

        stream = usd_program().run(holdings(), D0, D0 + 2 * DAY)
        first = next(stream)
        assert (first.account, read) == ("a", ["a"])
        next(stream)
        assert read == ["a"]
        third = next(stream)
        assert (third.account, read) == ("b", ["a", "b"])

    def test_records_carry_the_account_and_the_token(self) -> None:
        """Each record names its account and token, day by day."""
        out = list(usd_program().run([Holding("alice", "USD", opening=36500)], D0, D0 + 2 * DAY))
        assert [(r.account, r.token, r.reward.day, r.reward.paid) for r in out] == [
            ("alice", "USD", D0, Decimal("3.65")),
            ("alice", "USD", D0 + DAY, Decimal("3.65")),
        ]

    def test_carry_chains_daily_runs(self) -> None:
        """Two one-day runs, the carry passed on, equal one two-day run."""
        program = Program([RewardCalculator(USD, AprSchedule.constant("0.01"))])
        h = Holding("a", "USD", opening=100)
        whole = program.rewards(h, D0, D0 + 2 * DAY)
        (first,) = program.rewards(h, D0, D0 + DAY)
        chained = Holding("a", "USD", opening=100, carry=first.carry)
        (second,) = program.rewards(chained, D0 + DAY, D0 + 2 * DAY)
        assert [first, second] == whole


class TestRunErrors:
    def test_an_unknown_token_is_named(self) -> None:
        """A holding in a token without rules raises, naming the token and the account."""
        stream = usd_program().run([Holding("carol", "DOGE")], D0, D0 + DAY)
        with pytest.raises(UnknownTokenError, match=r"'DOGE'.*it has USD") as caught:
            next(stream)
        assert "account 'carol'" in str(caught.value.__notes__)

    def test_a_duplicate_account_and_token_is_named(self) -> None:
        """The second holding of one account in one token raises, naming both."""
        holdings = [Holding("dave", "USD"), Holding("erin", "USD"), Holding("dave", "USD")]
        with pytest.raises(DuplicateHoldingError, match="account 'dave' holds 'USD' twice"):
            list(usd_program().run(holdings, D0, D0 + DAY))

    def test_an_error_in_one_holding_names_the_account(self) -> None:
        """An overdrawn account raises its own error with a note naming the account."""
        bad = Holding("frank", "USD", [BalanceEvent(T0, -1)])
        with pytest.raises(NegativeBalanceError) as caught:
            list(usd_program().run([bad], D0, D0 + DAY))
        assert "account 'frank'" in str(caught.value.__notes__)

    def test_a_day_without_a_rate_is_blamed_on_the_tokens_rules(self) -> None:
        """A rate schedule that starts after the run raises with a note naming the token."""
        late = RewardCalculator(USD, AprSchedule({D0 + DAY: "0.01"}))
        stream = Program([late]).run([Holding("a", "USD")], D0, D0 + DAY)
        with pytest.raises(MissingRateError, match="no rate for 2025-01-01") as caught:
            next(stream)
        assert "in the rules of 'USD'" in str(caught.value.__notes__)

    def test_rules_keyed_under_another_symbol_are_refused(self) -> None:
        """A mapping whose key is not the calculator's token symbol raises."""
        with pytest.raises(InvalidInputError, match="key 'USDT' holds the calculator of 'USD'"):
            Program({"USDT": RewardCalculator(USD, RATE)})

    def test_two_calculators_for_one_token_are_refused(self) -> None:
        """Two calculators for the same token raise, naming it."""
        calc = RewardCalculator(USD, RATE)
        with pytest.raises(InvalidInputError, match="two calculators for 'USD'"):
            Program([calc, calc])


class TestSortedAccounts:
    HOLDINGS = (
        Holding("a", "USD", opening=1),
        Holding("b", "USD", opening=2),
        Holding("c", "USD", opening=3),
    )

    def test_sorted_runs_give_the_same_records(self) -> None:
        """With sorted_accounts a sorted input gives exactly the default run's records."""
        program = usd_program()
        default = list(program.run(self.HOLDINGS, D0, D0 + DAY))
        assert list(program.run(self.HOLDINGS, D0, D0 + DAY, sorted_accounts=True)) == default

    def test_a_duplicate_is_still_refused(self) -> None:
        """A repeated account and token right after itself raises, naming both."""
        holdings = [*self.HOLDINGS, Holding("c", "USD")]
        with pytest.raises(DuplicateHoldingError, match="account 'c' holds 'USD' twice"):
            list(usd_program().run(holdings, D0, D0 + DAY, sorted_accounts=True))

    def test_an_account_out_of_order_is_refused(self) -> None:
        """An account id lower than the one before raises, since it could be a duplicate."""
        holdings = [*self.HOLDINGS, Holding("a", "USD")]
        with pytest.raises(DuplicateHoldingError, match="account 'a' comes after 'c'"):
            list(usd_program().run(holdings, D0, D0 + DAY, sorted_accounts=True))


class TestHoldingInput:
    def test_an_account_id_must_be_a_string(self) -> None:
        """A non-string account id raises InvalidTypeError naming the field."""
        with pytest.raises(InvalidTypeError, match=r"Holding\.account must be a str"):
            Holding(7, "USD")  # type: ignore[arg-type]

    def test_a_timeline_in_place_of_events_points_to_from_timeline(self) -> None:
        """Passing a timeline as events raises and names Holding.from_timeline."""
        with pytest.raises(InvalidTypeError, match="from_timeline"):
            Holding("a", "USD", BalanceTimeline.from_events([]))  # type: ignore[arg-type]

    def test_a_naive_activation_time_is_refused(self) -> None:
        """activated_at must be timezone-aware."""
        with pytest.raises(NaiveDatetimeError, match="activated_at"):
            Holding("a", "USD", activated_at=datetime(2025, 1, 1))

    def test_a_float_opening_is_refused(self) -> None:
        """A float opening balance gets the library's helpful TypeError."""
        with pytest.raises(InvalidTypeError, match="opening must be exact"):
            Holding("a", "USD", opening=1.5)  # type: ignore[arg-type]

    def test_a_program_needs_calculators(self) -> None:
        """A program of no tokens, or of something other than calculators, is refused."""
        with pytest.raises(InvalidInputError, match="at least one token"):
            Program([])
        with pytest.raises(InvalidTypeError, match="RewardCalculator"):
            Program(["USD"])  # type: ignore[list-item]


class TestSubAccounts:
    def test_a_negative_margin_account_counts_as_zero(self) -> None:
        """Margin at −20 adds nothing and takes nothing from the spot account's 100."""
        margin = SubAccount("margin", [BalanceEvent(T0 + 12 * HOUR, -70)], opening=50, net=True)
        h = Holding("u", "USD", opening=100, subaccounts=[margin])
        assert measured(usd_program(), h, D0) == Fraction(150 * 12 + 100 * 12, 24)

    def test_an_overdrawn_spot_account_is_refused_even_if_funding_covers_it(self) -> None:
        """Each sub-account must stay at or above zero on its own; the error names it."""
        funding = SubAccount("funding", opening=100)
        spot = SubAccount("spot", [BalanceEvent(T0, -5)])
        h = Holding("u", "USD", subaccounts=[funding, spot])
        with pytest.raises(NegativeBalanceError) as caught:
            usd_program().earning_timeline(h)
        assert "sub-account 'spot'" in str(caught.value.__notes__)

    def test_only_a_net_account_may_open_negative(self) -> None:
        """A sub-account that is not net may not open below zero."""
        with pytest.raises(InvalidInputError, match="only a net account"):
            SubAccount("spot", opening=-1)

    @given(st.data())
    def test_the_earning_balance_is_the_sum_of_the_parts_at_zero_or_more(
        self, data: st.DataObject
    ) -> None:
        """At every instant the merged balance is the sum of each part, a net one at >= 0."""
        spot = data.draw(timelines(USD, days=3))
        funding = data.draw(timelines(USD, days=3))
        m_opening, m_events = data.draw(net_accounts(USD, days=3))
        h = Holding.from_timeline(
            "u",
            "USD",
            spot,
            subaccounts=[
                SubAccount("funding", funding.events, opening=funding.opening),
                SubAccount("margin", m_events, opening=m_opening, net=True),
            ],
        )
        merged = usd_program().earning_timeline(h)
        every = [*spot.events, *funding.events, *m_events]
        for us in sorted({to_us(e.at) + d for e in every for d in (-1, 0)} | {0}):

            def value(opening: Decimal, events: list[BalanceEvent], at_us: int = us) -> Fraction:
                return Fraction(opening) + sum(
                    (Fraction(e.delta) for e in events if to_us(e.at) <= at_us), Fraction(0)
                )

            expected = (
                value(spot.opening, list(spot.events))
                + value(funding.opening, list(funding.events))
                + max(value(m_opening, m_events), Fraction(0))
            )
            at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)
            assert merged.balance_at(at) == expected


class TestProgramEligibility:
    FREEZE = (
        BalanceEvent(T0 + 6 * HOUR, -40, kind="order_freeze"),
        BalanceEvent(T0 + 18 * HOUR, 40, kind="order_release"),
    )

    def test_frozen_funds_earn_only_if_the_program_says_so(self) -> None:
        """The program's frozen_earns decides whether an open order's funds count."""
        h = Holding("u", "USD", self.FREEZE, opening=100)
        assert measured(usd_program(frozen_earns=True), h, D0) == 100
        assert measured(usd_program(frozen_earns=False), h, D0) == Fraction(100 * 12 + 60 * 12, 24)

    def test_next_day_deposits_wait_a_day(self) -> None:
        """Under T+1 a deposit at 15:00 counts from the next day."""
        h = Holding("u", "USD", [BalanceEvent(T0 + 15 * HOUR, 24)], opening=24)
        program = usd_program(deposits=EarningStart.NEXT_DAY)
        assert measured(program, h, D0) == 24
        assert measured(program, h, D0 + DAY) == 48

    def test_activation_the_next_day_starts_earning_at_the_next_midnight(self) -> None:
        """Enabled at 15:00, an account earns nothing that day and all of the next."""
        h = Holding("u", "USD", opening=24, activated_at=T0 + 15 * HOUR)
        program = usd_program(activation=EarningStart.NEXT_DAY)
        assert measured(program, h, D0) == 0
        assert measured(program, h, D0 + DAY) == 24
        assert measured(usd_program(), h, D0) == Fraction(24 * 9, 24)

    def test_t1_deposits_and_next_day_activation_combine(self) -> None:
        """Activation hides the days before it; after it, deposits still wait a day."""
        events = [BalanceEvent(T0 + DAY + 3 * HOUR, 10)]
        h = Holding("u", "USD", events, opening=24, activated_at=T0 + 15 * HOUR)
        program = usd_program(deposits=EarningStart.NEXT_DAY, activation=EarningStart.NEXT_DAY)
        days = program.rewards(h, D0, D0 + 3 * DAY)
        assert [r.balance for r in days] == [0, 24, 34]


class TestChainedRuns:
    # An order of 40 opened at 18:00 on day 1 and released at 12:00 on day 2.
    DAY1 = (
        BalanceEvent(T0 + 6 * HOUR, 23, kind="deposit"),
        BalanceEvent(T0 + 18 * HOUR, -40, kind="order_freeze"),
    )
    DAY2 = (
        BalanceEvent(T0 + DAY + 12 * HOUR, 40, kind="order_release"),
        BalanceEvent(T0 + DAY + 18 * HOUR, -30, kind="withdrawal"),
    )

    @pytest.mark.parametrize("frozen_earns", [False, True])
    def test_two_chained_one_day_runs_equal_one_two_day_run(self, frozen_earns: bool) -> None:
        """Day 2 opens with day 1's available, frozen and carry; the records match one run."""
        program = usd_program(frozen_earns=frozen_earns)
        whole = program.rewards(
            Holding("u", "USD", self.DAY1 + self.DAY2, opening=101), D0, D0 + 2 * DAY
        )
        (first,) = program.rewards(Holding("u", "USD", self.DAY1, opening=101), D0, D0 + DAY)
        second_holding = Holding(
            "u", "USD", self.DAY2, opening=101 + 23 - 40, frozen=40, carry=first.carry
        )
        (second,) = program.rewards(second_holding, D0 + DAY, D0 + 2 * DAY)
        assert [first, second] == whole
        # The balances from the definition: frozen funds in or out.
        pocket = 40 if frozen_earns else 0
        assert first.balance == Fraction(101 * 6 + 124 * 12 + (84 + pocket) * 6, 24)
        assert second.balance == Fraction((84 + pocket) * 12 + 124 * 6 + 94 * 6, 24)

    def test_compounding_daily_runs_chain_with_every_earlier_record_credited(self) -> None:
        """Compounding, three one-day runs given carry and all earlier records equal one run."""
        calc = RewardCalculator(USD, RATE, TimeWeighted(), compound=True)
        program = Program([calc])
        whole = program.rewards(Holding("u", "USD", opening=36500), D0, D0 + 3 * DAY)
        chained: list[DailyReward] = []
        for n in range(3):
            carry = chained[-1].carry if chained else Decimal(0)
            h = Holding("u", "USD", opening=36500, carry=carry, credited=chained)
            chained += program.rewards(h, D0 + n * DAY, D0 + (n + 1) * DAY)
        assert chained == whole
        # From the definition: 3.65 paid at each midnight grows the next day's balance.
        assert [r.balance for r in whole] == [36500, Decimal("36503.65"), Decimal("36507.30")]

    def test_a_redemption_waiting_across_midnight_settles_the_next_day(self) -> None:
        """waiting=40 at the opening lets the settlement through; the available balance earns."""
        settle = BalanceEvent(T0 + 3 * HOUR, -40, kind="redemption_settle")
        h = Holding("u", "USD", [settle], opening=60, waiting=40)
        assert measured(usd_program(), h, D0) == 60

    def test_frozen_funds_at_a_sub_accounts_opening_earn_if_frozen_funds_do(self) -> None:
        """A sub-account with frozen=30 and no events earns 30 more under frozen_earns."""
        part = SubAccount("spot", opening=10, frozen=30)
        h = Holding("u", "USD", subaccounts=[part])
        assert measured(usd_program(frozen_earns=True), h, D0) == 40
        assert measured(usd_program(frozen_earns=False), h, D0) == 10

    def test_amounts_beyond_the_librarys_digits_are_invalid_input_on_every_path(self) -> None:
        """A 36-decimal token, opening 1E+70 and a 1E-36 deposit: InvalidInputError each way."""
        token = Token("USD", 36)
        program = Program([RewardCalculator(token, RATE, TimeWeighted())])
        deposit = BalanceEvent(T0 + HOUR, Decimal("1E-36"), kind="deposit")
        for extra in (
            {},
            {"subaccounts": [SubAccount("funding")]},
            {"activated_at": T0 - DAY},
            {"frozen": Decimal("1E-36")},
        ):
            h = Holding("a", "USD", [deposit], opening=Decimal("1E+70"), **extra)
            with pytest.raises(InvalidInputError, match="significant digits"):
                program.rewards(h, D0, D0 + DAY)


class TestKindRoles:
    LOCK = (
        BalanceEvent(T0 + 6 * HOUR, -40, kind="staking_lock"),
        BalanceEvent(T0 + 18 * HOUR, 40, kind="staking_unlock"),
    )

    def test_a_kind_marked_as_not_earning_stops_earning_even_if_frozen_funds_earn(
        self,
    ) -> None:
        """A lock mapped to redemption_request leaves what earns, whatever frozen_earns says."""
        roles = {"staking_lock": "redemption_request", "staking_unlock": "redemption_cancel"}
        h = Holding("u", "USD", self.LOCK, opening=100)
        expected = Fraction(100 * 6 + 60 * 12 + 100 * 6, 24)
        assert measured(usd_program(frozen_earns=True, kind_roles=roles), h, D0) == expected

    def test_a_kind_mapped_to_an_order_follows_frozen_earns(self) -> None:
        """A lock mapped to order_freeze earns only when frozen funds do."""
        roles = {"staking_lock": "order_freeze", "staking_unlock": "order_release"}
        h = Holding("u", "USD", self.LOCK, opening=100)
        assert measured(usd_program(frozen_earns=True, kind_roles=roles), h, D0) == 100
        assert measured(usd_program(frozen_earns=False, kind_roles=roles), h, D0) == Fraction(
            100 * 6 + 60 * 12 + 100 * 6, 24
        )

    def test_a_mapped_kind_with_the_wrong_sign_is_refused_by_name(self) -> None:
        """A positive staking_lock acting as order_freeze is refused, naming both kinds."""
        roles = {"staking_lock": "order_freeze"}
        h = Holding("u", "USD", [BalanceEvent(T0, 5, kind="staking_lock")], opening=100)
        with pytest.raises(InvalidInputError, match=r"staking_lock \(order_freeze\)"):
            usd_program(kind_roles=roles).rewards(h, D0, D0 + DAY)

    @pytest.mark.parametrize(
        "roles",
        [{"staking_lock": "freeze"}, {"order_freeze": "order_release"}],
    )
    def test_a_role_that_is_not_a_pocket_kind_or_a_remapped_pocket_kind_is_refused(
        self, roles: dict[str, str]
    ) -> None:
        """Roles must be pocket kinds, and the pocket kinds themselves cannot be remapped."""
        with pytest.raises(InvalidInputError, match="kind_roles"):
            usd_program(kind_roles=roles)
