"""Program files: every key lands in its field, every mistake names its key, files round-trip."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, time, timedelta, timezone, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given

from softstaking import (
    AprSchedule,
    DailyPayouts,
    DailySnapshot,
    DayCount,
    Dust,
    EarningStart,
    InvalidInputError,
    MinimumBalance,
    MonthlyPayouts,
    Program,
    RewardCalculator,
    SnapshotAverage,
    TieredApr,
    TimeWeighted,
    Token,
    WeeklyPayouts,
    WindowPayouts,
)
from softstaking.core.policies import AccrualPolicy
from softstaking.io import ProgramFileError, read_program, read_schedule
from softstaking.io.program_file import program_presets
from softstaking.io.values import parse_duration, parse_offset, parse_wall_time, parse_zone
from softstaking.presets import (
    UTC8,
    gate_soft_staking,
    kucoin_hold_to_earn,
    kucoin_soft_staking_2019,
)
from softstaking.samples import kucoin_2019_path, sample_path

from .strategies import file_programs
from .toml_text import dumps

BASE = '[tokens.IOTX]\ndecimals = 18\nrate = "0.05"\n'


def write(tmp_path: Path, text: str, name: str = "program.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def read_text(tmp_path: Path, text: str) -> Program:
    return read_program(write(tmp_path, text))


def iotx(program: Program) -> RewardCalculator:
    return program.calculator("IOTX")


# -- the value parsers ---------------------------------------------------------------------


class TestValues:
    @pytest.mark.parametrize(
        ("text", "zone"),
        [
            ("UTC", UTC),
            ("Z", UTC),
            ("+08:00", timezone(timedelta(hours=8))),
            ("UTC+08:00", timezone(timedelta(hours=8))),
            ("-05:30", timezone(-timedelta(hours=5, minutes=30))),
            ("Asia/Shanghai", ZoneInfo("Asia/Shanghai")),
        ],
    )
    def test_zones(self, text: str, zone: tzinfo) -> None:
        assert parse_zone(text) == zone

    @pytest.mark.parametrize(
        "text", ["Mars/Olympus", "+8", "+08:60", "utc", "", "../etc/passwd", "+24:00", "UTC8"]
    )
    def test_bad_zones_name_the_value(self, text: str) -> None:
        with pytest.raises(InvalidInputError, match=repr(text).replace("+", r"\+")):
            parse_zone(text)

    @pytest.mark.parametrize(
        ("text", "offset"),
        [
            ("0", timedelta(0)),
            ("+00:00", timedelta(0)),
            ("-02:00", -timedelta(hours=2)),
            ("+23:59", timedelta(hours=23, minutes=59)),
        ],
    )
    def test_offsets(self, text: str, offset: timedelta) -> None:
        assert parse_offset(text) == offset

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("+08:60", "below 60"),
            ("+-05:00", "not an offset"),
            ("--05:00", "not an offset"),
            ("08:00", "not an offset"),
            ("+8:00", "not an offset"),
            ("+24:00", "within"),
            ("+08:00:00", "not an offset"),
            ("+٠٨:٠٠", "not an offset"),  # Arabic-Indic digits int() would accept
        ],
    )
    def test_bad_offsets(self, text: str, reason: str) -> None:
        with pytest.raises(InvalidInputError, match=reason) as caught:
            parse_offset(text)
        assert repr(text) in str(caught.value)

    @pytest.mark.parametrize(
        ("text", "length"),
        [
            ("0", timedelta(0)),
            ("1d", timedelta(days=1)),
            ("36h", timedelta(hours=36)),
            ("90m", timedelta(minutes=90)),
            ("45s", timedelta(seconds=45)),
            ("01:30", timedelta(hours=1, minutes=30)),
            ("48:00:30", timedelta(hours=48, seconds=30)),
        ],
    )
    def test_durations(self, text: str, length: timedelta) -> None:
        assert parse_duration(text) == length

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("-1d", "negative"),
            ("-01:00", "negative"),
            ("1_0h", "not a duration"),
            ("1.5h", "not a duration"),
            ("1w", "not a duration"),
            ("01:60", "below 60"),
            ("9999999999d", "too long"),
            ("", "not a duration"),
        ],
    )
    def test_bad_durations(self, text: str, reason: str) -> None:
        with pytest.raises(InvalidInputError, match=reason) as caught:
            parse_duration(text)
        assert repr(text) in str(caught.value)

    @pytest.mark.parametrize(
        ("text", "at"),
        [
            ("23:59:59", time(23, 59, 59)),
            ("09:30", time(9, 30)),
            ("00:00:00.000001", time(0, 0, 0, 1)),
        ],
    )
    def test_wall_times(self, text: str, at: time) -> None:
        assert parse_wall_time(text) == at

    @pytest.mark.parametrize("text", ["24:00", "9:30", "23:59:60", "12:00+08:00", "noon", "T12"])
    def test_bad_wall_times(self, text: str) -> None:
        with pytest.raises(InvalidInputError) as caught:
            parse_wall_time(text)
        assert repr(text) in str(caught.value)

    def test_a_non_string_is_a_type_error(self) -> None:
        with pytest.raises(TypeError, match="string"):
            parse_zone(8)  # type: ignore[arg-type]


# -- every key into its field -------------------------------------------------------------


TOKEN_CASES: list[tuple[str, str, object]] = [
    ("decimals = 6", "token", Token("IOTX", 6)),
    ('policy = "average"', "policy", TimeWeighted()),
    ('policy = "minimum"', "policy", MinimumBalance()),
    ('policy = "snapshot"', "policy", DailySnapshot()),
    ('at = "23:59:59"', "policy", DailySnapshot(time(23, 59, 59))),
    ("at = 23:59:59", "policy", DailySnapshot(time(23, 59, 59))),
    (
        'policy = "snapshots"\nat = ["09:00", "21:00"]',
        "policy",
        SnapshotAverage([time(9), time(21)]),
    ),
    ('policy = "snapshots"\nat = "12:00"', "policy", SnapshotAverage([time(12)])),
    ('tz = "+08:00"', "tz", UTC8),
    ('tz = "Asia/Shanghai"', "tz", ZoneInfo("Asia/Shanghai")),
    ('tz = "UTC"', "tz", UTC),
    ('day_offset = "-02:00"', "day_offset", -timedelta(hours=2)),
    ('day_count = "ACT/365F"', "day_count", DayCount.ACT_365_FIXED),
    ('day_count = "ACT/360"', "day_count", DayCount.ACT_360),
    ('day_count = "ACT/ACT"', "day_count", DayCount.ACT_ACT),
    ('min_holding = "0.5"', "min_holding", Decimal("0.5")),
    ("min_holding = 100", "min_holding", Decimal(100)),
    ('cap = "15000000"', "cap", Decimal(15000000)),
    ('min_payout = "0.000001"', "min_payout", Decimal("0.000001")),
    ('dust = "carry"', "dust", Dust.CARRY),
    ('dust = "forfeit"', "dust", Dust.FORFEIT),
    ('payout_delay = "1d"', "payout_delay", timedelta(days=1)),
    ('payout_delay = "36h"', "payout_delay", timedelta(hours=36)),
    ('payout_delay = "90m"', "payout_delay", timedelta(minutes=90)),
    ('payout_delay = "01:30"', "payout_delay", timedelta(minutes=90)),
    ("compound = true", "compound", True),
    ('payout = { schedule = "daily" }', "payout_schedule", DailyPayouts(tz=UTC)),
    (
        'tz = "+08:00"\npayout = { schedule = "daily", at = "18:00" }',
        "payout_schedule",
        DailyPayouts(time(18), tz=UTC8),
    ),
    (
        'payout = { schedule = "weekly", weekdays = ["MO", "TH"], at = "09:00" }',
        "payout_schedule",
        WeeklyPayouts([0, 3], at=time(9), tz=UTC),
    ),
    (
        'payout = { schedule = "monthly", day = 31, tz = "America/New_York" }',
        "payout_schedule",
        MonthlyPayouts(31, tz=ZoneInfo("America/New_York")),
    ),
    (
        'payout = { schedule = "window", opens = "00:00", closes = "08:00" }',
        "payout_schedule",
        WindowPayouts(time(0), time(8), tz=UTC),
    ),
]


class TestKeys:
    @pytest.mark.parametrize(("line", "field", "expected"), TOKEN_CASES)
    def test_token_key_sets_its_field(
        self, tmp_path: Path, line: str, field: str, expected: object
    ) -> None:
        text = f'[tokens.IOTX]\ndecimals = 18\nrate = "0.05"\n{line}\n'
        if line.startswith("decimals"):
            text = f'[tokens.IOTX]\nrate = "0.05"\n{line}\n'
        assert getattr(iotx(read_text(tmp_path, text)), field) == expected

    @pytest.mark.parametrize(("line", "field", "expected"), TOKEN_CASES)
    def test_the_same_key_in_defaults(
        self, tmp_path: Path, line: str, field: str, expected: object
    ) -> None:
        text = f'[defaults]\n{line}\n\n[tokens.IOTX]\nrate = "0.05"\n'
        if not line.startswith("decimals"):
            text += "decimals = 18\n"
        assert getattr(iotx(read_text(tmp_path, text)), field) == expected

    def test_defaults_leave_everything_else_at_the_calculators_defaults(
        self, tmp_path: Path
    ) -> None:
        calc = iotx(read_text(tmp_path, BASE))
        assert calc == RewardCalculator(Token("IOTX", 18), AprSchedule.constant("0.05"))

    def test_a_token_overrides_defaults(self, tmp_path: Path) -> None:
        text = (
            '[defaults]\ndecimals = 8\ncap = "100"\ntz = "+08:00"\nrate = "0.01"\n\n'
            '[tokens.IOTX]\ndecimals = 18\ncap = "5"\nrate = "0.05"\n\n[tokens.ELA]\n'
        )
        program = read_text(tmp_path, text)
        assert (iotx(program).token, iotx(program).cap) == (Token("IOTX", 18), Decimal(5))
        ela = program.calculator("ELA")
        assert (ela.token, ela.cap, ela.tz) == (Token("ELA", 8), Decimal(100), UTC8)
        assert ela.schedule == AprSchedule.constant("0.01")
        assert iotx(program).schedule == AprSchedule.constant("0.05")

    def test_a_tokens_rates_file_replaces_the_defaults_rate(self, tmp_path: Path) -> None:
        (tmp_path / "r.csv").write_text("effective_date,apr\n2024-01-01,0.07\n", encoding="utf-8")
        text = '[defaults]\nrate = "0.01"\n\n[tokens.IOTX]\ndecimals = 18\nrates = "r.csv"\n'
        assert iotx(read_text(tmp_path, text)).schedule == AprSchedule({date(2024, 1, 1): "0.07"})

    def test_defaults_at_is_ignored_by_a_whole_day_policy(self, tmp_path: Path) -> None:
        text = '[defaults]\nat = "23:59:59"\n\n' + BASE + 'policy = "average"\n'
        assert iotx(read_text(tmp_path, text)).policy == TimeWeighted()

    @pytest.mark.parametrize(
        ("line", "schedule"),
        [
            ('rate = "0.05"', AprSchedule.constant("0.05")),
            ("rate = 0", AprSchedule.constant(0)),
            (
                'rate = { 2019-07-15 = "0.068", "2019-07-17" = "0.07" }',
                AprSchedule({date(2019, 7, 15): "0.068", date(2019, 7, 17): "0.07"}),
            ),
            (
                'rate = [{ up_to = "1000", apr = "0.05" }, { apr = "0.02" }]',
                AprSchedule.constant(TieredApr([(1000, "0.05"), (None, "0.02")])),
            ),
            (
                'rate = { 2024-01-01 = [{ up_to = 500, apr = "0.1" }, { apr = "0.01" }] }',
                AprSchedule({date(2024, 1, 1): TieredApr([(500, "0.1"), (None, "0.01")])}),
            ),
        ],
    )
    def test_rates_inline(self, tmp_path: Path, line: str, schedule: AprSchedule) -> None:
        text = f"[tokens.IOTX]\ndecimals = 18\n{line}\n"
        assert iotx(read_text(tmp_path, text)).schedule == schedule

    def test_a_rates_file_is_read_relative_to_the_program_file(self, tmp_path: Path) -> None:
        folder = tmp_path / "rates"
        folder.mkdir()
        (folder / "iotx.csv").write_text("effective_date,apr\n2019-07-15,0.068\n", encoding="utf-8")
        path = write(tmp_path, '[tokens.IOTX]\ndecimals = 18\nrates = "rates/iotx.csv"\n')
        assert iotx(read_program(path)).schedule == read_schedule(folder / "iotx.csv")

    @pytest.mark.parametrize(
        ("text", "field", "expected"),
        [
            ("frozen_earns = false", "frozen_earns", False),
            ('deposits = "next_day"', "deposits", EarningStart.NEXT_DAY),
            ('deposits = "same_day"', "deposits", EarningStart.ON_ARRIVAL),
            ('activation = "next_day"', "activation", EarningStart.NEXT_DAY),
            (
                '[kind_roles]\nstaked = "redemption_request"\n"in review" = "order_freeze"',
                "kind_roles",
                {"staked": "redemption_request", "in review": "order_freeze"},
            ),
        ],
    )
    def test_program_keys(self, tmp_path: Path, text: str, field: str, expected: object) -> None:
        program = read_text(tmp_path, f"{text}\n\n{BASE}")
        assert getattr(program, field) == expected

    def test_program_defaults(self, tmp_path: Path) -> None:
        program = read_text(tmp_path, BASE)
        assert program == Program([iotx(program)])


# -- presets -------------------------------------------------------------------------------


class TestPresets:
    def test_the_presets_are_the_functions_returning_a_program(self) -> None:
        assert set(program_presets()) == {
            "binance_soft_staking",
            "gate_soft_staking",
            "kucoin_hold_to_earn",
            "kucoin_pool_x",
            "kucoin_soft_staking_2019",
        }

    def test_a_preset_with_rates(self, tmp_path: Path) -> None:
        text = 'preset = "kucoin_soft_staking_2019"\n\n[tokens.IOTX]\nrate = "0.05"\n'
        assert read_text(tmp_path, text) == kucoin_soft_staking_2019({"IOTX": "0.05"})

    def test_overrides_are_applied_with_evolve(self, tmp_path: Path) -> None:
        text = (
            'preset = "kucoin_soft_staking_2019"\nfrozen_earns = false\n\n'
            '[defaults]\ncap = "1000"\n\n'
            '[tokens.IOTX]\nrate = "0.05"\ndecimals = 18\nat = "22:00"\n\n'
            '[tokens.ELA]\nrate = "0.04"\n'
        )
        preset = kucoin_soft_staking_2019({"IOTX": "0.05", "ELA": "0.04"})
        expected = attrs.evolve(
            preset,
            calculators=[
                attrs.evolve(
                    iotx(preset),
                    token=Token("IOTX", 18),
                    cap=1000,
                    policy=DailySnapshot(time(22)),
                ),
                attrs.evolve(preset.calculator("ELA"), cap=1000),
            ],
            frozen_earns=False,
        )
        assert read_text(tmp_path, text) == expected

    def test_a_payout_schedule_replaces_the_presets_delay(self, tmp_path: Path) -> None:
        text = (
            'preset = "kucoin_hold_to_earn"\n\n[tokens.USDT]\nrate = "0.0132"\n'
            'payout = { schedule = "weekly", weekdays = ["MO"] }\n'
        )
        calc = read_text(tmp_path, text).calculator("USDT")
        expected = attrs.evolve(
            kucoin_hold_to_earn({"USDT": "0.0132"}).calculator("USDT"),
            payout_delay=timedelta(0),
            payout_schedule=WeeklyPayouts([0], tz=UTC8),
        )
        assert calc == expected

    def test_a_presets_required_tables_come_from_the_tokens(self, tmp_path: Path) -> None:
        text = (
            'preset = "gate_soft_staking"\n\n[tokens.USDT]\nrate = "0.05"\nmin_holding = "1"\n'
            'cap = "5000"\n\n[tokens.GT]\nrate = "0.02"\nmin_holding = 2\n'
        )
        expected = gate_soft_staking(
            {"USDT": "0.05", "GT": "0.02"},
            minimums={"USDT": "1", "GT": "2"},
            caps={"USDT": "5000", "GT": None},
        )
        assert read_text(tmp_path, text) == expected


# -- the sample ----------------------------------------------------------------------------


class TestSample:
    def test_the_kucoin_2019_file_is_the_preset_with_its_rates(self) -> None:
        program = read_program(kucoin_2019_path())
        assert len(program.calculators) == 12
        rates: dict[str, AprSchedule | str] = {
            "IOTX": read_schedule(sample_path("iotx_seed_rates.csv")),
            "ELA": AprSchedule({date(2019, 7, 15): "0.0520", date(2019, 7, 18): "0.0498"}),
            "ATOM": "0.0700",
            "EOS": "0.0150",
            "LOOM": "0.0450",
            "NULS": "0.0600",
            "ONT": "0.0300",
            "TOMO": "0.0550",
            "TRX": "0.0250",
            "VSYS": "0.0800",
            "WAN": "0.0500",
            "XTZ": "0.0550",
        }
        assert program == kucoin_soft_staking_2019(rates)

    def test_the_sample_marks_its_rates_illustrative(self) -> None:
        text = kucoin_2019_path().read_text(encoding="utf-8")
        rate_lines = [line for line in text.splitlines() if line.startswith("rate")]
        assert len(rate_lines) == 12  # one per token
        assert all("illustrative" in line for line in rate_lines)
        assert "ILLUSTRATIVE" in text


# -- every mistake names its key -----------------------------------------------------------

MISTAKES: list[tuple[str, str, str, str]] = [
    # (what, file text, the key named, words in the reason)
    ("unknown top-level key", 'colour = "red"\n' + BASE, "colour", "unknown key"),
    ("unknown key in defaults", '[defaults]\ncapp = "1"\n\n' + BASE, "defaults.capp", "unknown"),
    ("unknown key in a token", BASE + 'capp = "1"\n', "tokens.IOTX.capp", "unknown key"),
    (
        "float amount",
        BASE + "cap = 1.5\n",
        "tokens.IOTX.cap",
        'quote the amount, such as cap = "1.5"',
    ),
    ("float rate", "[tokens.IOTX]\ndecimals = 18\nrate = 0.05\n", "tokens.IOTX.rate", "float"),
    (
        "float in defaults",
        "[defaults]\nmin_payout = 1e-6\n\n" + BASE,
        "defaults.min_payout",
        "float",
    ),
    ("negative amount", BASE + 'min_holding = "-1"\n', "tokens.IOTX.min_holding", "negative"),
    ("amount of the wrong type", BASE + "cap = true\n", "tokens.IOTX.cap", "not boolean"),
    ("zero cap", BASE + 'cap = "0"\n', "tokens.IOTX.cap", "above zero"),
    ("bad zone", BASE + 'tz = "Mars/Olympus"\n', "tokens.IOTX.tz", "unknown timezone"),
    ("zone as a number", BASE + "tz = 8\n", "tokens.IOTX.tz", "must be a string"),
    ("offset minutes 60", BASE + 'day_offset = "+08:60"\n', "tokens.IOTX.day_offset", "below 60"),
    ("two signs", BASE + 'day_offset = "+-05:00"\n', "tokens.IOTX.day_offset", "'+-05:00'"),
    ("negative delay", BASE + 'payout_delay = "-1d"\n', "tokens.IOTX.payout_delay", "negative"),
    (
        "delay overflow",
        BASE + 'payout_delay = "9999999999d"\n',
        "tokens.IOTX.payout_delay",
        "too long",
    ),
    ("unknown preset", 'preset = "kucoin_2077"\n' + BASE, "preset", "kucoin_soft_staking_2019"),
    (
        "preset not a program",
        'preset = "regulation_dd_daily_balance"\n' + BASE,
        "preset",
        "unknown preset",
    ),
    ("unknown policy", BASE + 'policy = "median"\n', "tokens.IOTX.policy", "snapshot, average"),
    ("missing decimals", '[tokens.IOTX]\nrate = "0.05"\n', "tokens.IOTX.decimals", "missing"),
    (
        "decimals as a string",
        '[tokens.IOTX]\ndecimals = "18"\nrate = "0.05"\n',
        "tokens.IOTX.decimals",
        "integer",
    ),
    (
        "decimals out of range",
        '[tokens.IOTX]\ndecimals = 99\nrate = "0.05"\n',
        "tokens.IOTX.decimals",
        "0 to 36",
    ),
    ("missing rate", "[tokens.IOTX]\ndecimals = 18\n", "tokens.IOTX.rate", "missing"),
    ("rate and rates", BASE + 'rates = "r.csv"\n', "tokens.IOTX.rates", "not both"),
    (
        "rates file missing",
        '[tokens.IOTX]\ndecimals = 18\nrates = "nowhere.csv"\n',
        "tokens.IOTX.rates",
        "nowhere.csv",
    ),
    (
        "rates file of unknown format",
        '[tokens.IOTX]\ndecimals = 18\nrates = "bad.txt"\n',
        "tokens.IOTX.rates",
        "suffix",
    ),
    (
        "rates file with a bad row",
        '[tokens.IOTX]\ndecimals = 18\nrates = "bad.csv"\n',
        "tokens.IOTX.rates",
        "bad.csv:3: column 'apr'",
    ),
    (
        "bad day in a rate table",
        '[tokens.IOTX]\ndecimals = 18\nrate = { 2019-13-01 = "0.05" }\n',
        "tokens.IOTX.rate.2019-13-01",
        "YYYY-MM-DD",
    ),
    (
        "empty rate table",
        "[tokens.IOTX]\ndecimals = 18\nrate = {}\n",
        "tokens.IOTX.rate",
        "at least one day",
    ),
    (
        "tiers not rising",
        "[tokens.IOTX]\ndecimals = 18\n"
        'rate = [{ up_to = 5, apr = "0.1" }, { up_to = 2, apr = "0.05" }, { apr = "0" }]\n',
        "tokens.IOTX.rate[1]",
        "above the previous band",
    ),
    (
        "tier without apr",
        "[tokens.IOTX]\ndecimals = 18\nrate = [{ up_to = 5 }]\n",
        "tokens.IOTX.rate[0].apr",
        "missing",
    ),
    (
        "unknown tier key",
        '[tokens.IOTX]\ndecimals = 18\nrate = [{ rate = "0.1" }]\n',
        "tokens.IOTX.rate[0].rate",
        "unknown key",
    ),
    ("bad wall time", BASE + 'at = "24:00"\n', "tokens.IOTX.at", "'24:00'"),
    (
        "at with a whole-day policy",
        BASE + 'policy = "average"\nat = "12:00"\n',
        "tokens.IOTX.at",
        "takes no at",
    ),
    (
        "snapshot with several times",
        BASE + 'at = ["09:00", "21:00"]\n',
        "tokens.IOTX.at",
        "snapshots",
    ),
    ("snapshots without times", BASE + 'policy = "snapshots"\n', "tokens.IOTX.policy", "needs at"),
    (
        "repeated snapshot times",
        BASE + 'policy = "snapshots"\nat = ["09:00", "09:00"]\n',
        "tokens.IOTX.at",
        "distinct",
    ),
    (
        "bad snapshot time in a list",
        BASE + 'policy = "snapshots"\nat = ["09:00", "9pm"]\n',
        "tokens.IOTX.at[1]",
        "'9pm'",
    ),
    ("unknown day count", BASE + 'day_count = "30/360"\n', "tokens.IOTX.day_count", "ACT/365F"),
    ("unknown dust", BASE + 'dust = "keep"\n', "tokens.IOTX.dust", "carry, forfeit"),
    ("compound not a bool", BASE + "compound = 1\n", "tokens.IOTX.compound", "true or false"),
    (
        "bad payout schedule",
        BASE + 'payout = { schedule = "hourly" }\n',
        "tokens.IOTX.payout.schedule",
        "daily, weekly",
    ),
    (
        "payout without schedule",
        BASE + 'payout = { at = "18:00" }\n',
        "tokens.IOTX.payout.schedule",
        "missing",
    ),
    ("payout not a table", BASE + 'payout = "weekly"\n', "tokens.IOTX.payout", "must be a table"),
    (
        "weekly without weekdays",
        BASE + 'payout = { schedule = "weekly" }\n',
        "tokens.IOTX.payout.weekdays",
        "missing",
    ),
    (
        "bad weekday",
        BASE + 'payout = { schedule = "weekly", weekdays = ["XX"] }\n',
        "tokens.IOTX.payout.weekdays[0]",
        "not a weekday",
    ),
    (
        "key of another schedule",
        BASE + 'payout = { schedule = "daily", day = 1 }\n',
        "tokens.IOTX.payout.day",
        "unknown key",
    ),
    (
        "monthly day 32",
        BASE + 'payout = { schedule = "monthly", day = 32 }\n',
        "tokens.IOTX.payout",
        "1 to 31",
    ),
    (
        "window closing as it opens",
        BASE + 'payout = { schedule = "window", opens = "08:00", closes = "08:00" }\n',
        "tokens.IOTX.payout",
        "differ",
    ),
    (
        "payout and delay",
        BASE + 'payout_delay = "1h"\npayout = { schedule = "daily" }\n',
        "tokens.IOTX.payout_delay",
        "exclusive",
    ),
    ("unknown deposits", 'deposits = "T+1"\n' + BASE, "deposits", "same_day, next_day"),
    ("frozen_earns not a bool", 'frozen_earns = "yes"\n' + BASE, "frozen_earns", "true or false"),
    (
        "unknown kind role",
        '[kind_roles]\nstaked = "frozen"\n\n' + BASE,
        "kind_roles.staked",
        "unknown role",
    ),
    (
        "a key path quotes a key TOML would quote",
        '[kind_roles]\n"loan.out" = "frozen"\n\n' + BASE,
        'kind_roles."loan.out"',
        "unknown role",
    ),
    (
        "pocket kind remapped",
        '[kind_roles]\norder_freeze = "redemption_request"\n\n' + BASE,
        "kind_roles.order_freeze",
        "already a pocket kind",
    ),
    ("no tokens", "frozen_earns = true\n", "tokens", "missing"),
    ("empty tokens", "[tokens]\n", "tokens", "at least one token"),
    ("tokens not a table", "tokens = 3\n", "tokens", "must be a table"),
    ("a token not a table", "[tokens]\nIOTX = 18\n", "tokens.IOTX", "must be a table"),
    (
        "preset needs each min_holding",
        'preset = "gate_soft_staking"\n\n[tokens.GT]\nrate = "0.05"\n',
        "tokens.GT.min_holding",
        "needs each token's min_holding",
    ),
    (
        "preset refuses the rates",
        'preset = "kucoin_hold_to_earn"\n\n[tokens.IOTX]\nrate = "0.05"\n',
        "preset",
        "IOTX",
    ),
    (
        "preset with a bad override",
        'preset = "kucoin_soft_staking_2019"\n\n[tokens.IOTX]\nrate = "0.05"\ndecimals = 99\n',
        "tokens.IOTX.decimals",
        "0 to 36",
    ),
    (
        "at a preset policy cannot take",
        'preset = "kucoin_hold_to_earn"\n\n[tokens.USDT]\nrate = "0.05"\nat = "12:00"\n',
        "tokens.USDT.at",
        "TimeWeighted",
    ),
]


class TestMistakes:
    @pytest.mark.parametrize(
        ("text", "key", "reason"),
        [pytest.param(t, k, r, id=what) for what, t, k, r in MISTAKES],
    )
    def test_each_mistake_names_the_file_and_key(
        self, tmp_path: Path, text: str, key: str, reason: str
    ) -> None:
        (tmp_path / "bad.csv").write_text(
            "effective_date,apr\n2019-07-15,0.05\n2019-07-16,0.05.1\n", encoding="utf-8"
        )
        (tmp_path / "bad.txt").write_text("x\n", encoding="utf-8")
        path = write(tmp_path, text)
        with pytest.raises(ProgramFileError) as caught:
            read_program(path)
        error = caught.value
        assert (error.path, error.key) == (str(path), key)
        assert str(error).startswith(f"{path}: {key}: ")
        assert str(error).count(str(path)) == 1  # never wrapped twice
        assert reason in str(error)
        assert isinstance(error, InvalidInputError)

    def test_there_are_at_least_twenty_mistakes(self) -> None:
        assert len(MISTAKES) >= 20

    @pytest.mark.parametrize(
        ("text", "line", "column"),
        [
            ('[tokens.IOTX]\ndecimals = 18\nrate = "0.05\n', 3, 13),
            ("[tokens.IOTX]\ndecimals = \n", 2, 12),
            ('[tokens.IOTX]\ndecimals = 18\ndecimals = 8\nrate = "0.05"\n', 3, 13),
        ],
    )
    def test_a_toml_syntax_error_names_line_and_column(
        self, tmp_path: Path, text: str, line: int, column: int
    ) -> None:
        path = write(tmp_path, text)
        with pytest.raises(ProgramFileError) as caught:
            read_program(path)
        error = caught.value
        assert (error.line, error.column, error.key) == (line, column, "")
        assert str(error).startswith(f"{path}:{line}:{column}: invalid TOML: ")
        assert "(at line" not in str(error)
        assert error.__cause__ is None

    def test_a_file_that_is_not_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "program.toml"
        path.write_bytes(b'[tokens.IOTX]\nrate = "\xff"\n')
        with pytest.raises(ProgramFileError, match="UTF-8"):
            read_program(path)

    def test_a_missing_program_file_is_an_os_error(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError):
            read_program(tmp_path / "nowhere.toml")


# -- round trip ----------------------------------------------------------------------------


def _zone(tz: tzinfo) -> str:
    if tz is UTC:
        return "UTC"
    if isinstance(tz, ZoneInfo):
        return tz.key
    offset = tz.utcoffset(None)
    assert offset is not None
    return _offset(offset)


def _offset(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _amount(value: Decimal) -> str:
    return f"{value:f}"


def _rate(rate: object) -> object:
    if isinstance(rate, TieredApr):
        return [
            {"apr": _amount(apr)}
            if up_to is None
            else {"up_to": _amount(up_to), "apr": _amount(apr)}
            for up_to, apr in rate.bands
        ]
    assert isinstance(rate, Decimal)
    return _amount(rate)


def _policy(policy: AccrualPolicy) -> dict[str, object]:
    if isinstance(policy, DailySnapshot):
        return {"policy": "snapshot", "at": policy.at.isoformat()}
    if isinstance(policy, SnapshotAverage):
        return {"policy": "snapshots", "at": [t.isoformat() for t in policy.times]}
    return {"policy": "average" if isinstance(policy, TimeWeighted) else "minimum"}


def _payout(schedule: object) -> dict[str, object]:
    if isinstance(schedule, WindowPayouts):
        return {
            "schedule": "window",
            "opens": schedule.opens.isoformat(),
            "closes": schedule.closes.isoformat(),
            "tz": _zone(schedule.tz),
        }
    assert isinstance(schedule, DailyPayouts | WeeklyPayouts | MonthlyPayouts)
    out: dict[str, object] = {"at": schedule.at.isoformat(), "tz": _zone(schedule.tz)}
    if isinstance(schedule, WeeklyPayouts):
        names = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
        return {"schedule": "weekly", "weekdays": [names[d] for d in schedule.weekdays], **out}
    if isinstance(schedule, MonthlyPayouts):
        return {"schedule": "monthly", "day": schedule.day, **out}
    return {"schedule": "daily", **out}


def _token(calc: RewardCalculator) -> dict[str, object]:
    entries = calc.schedule.entries  # type: ignore[union-attr]
    rate: object
    if len(entries) == 1 and entries[0][0] == date.min:
        rate = _rate(entries[0][1])
    else:
        rate = {day.isoformat(): _rate(r) for day, r in entries}
    out: dict[str, Any] = {
        "decimals": calc.token.decimals,
        "rate": rate,
        **_policy(calc.policy),
        "tz": _zone(calc.tz),
        "day_offset": _offset(calc.day_offset),
        "day_count": {"ACT/ACT ISDA": "ACT/ACT"}.get(calc.day_count.value, calc.day_count.value),
        "min_holding": _amount(calc.min_holding),
        "min_payout": _amount(calc.min_payout),
        "dust": calc.dust.value,
        "compound": calc.compound,
        "payout_delay": f"{int(calc.payout_delay.total_seconds())}s",
    }
    if calc.cap is not None:
        out["cap"] = _amount(calc.cap)
    if calc.payout_schedule is not None:
        del out["payout_delay"]
        out["payout"] = _payout(calc.payout_schedule)
    return out


def document(program: Program) -> dict[str, object]:
    """A program file's content that describes ``program``."""
    starts = {EarningStart.ON_ARRIVAL: "same_day", EarningStart.NEXT_DAY: "next_day"}
    return {
        "frozen_earns": program.frozen_earns,
        "deposits": starts[program.deposits],
        "activation": starts[program.activation],
        "kind_roles": dict(program.kind_roles),
        "tokens": {symbol: _token(calc) for symbol, calc in program.calculators.items()},
    }


class TestRoundTrip:
    @given(file_programs())
    def test_a_program_written_to_toml_reads_back_equal(self, program: Program) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "program.toml"
            path.write_text(dumps(document(program)), encoding="utf-8")
            assert read_program(path) == program

    def test_the_sample_round_trips(self, tmp_path: Path) -> None:
        program = read_program(kucoin_2019_path())
        assert read_text(tmp_path, dumps(document(program))) == program


class TestGuide:
    def test_the_guide_shows_the_sample_file_as_it_is(self) -> None:
        guide = Path(__file__).resolve().parent.parent / "docs" / "guides" / "program-file.md"
        sample = kucoin_2019_path().read_text(encoding="utf-8")
        assert f"```toml\n{sample}```\n" in guide.read_text(encoding="utf-8")
