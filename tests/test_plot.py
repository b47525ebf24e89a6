"""softstaking.plot: the figures hold the records' numbers, refuse wrong inputs, save."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.dates import ConciseDateFormatter
from matplotlib.figure import Figure

from softstaking import (
    AccountReward,
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    DailyReward,
    DailySnapshot,
    DayCalendar,
    Holding,
    InvalidInputError,
    InvalidTypeError,
    MinimumBalance,
    Program,
    RewardCalculator,
    TimeWeighted,
    Token,
)
from softstaking.plot import account, daily_totals, policies
from softstaking.samples import seed_calculator, seed_rewards, seed_timeline

PNG = b"\x89PNG\r\n\x1a\n"
USDT = Token("USDT", 6)
LONDON = ZoneInfo("Europe/London")
START, END = date(2024, 3, 1), date(2024, 3, 8)


def _timeline() -> BalanceTimeline:
    return BalanceTimeline.from_events(
        [
            BalanceEvent(datetime(2024, 3, 1, 9, tzinfo=LONDON), "10000", kind="deposit"),
            BalanceEvent(datetime(2024, 3, 3, 18, tzinfo=LONDON), "5000", kind="deposit"),
            BalanceEvent(datetime(2024, 3, 6, 6, tzinfo=LONDON), "-12000", kind="withdrawal"),
        ]
    )


def _calculator(policy: Any = None) -> RewardCalculator:
    return RewardCalculator(USDT, AprSchedule.constant("0.10"), policy or TimeWeighted(), tz=LONDON)


def _records() -> list[DailyReward]:
    return _calculator().daily_rewards(_timeline(), START, END)


def _floats(values: Any) -> list[float]:
    return [float(v) for v in values]


def _xs(line: Any) -> list[Any]:
    """A line's x data (matplotlib's stubs type it loosely)."""
    return list(line.get_xdata())


def _ys(line: Any) -> list[float]:
    """A line's y data, as floats."""
    return _floats(line.get_ydata())


def _midnights(first: date, n: int) -> list[datetime]:
    return [datetime.combine(first + timedelta(days=i), time(0)) for i in range(n)]


def _program() -> tuple[Program, list[Holding]]:
    program = Program(
        [
            _calculator(),
            RewardCalculator(Token("ETH", 18), AprSchedule.constant("0.03"), DailySnapshot()),
        ]
    )
    holdings = [
        Holding("alice", "USDT", _timeline().events),
        Holding("bob", "USDT", opening=12000),
        Holding("bob", "ETH", opening="7.5"),
        Holding("carol", "ETH", opening="0.25"),
    ]
    return program, holdings


class TestImport:
    def test_importing_the_package_and_the_module_does_not_load_matplotlib(self) -> None:
        """Matplotlib is loaded by the first function called, not by any import."""
        code = (
            "import sys\n"
            "import softstaking, softstaking.plot\n"
            "assert 'matplotlib' not in sys.modules, 'loaded on import'\n"
            "from softstaking.samples import seed_rewards, seed_timeline\n"
            "softstaking.plot.account(seed_timeline(), seed_rewards())\n"
            "assert 'matplotlib' in sys.modules\n"
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot loaded'\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
        )
        assert done.returncode == 0, done.stderr


class TestAccount:
    def test_the_panels_hold_the_balance_the_measured_balance_and_the_paid_so_far(self) -> None:
        records = _records()
        timeline = _timeline()
        fig = account(timeline, records, token=USDT, title="alice", calendar=LONDON)

        assert isinstance(fig, Figure)
        top, bottom = fig.axes
        assert fig.get_suptitle() == "alice"
        assert top.get_ylabel() == "Balance (USDT)"
        assert bottom.get_ylabel() == "Paid so far (USDT)"
        balance, measured = top.get_lines()
        (paid,) = bottom.get_lines()
        legend = top.get_legend()
        assert legend is not None
        assert [t.get_text() for t in legend.get_texts()] == ["balance", "measured each day"]

        # The balance: from the first day's start, each event, to the last day's end.
        first = datetime(2024, 3, 1, tzinfo=LONDON)
        last = datetime(2024, 3, 8, tzinfo=LONDON)
        moments = [first, *(e.at for e in timeline.events), last]
        assert _xs(balance) == [t.astimezone(LONDON).replace(tzinfo=None) for t in moments]
        assert _ys(balance) == [float(timeline.balance_at(t)) for t in moments]
        assert balance.get_drawstyle() == "steps-post"

        # The measured balance: one level per day, the last repeated to close the day.
        assert len(_ys(measured)) == len(records) + 1
        assert _ys(measured)[:-1] == [float(r.balance) for r in records]
        assert _xs(measured) == _midnights(START, len(records) + 1)

        # Paid so far: 0 at the first day's start, the running sum at each day's end.
        assert _ys(paid) == [
            0.0,
            *(float(s) for s in accumulate(r.paid for r in records)),
        ]

    def test_days_follow_the_calendar(self) -> None:
        """The seed's days run in UTC+8: the day edges are its midnights, on its clock."""
        fig = account(seed_timeline(), seed_rewards(), calendar=seed_calculator().calendar)
        top, _ = fig.axes
        _, measured = top.get_lines()
        assert _xs(measured) == _midnights(date(2019, 7, 15), 9)
        assert top.get_ylabel() == "Balance"

    def test_a_day_offset_moves_the_edges(self) -> None:
        calendar = DayCalendar(timezone(timedelta(hours=8)), day_offset=timedelta(hours=-2))
        fig = account(seed_timeline(), seed_rewards(), calendar=calendar)
        _, measured = fig.axes[0].get_lines()
        assert _xs(measured)[0] == datetime(2019, 7, 14, 22)

    def test_axes_are_readable(self) -> None:
        """Dates are formatted as dates, amounts with thousands separators."""
        fig = account(_timeline(), _records(), token="USDT")
        fig.canvas.draw()
        top, bottom = fig.axes
        assert isinstance(bottom.xaxis.get_major_formatter(), ConciseDateFormatter)
        labels = [t.get_text() for t in top.get_yticklabels()]
        assert "10,000" in labels
        assert all("." not in label for label in labels)
        dates = [t.get_text() for t in bottom.get_xticklabels()]
        assert "Mar" in dates

    def test_records_come_in_any_order(self) -> None:
        records = _records()
        shuffled = account(_timeline(), list(reversed(records)))
        in_order = account(_timeline(), records)
        assert _ys(shuffled.axes[1].get_lines()[0]) == _ys(in_order.axes[1].get_lines()[0])

    @pytest.mark.parametrize(
        "records", [[1, 2, 3], "records", 42, {"a": 1}], ids=["ints", "str", "int", "dict"]
    )
    def test_records_that_are_not_daily_rewards_are_refused(self, records: Any) -> None:
        with pytest.raises(InvalidTypeError, match="records must"):
            account(_timeline(), records)

    def test_a_data_frame_is_refused(self) -> None:
        frame = pd.DataFrame({"day": [r.day for r in _records()]})
        with pytest.raises(InvalidTypeError, match="not a DataFrame"):
            account(_timeline(), frame)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"token": 6}, "token must"),
            ({"title": 1}, "title must"),
            ({"calendar": "Europe/London"}, "calendar must"),
        ],
    )
    def test_wrong_options_are_refused(self, kwargs: dict[str, Any], match: str) -> None:
        with pytest.raises(InvalidTypeError, match=match):
            account(_timeline(), _records(), **kwargs)

    def test_a_timeline_that_is_not_one_is_refused(self) -> None:
        with pytest.raises(InvalidTypeError, match="timeline must be a BalanceTimeline"):
            account([1, 2], _records())  # type: ignore[arg-type]

    def test_no_records_or_a_day_twice_is_refused(self) -> None:
        with pytest.raises(InvalidInputError, match="nothing to draw"):
            account(_timeline(), [])
        records = _records()
        with pytest.raises(InvalidInputError, match="two records for 2024-03-01"):
            account(_timeline(), [*records, records[0]])


class TestDailyTotals:
    def test_one_panel_per_token_with_the_exact_totals(self) -> None:
        program, holdings = _program()
        rewards = list(program.run(holdings, START, END))
        fig = daily_totals(rewards, title="Program")

        assert fig.get_suptitle() == "Program"
        assert [ax.get_ylabel() for ax in fig.axes] == [
            "Paid per day (ETH)",
            "Paid per day (USDT)",
        ]
        for ax, symbol in zip(fig.axes, ["ETH", "USDT"], strict=True):
            (line,) = ax.get_lines()
            assert line.get_label() == symbol
            expected = [
                sum(
                    (r.reward.paid for r in rewards if r.token == symbol and r.reward.day == d),
                    Decimal(0),
                )
                for d in (START + timedelta(days=i) for i in range(7))
            ]
            assert len(_ys(line)) == 8
            assert _ys(line)[:-1] == [float(v) for v in expected]
            assert _xs(line) == _midnights(START, 8)

    def test_a_day_nobody_was_paid_is_zero(self) -> None:
        records = [r for r in _records() if r.day != date(2024, 3, 4)]
        fig = daily_totals(AccountReward("alice", "USDT", r) for r in records)
        (line,) = fig.axes[0].get_lines()
        assert len(_ys(line)) == 8
        assert _ys(line)[3] == 0.0

    @pytest.mark.parametrize("records", [[1, 2, 3], _records()], ids=["ints", "DailyReward"])
    def test_records_that_are_not_account_rewards_are_refused(self, records: Any) -> None:
        with pytest.raises(InvalidTypeError, match="must hold AccountReward items"):
            daily_totals(records)

    def test_a_data_frame_or_nothing_is_refused(self) -> None:
        with pytest.raises(InvalidTypeError, match="not a DataFrame"):
            daily_totals(pd.DataFrame({"paid": [1, 2]}))  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="nothing to draw"):
            daily_totals([])

    @settings(max_examples=15)
    @given(
        openings=st.lists(
            st.tuples(
                st.sampled_from(["USDT", "ETH"]),
                st.decimals(min_value=0, max_value=10**9, places=6),
            ),
            min_size=1,
            max_size=6,
        ),
        days=st.integers(min_value=1, max_value=10),
    )
    def test_the_lines_are_the_exact_sums_per_token_and_day(
        self, openings: list[tuple[str, Decimal]], days: int
    ) -> None:
        program, _ = _program()
        holdings = [Holding(f"a{i}", token, opening=o) for i, (token, o) in enumerate(openings)]
        rewards = list(program.run(holdings, START, START + timedelta(days=days)))
        exact: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for r in rewards:
            exact[r.token][r.reward.day] += r.reward.paid

        fig = daily_totals(rewards)
        assert [line.get_label() for ax in fig.axes for line in ax.get_lines()] == sorted(exact)
        for ax in fig.axes:
            (line,) = ax.get_lines()
            sums = exact[str(line.get_label())]
            assert len(_ys(line)) == days + 1
            assert _ys(line)[:-1] == [float(sums[d]) for d in sorted(sums)]


class TestPolicies:
    def test_one_line_per_policy_in_each_panel(self) -> None:
        rewards = {
            name: _calculator(policy).daily_rewards(_timeline(), START, END)
            for name, policy in [
                ("snapshot", DailySnapshot()),
                ("time-weighted", TimeWeighted()),
                ("minimum", MinimumBalance()),
            ]
        }
        fig = policies(rewards, token=USDT)
        daily, total = fig.axes
        assert daily.get_ylabel() == "Paid each day (USDT)"
        assert total.get_ylabel() == "Paid so far (USDT)"
        assert [line.get_label() for line in daily.get_lines()] == list(rewards)
        for line, records in zip(daily.get_lines(), rewards.values(), strict=True):
            assert _ys(line)[:-1] == [float(r.paid) for r in records]
        for line, records in zip(total.get_lines(), rewards.values(), strict=True):
            assert _ys(line)[-1] == float(sum(r.paid for r in records))

    def test_wrong_inputs_are_refused(self) -> None:
        with pytest.raises(InvalidTypeError, match="rewards must be a mapping"):
            policies([_records()])  # type: ignore[arg-type]
        with pytest.raises(InvalidTypeError, match=r"rewards\['a'\] must hold DailyReward"):
            policies({"a": [1, 2]})  # type: ignore[list-item]
        with pytest.raises(InvalidTypeError, match="keys must be names"):
            policies({1: _records()})  # type: ignore[dict-item]
        with pytest.raises(InvalidInputError, match="nothing to draw"):
            policies({})


class TestFiles:
    def test_each_figure_saves_as_png_and_svg(self, tmp_path: Path) -> None:
        program, holdings = _program()
        figures = {
            "account": account(_timeline(), _records(), token=USDT, calendar=LONDON),
            "totals": daily_totals(program.run(holdings, START, END)),
            "policies": policies({"time-weighted": _records()}, token="USDT"),
        }
        for name, fig in figures.items():
            fig.savefig(tmp_path / f"{name}.png")
            assert (tmp_path / f"{name}.png").read_bytes().startswith(PNG)
            fig.savefig(tmp_path / f"{name}.svg")
            assert b"<svg" in (tmp_path / f"{name}.svg").read_bytes()[:1000]

    def test_no_figure_is_left_in_pyplot(self) -> None:
        """The figures are not pyplot's: drawing many keeps no global list of them."""
        for _ in range(3):
            account(_timeline(), _records())
        assert "matplotlib.pyplot" not in sys.modules or not _pyplot_figures()


def _pyplot_figures() -> list[int]:
    import matplotlib.pyplot as plt  # noqa: PLC0415

    return list(plt.get_fignums())
