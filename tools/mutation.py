"""Mutation testing of the engine's modules, one module at a time, each against its own tests.

Run by hand, never by the test suite (it takes minutes per module)::

    .venv/bin/python tools/mutation.py                 # every module in MODULES
    .venv/bin/python tools/mutation.py rounding sweep  # just these
    .venv/bin/python tools/mutation.py columns.limbs   # a module of another package
    .venv/bin/python tools/mutation.py src/softstaking/columns/limbs.py  # the same
    .venv/bin/python tools/mutation.py --max-children 2 --fresh fixed
    .venv/bin/python tools/mutation.py --tests tests/test_distribution.py -- sweep
    .venv/bin/python tools/mutation.py --only average_gross_units -- fixed

A module is named as in ``MODULES``: a bare name is a module of ``softstaking.core``
(``runs``), a dotted one is relative to ``softstaking`` (``columns.limbs``); its path
(``src/softstaking/columns/limbs.py``) names it too.

For each module it prepares a scratch directory ``.mutation/<module>/`` (git ignores it)
holding a copy of ``src/``, ``tests/`` and ``pyproject.toml`` with a ``[tool.mutmut]``
section added that mutates only that module and selects only its tests (``TESTS`` below),
runs ``mutmut run`` there, and prints the module's score: killed / total, with every
survivor listed. Equivalent mutants (``EQUIVALENT``: mutants no test can kill because they
do not change behaviour) are left out of the score and listed apart, with the reason.

mutmut keeps its results in the scratch directory, so a second run only tests mutants of
functions that changed; ``--fresh`` starts over. ``--only`` names functions or methods:
only their mutants run (all of them, every time) and count in the score. To look at one
mutant, or try a test against it::

    cd .mutation/<module> && ../../.venv/bin/mutmut show <mutant name>

The mutants are mutmut 3's: it mutates the bodies of functions and methods only, not
module or class level code (enum values, attrs defaults, decorators' arguments); the
tests that pin those down are listed in docs/contributing.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / ".mutation"
MUTMUT = Path(sys.executable).with_name("mutmut")

MODULES = ["rounding", "policies", "timeline", "sweep", "fixed", "runs"]
MODULES += ["schedules", "rates", "calculator", "engine"]
MODULES += ["columns.limbs", "columns.weighted", "columns.wide"]
MODULES += ["columns.wideints", "columns.output", "columns.vector"]
"""The modules, in the order they run when none is named: the small ones first, core's
(bare names) before the columns'."""

TESTS: dict[str, list[str]] = {
    "rounding": ["tests/test_calculator.py", "tests/test_properties.py"],
    "policies": [
        "tests/test_calculator.py",
        "tests/test_properties.py",
        "tests/test_errors.py",
        "tests/test_days.py",
    ],
    "timeline": [
        "tests/test_calculator.py",
        "tests/test_properties.py",
        "tests/test_errors.py",
        "tests/test_program.py",
    ],
    "sweep": [
        "tests/test_calculator.py",
        "tests/test_properties.py",
        "tests/test_errors.py",
        "tests/test_distribution.py",
    ],
    "fixed": ["tests/test_engine.py", "tests/test_calculator.py", "tests/test_properties.py"],
    "calculator": [
        "tests/test_calculator.py",
        "tests/test_properties.py",
        "tests/test_errors.py",
        "tests/test_payouts.py",
        "tests/test_engine.py",
    ],
    "engine": ["tests/test_engine.py", "tests/test_calculator.py", "tests/test_properties.py"],
    "schedules": ["tests/test_rates.py", "tests/test_calculator.py", "tests/test_properties.py"],
    "rates": ["tests/test_rates.py", "tests/test_apy.py"],
    "runs": ["tests/test_runs.py", "tests/test_engine.py"],
    "columns.limbs": ["tests/test_columns_wide.py", "tests/test_columns_weighted.py"],
    "columns.weighted": ["tests/test_columns_weighted.py", "tests/test_columns_vector.py"],
    "columns.wide": ["tests/test_columns_wide.py", "tests/test_columns_vector.py"],
    "columns.wideints": ["tests/test_columns_wideints.py"],
    "columns.output": ["tests/test_columns_words.py"],
    "columns.vector": ["tests/test_columns_vector.py"],
}
"""Each module's own tests; the module's doctests, and ``tests/test_mutants_<module>.py``
(the tests added for its survivors, ``test_mutants_columns_limbs.py`` for
``columns.limbs``) when there is one, run too."""

_ZERO_SIGN = "changes the sign only for units == 0, which never takes this branch"
_NO_EVENTS = (
    "an event-less timeline's exponent, read only as `exponent >= -token.decimals`, "
    "which is true for every exponent >= 0 and unchanged below 0"
)
_HINT = "0 is a lower bound of every count, so the search finds the same count"
_FLOATS = (
    "float64 zeros, not int64: every value the array then holds is an integer below 2**53"
    " (limbs below 10**10, their sums and carries), exact in float64, compared and added"
    " the same, and made words through astype('<u8')"
)
_INFERRED = (
    "np.array of Python ints without dtype=object: int64 below 2**63 (the same limbs),"
    " object from 2**64; in between uint64, which limbs_of declines, and the Python-int"
    " path gives the same records"
)
_ROOM = "more zero rows on top (room, or padding): trim, parts_words and largest read the same"
_AGAIN = "the same runs' words made again, or repeated by runs of length 1 (one run a day)"
_GENERAL = "runs left to (or also given to) the general path, which gives the same runs"
_BOOLS = "comparing an int64 or object array with an int is a bool array already"
_WIDE: dict[str, str] = {
    **dict.fromkeys(
        [
            *(f"x__gather__mutmut_{n}" for n in (21, 23)),
            *(f"x__pay_days__mutmut_{n}" for n in (30, 32, 56, 58, 63, 65, 72, 74, 83, 85)),
            *(f"x__pay_days__mutmut_{n}" for n in (92, 94)),
            *(f"x__pay_fast__mutmut_{n}" for n in (10, 12)),
            *(f"x_part__mutmut_{n}" for n in (104, 106)),
        ],
        _FLOATS,
    ),
    **dict.fromkeys(
        [*(f"x__pay_days__mutmut_{n}" for n in (8, 10)), "x__runs__mutmut_99"], _INFERRED
    ),
    "x__runs__mutmut_101": _INFERRED,
    **dict.fromkeys(
        [
            *(f"x__gather__mutmut_{n}" for n in (2, 11, 13)),
            *(f"x__pay_days__mutmut_{n}" for n in (19, 75)),
            "x_flat_gross__mutmut_92",
            *(f"x_part__mutmut_{n}" for n in (99, 100, 107, 108)),
        ],
        _ROOM,
    ),
    "x_flat_gross__mutmut_103": "g[...] = where g[...] += adds to fresh zeros",
    "x__pay_days__mutmut_120": "the owed units' last carry, into the top row, left undone:"
    " the row below holds it (the same value; largest and parts_words read values), and"
    " _less still orders it right, least's top limb being 0 and that row past any limb",
    "x__less__mutmut_22": "one more pass at i = -1, comparing the top row with limbs[-1], 0"
    " (the minimum has fewer limbs than x): an amount is never below 0",
    **dict.fromkeys(
        ["x_part__mutmut_47", "x__pay_fast__mutmut_41", "x_part__mutmut_65", "x_part__mutmut_66"],
        _AGAIN,
    ),
    **dict.fromkeys(
        ["x__pay_fast__mutmut_96", "x__pay_days__mutmut_198"],
        "an all-zero forfeited column counted 2 digits wide, not 1: far below the 38 digits"
        " of a decimal128",
    ),
    # _runs: runs sent to the general path (aprs.run) that flat_gross or
    # weighted.flat_runs would compute.
    **dict.fromkeys(
        [f"x__runs__mutmut_{n}" for n in (17, 21, 25, 43, 45, 47, 56, 65, 73, 74)], _GENERAL
    ),
    **dict.fromkeys([f"x__runs__mutmut_{n}" for n in (14, 16, 22, 24)], _BOOLS),
    "x__runs__mutmut_11": "plain id 1, not 0, for the runs that are not plain: those are"
    " time-weighted days with events, whose balances are plain, so id 1 exists, and fast"
    " masks it with is_plain",
    "x__runs__mutmut_28": "allowed[plain_ids] where there are no balances: both index"
    " arrays are empty, and so is fast",
    **dict.fromkeys(
        [f"x__runs__mutmut_{n}" for n in (91, 94, 95)],
        "zip of the slow runs' values and kinds not strict: both are one per slow run",
    ),
}
"""columns.wide's equivalent mutants (the reasons are in docs/contributing.md too)."""

_OUTPUT: dict[str, str] = {
    "x_add_small__mutmut_2": "amount >= 2**64 to >= 2 * 64: amounts from 128 take the"
    " add_words way, which adds them as exactly, modulo the same 2**(64 w)",
    "x_add_small__mutmut_38": "break to return: nothing follows the loop",
    "x_limb_words__mutmut_5": "base_digits == 11: the fast way never taken; parts_words"
    " gives the same words",
    **dict.fromkeys(
        [f"x_limb_words__mutmut_{n}" for n in (8, 10, 13, 15, 17, 20)],
        "hi and lo as uint64, copied or not: they are read, never written",
    ),
    **dict.fromkeys(
        [f"x_parts_words__mutmut_{n}" for n in (88, 91, 94)],
        "zip of the parts and their tops not strict: one top per part",
    ),
    "xǁ_Wordsǁscale__mutmut_19": "shifts of up to 64 bits, not 63: numpy defines a uint64"
    " shifted by 64 as 0 and by 0 as itself, so a step of 64 moves every word up one word,"
    " as it should",
    "x__at_width__mutmut_3": "have >= width to >: at have == width the other branch copies"
    " the same words and sign-extends into no words",
    **dict.fromkeys(
        [f"x__at_width__mutmut_{n}" for n in (5, 7)],
        "ascontiguousarray without dtype '<u8': the words given are uint64 already (from"
        " parts_words, words_of or limb_words)",
    ),
    "x_parts_words__mutmut_45": "bound < 2**63 to <=: a value of 2**63 made in int64"
    " wraps to -2**63, whose bits are 2**63's, and its uint64 word is the same",
    "x_parts_words__mutmut_46": "bound < 2**63 to < 2 * 63: more values take the words'"
    " way, which gives the same words",
    "x_parts_words__mutmut_67": "len(parts) > 1 to >= 1 in dropping trailing zero parts:"
    " a part's top is non-zero (a bound of 0 has returned), so no more parts are dropped",
    "x_parts_words__mutmut_68": "trailing zero parts dropped down to two parts, not one:"
    " a zero part left is added as zero, the same words",
    "x_words_of__mutmut_31": "reshape(-2, 4): numpy reads a negative size as the unknown"
    " one, as -1",
}
"""columns.output's equivalent mutants, of the functions tested (``--only``)."""

_COPY = "normalised with a copy or in place: the limbs given are a fresh array, not read again"
_WIDEINTS: dict[str, str] = {
    "x__magnitudes__mutmut_12": "sign == 1 to sign == 2 where no sign bit is set: all"
    " False either way",
    "x__unsigned__mutmut_20": "range(65 // 16 - 1, ...): 65 // 16 is 64 // 16, 4",
    "x__unsigned__mutmut_28": "the piece at t == 0 shifted by 0 bits: the word itself",
    "x__unsigned__mutmut_6": "a 17-bit mask: the 17th bit of a piece is the lowest bit of"
    " the piece above, read the step before; 10**10 being even, the rest carried from it"
    " has that same lowest bit, which rest << 16 holds there already, so the OR adds"
    " nothing (and a piece of the top word has 16 bits only)",
    "x_concat__mutmut_4": "parts of one height carried again: their limbs are floor-"
    "normalised already, so normalised leaves them (and drops only top limbs of zeros)",
    "x_divided__mutmut_13": "two limbs of zeros, not one, for digits past every limb: the"
    " same values (a top limb of zeros)",
    **dict.fromkeys(
        [f"x_from_words__mutmut_{n}" for n in (12, 14)],
        "float64 zeros for the high word of one-word values: the two-word way then"
        " computes in float64 only values below 2**53 (a rest below 10**10, a quotient"
        " below 2**64 / 10**10), exact, and gives int64 limbs",
    ),
    "x_from_words__mutmut_26": "a high word < 2**32 to <= 2**32: at 2**32 the two-word"
    " way stays exact (2**32 × (2**64 mod 10**10) + 10**10 < 2**64, and 2**32 ×"
    " (2**64 // 10**10) + 2**35 < 2**63)",
    "x_from_words__mutmut_27": "a high word < 2**32 to < 2 * 32: more values take the"
    " pieces' way, which gives the same limbs",
    **dict.fromkeys(
        [f"x_of__mutmut_{n}" for n in (15, 17)],
        "np.array of Python bools without dtype=bool: a bool array, or, for no values, an"
        " empty float64 one whose any() is False as well",
    ),
    **dict.fromkeys(
        [f"x_of__mutmut_{n}" for n in (18, 19)],
        "zeros taken as negative: their limbs negated are zeros, and normalised leaves"
        " the floor digits as they are",
    ),
    "x_of__mutmut_28": "max(..., default=1) of no values: 1 // 64 + 1 is 0 // 64 + 1",
    "x_of__mutmut_30": "one more word of zeros a value: _unsigned skips leading zero pieces",
    **dict.fromkeys(
        [
            *(f"x__signed__mutmut_{n}" for n in (15, 17, 18, 35, 37, 38)),
            *(f"x_scaled__mutmut_{n}" for n in (36, 38, 39)),
        ],
        _COPY,
    ),
    "x_running_sums__mutmut_8": "two limbs of room on top, not one: the top stays zero"
    " (the carries reach the first limb of room at most) and normalised drops it",
    "x_scaled__mutmut_27": "two zero limbs on top a step, not one: the top one stays zero"
    " and normalised drops it",
    "xǁWideǁ__array____mutmut_3": "the dtype asked ignored: numpy casts what __array__ gives to it",
    "xǁWideǁint64s__mutmut_22": "a copy of a fresh array too (two limbs or more)",
}
"""columns.wideints' equivalent mutants (the reasons are in docs/contributing.md too)."""

_HI_CARRY = (
    "hi reaching 10**10 in flat_gross is unreachable: lo carries only where t + up reaches"
    " 10**s (so year >= 10**s, s <= 2), and then hi would need q of 10**(20 - s) -"
    " 10**(10 - s) or more, and units × r = q × year + rem past int64"
)
_VECTOR: dict[str, str] = {
    "x_flat_gross__mutmut_57": "s >= LIMB to s > LIMB: at s == 10 the other branch divides"
    " by 10**0 and multiplies a zero lo: hi = b0, lo = 0 either way",
    **dict.fromkeys([f"x_flat_gross__mutmut_{n}" for n in (88, 90, 98)], _HI_CARRY),
    "x_from_limbs__mutmut_14": "a fifth row of zeros made, never read",
    "x_from_limbs__mutmut_16": "len(limbs) > 4 to >= 4: with four limbs limbs[4:] is empty",
    "x_split_ints__mutmut_1": "int64 values too through the Python loop, which gives the"
    " same parts",
    **dict.fromkeys(
        [f"x_split_ints__mutmut_{n}" for n in (39, 41)],
        "np.array of Python ints without dtype: int64 (below 2**62), and the loop is never"
        " reached with no values (they are int64s)",
    ),
    **dict.fromkeys(
        [f"xǁSplitǁsame__mutmut_{n}" for n in (8, 11, 12)],
        "zip of two Splits' parts not strict: three each",
    ),
}
"""columns.vector's equivalent mutants, of those sorted (see docs/contributing.md)."""

EQUIVALENT: dict[str, str] = {
    "softstaking.core.fixed.x_from_units__mutmut_10": f"units < 0 to units <= 0 {_ZERO_SIGN}",
    "softstaking.core.fixed.x_from_units__mutmut_11": f"units < 0 to units < 1 {_ZERO_SIGN}",
    "softstaking.core.fixed.x_to_units__mutmut_3": (
        "exp >= exponent to >: at exp == exponent the second branch divides by 10**0 = 1,"
        " no rest, giving n as the first does"
    ),
    "softstaking.core.fixed.x_units_at_least__mutmut_3": (
        "exp >= exponent to >: at exp == exponent the last branch divides by 10**0 = 1,"
        " giving n as the first does (and 0 for n == 0)"
    ),
    "softstaking.core.fixed.x_units_at_least__mutmut_14": (
        "n > 0 to n >= 0 in a branch that only n != 0 reaches"
    ),
    "softstaking.core.fixed.x_day_gross__mutmut_20": (
        "quantize's rounding None: the context's, CONTEXT's ROUND_HALF_EVEN, the one given"
    ),
    **{
        f"softstaking.core.fixed.x_average_gross_units__mutmut_{n}": (
            f"shift >= 0 to {op}: at shift 0 the other branch multiplies the denominator "
            "by 10**0 = 1, where this one multiplies the numerator by it"
        )
        for n, op in ((12, "> 0"), (13, ">= 1"))
    },
    "softstaking.core.fixed.x_average_gross_units__mutmut_39": (
        "twice > denominator to >=: twice == denominator has returned None just before"
    ),
    "softstaking.core.fixed.x_weighted_gross_units__mutmut_5": (
        "span <= 0 to span < 0: a span of 0 reaches average_gross_units, which declines"
        " the zero denominator (length × year_days), so None either way"
    ),
    "softstaking.core.fixed.x_flat_gross_units__mutmut_16": (
        "annual >= 10**100 to >: an annual of 10**100 or more gives a gross of at least"
        " 10**100 / 999 quanta, past _MAX_GROSS (10**96), so None either way"
    ),
    # timeline._exponent is read only by calculator._check_units, as `>= -decimals`
    # (decimals 0 to 36): with no events, min(0, e), e and min(1, e) are all >= 0 or all e.
    "softstaking.core.timeline.xǁBalanceTimelineǁfrom_events__mutmut_59": (
        f"`if given` to `if given or True`: {_NO_EVENTS}"
    ),
    "softstaking.core.timeline.xǁBalanceTimelineǁfrom_events__mutmut_65": (
        f"min(0, e) to min(1, e): {_NO_EVENTS}"
    ),
    "softstaking.core.schedules.x_rate_entries__mutmut_15": (
        "sort(key=order of the key) to sort(): (key, rate) pairs compare by key first, the"
        " keys of a mapping are distinct (aware datetimes equal as instants are one key),"
        " so rates are never compared, and both orders (a date, to_us) are the keys' own"
    ),
    "softstaking.core.schedules.xǁAprScheduleǁlayered__mutmut_19": (
        "day > first to day >= first: adds first to a set that already holds it"
    ),
    # rates: the message of an assertion after the loop over bands, which the last band,
    # open (up_to=None) by the bands' converter, always ends.
    **{
        f"softstaking.core.rates.{name}": "the unreachable assertion's message changed"
        for name in [
            *(f"xǁTieredAprǁannual_reward__mutmut_{n}" for n in (33, 34, 35)),
            *(f"xǁWholeBalanceTiersǁblended_rate__mutmut_{n}" for n in (4, 5, 6)),
        ]
    },
    # sweep: the searches' lower bounds (lo) are hints, the answer is at least lo; any
    # smaller valid bound, such as 0, and any longer search give the same answer.
    **{
        f"softstaking.core.sweep.{name}": reason
        for name, reason in {
            "x__count_at_or_before__mutmut_19": "the gallop's first search runs to the end "
            "instead of lo + 16: it finds the same count, or the second search does",
            "x__count_at_or_before__mutmut_28": "bisect_right(times, t, hi, n) without n: "
            "n is len(times), the default",
            "x__count_at_or_before__mutmut_15": "the gallop's first search to hi=None, the "
            "end: it finds the same count, or the second search does (as mutant 19)",
            "x__count_at_or_before__mutmut_24": "bisect_right(times, t, hi, None): None is "
            "len(times), n",
            "xǁBalanceViewǁintegrals_us__mutmut_19": "a step exactly at a cut taken in the "
            "piece before it: it adds value × 0 there, and the next piece starts at the cut "
            "with the step's value, as it would after taking it",
            "xǁBalanceViewǁat_us__mutmut_8": f"the events' search always from 0: {_HINT}",
            "xǁBalanceViewǁat_us__mutmut_10": f"t > day start: from 0 at the start: {_HINT}",
            "xǁBalanceViewǁat_us__mutmut_24": f"the credits' search always from 0: {_HINT}",
            "xǁBalanceViewǁat_us__mutmut_26": f"t > day start (credits): {_HINT}",
            "xǁBalanceViewǁ_steps__mutmut_9": f"the events' search always from 0: {_HINT}",
            "xǁBalanceViewǁ_steps__mutmut_11": f"s > day start: from 0 at the start: {_HINT}",
            "xǁBalanceViewǁ_steps__mutmut_41": f"the credits' search always from 0: {_HINT}",
            "xǁBalanceViewǁ_steps__mutmut_43": f"s > day start (credits): {_HINT}",
            **{
                f"x__integral__mutmut_{n}": "in `if not steps: return first × (e - s)`, "
                "a branch no caller takes: average_us returns first when there are no steps"
                for n in (2, 3, 4, 5, 6)
            },
            "xǁBalanceViewǁ_steps__mutmut_81": "credits tagged 2, not 1, in the merge: the "
            "tag is only compared with 0 and sorts after the events' 0 either way",
        }.items()
    },
    # calculator: settings the Decimal loop reads the same either way.
    **{
        f"softstaking.core.calculator.{name}": reason
        for name, reason in {
            **{
                f"xǁRewardCalculatorǁ_run_decimal__mutmut_{n}": "quantize's rounding None: "
                "the context's, CONTEXT's ROUND_HALF_EVEN, the one given"
                for n in (11, 66)
            },
            **{
                f"xǁRewardCalculatorǁ_run_decimal__mutmut_{n}": "zip(strict=True) not "
                "strict: the plan's tuples have one entry per day by construction"
                for n in (19, 25, 26)
            },
            **{
                f"xǁRewardCalculatorǁ_run_decimal__mutmut_{n}": "a measure checked when "
                "it need not be: check_measured returns a valid measure unchanged"
                for n in (35, 37, 38)
            },
            **{
                f"xǁRewardCalculatorǁdaily_rewards__mutmut_{n}": "the default carry 0 "
                "read by to_amount: Decimal(0), the value and exponent of ZERO"
                for n in (7, 9, 14)
            },
            "xǁRewardCalculatorǁdaily_rewards__mutmut_23": "the default () read by "
            "_credits, which gives the same empty list",
            "xǁRewardCalculatorǁ_check_units__mutmut_1": "exponent >= -decimals to >: at "
            "-decimals every amount is whole base units, and the checks that run pass",
            "xǁRewardCalculatorǁ_credits__mutmut_15": "credits sorted as (instant, amount) "
            "pairs, not by instant alone: the same instants in the same order, and "
            "credits at one instant add up the same in any order",
            "xǁRewardCalculatorǁ_plan__mutmut_31": "the plan cache holds 17 plans, not 16, "
            "before it is cleared: a cached plan is the plan it would compute",
        }.items()
    },
    # runs: searches whose lower bounds (lo) are hints, and a shortcut that gives what the
    # search it skips would give, on rising instants, day ends and change times.
    **{
        f"softstaking.core.runs.{name}": reason
        for name, reason in {
            "x_snapshot_runs__mutmut_14": "bisect_left(instants, t) from 0, not from d: "
            "d is the answer for an earlier change (or 0), at or before t, so the answer "
            "for t is d or more, and the search from 0 finds it as well",
            "x_day_runs__mutmut_18": "bisect_right(ends, t) from 0, not from d: every day "
            "before d ends at or before t (the day of the last change ends at or before "
            "times[k], a day before it earlier), so the search finds the same day",
            "x_day_runs__mutmut_49": "bisect_left(times, e) from 0, not from k: times[0] "
            "to times[k] are at most t, before the day's end e, so the search finds the "
            "same index (k + 1 or more)",
            "x_day_runs__mutmut_43": "times[k + 1] >= e to > e: at times[k + 1] == e the "
            "search runs, and bisect_left(times, e, k) is k + 1 there, the shortcut's",
            "x_day_runs__mutmut_33": "the shortcut never taken: where it is, "
            "bisect_left(times, e, k) is k + 1 too (times[k] < e, and times[k + 1] >= e "
            "or there is none)",
        }.items()
    },
    # limbs: the width of the bytes a Python int is read through (16 or 32).
    **{
        f"softstaking.columns.limbs.x_limbs_of__mutmut_{n}": "32 bytes for values "
        f"below 2**128 too ({what}): 32 bytes hold every value below 2**256 and give the "
        "same digits; trim leaves the same limbs"
        for n, what in ((22, "always"), (29, "from 2 * 128 = 256 on"))
    },
    # weighted: settings that give the same arrays, and checks of rows the bounds keep zero.
    **{
        f"softstaking.columns.weighted.{name}": reason
        for name, reason in {
            **{
                f"x__fifths__mutmut_{n}": "np.asarray(array < 0) without dtype=bool: the "
                "comparison of an int64 or object array with 0 is a bool array already"
                for n in (5, 7)
            },
            **{
                f"x__fifths__mutmut_{n}": f"array < 0 to {op}: zeros taken as negative, "
                "negated and their limbs negated back: -0 is 0"
                for n, op in ((8, "<= 0"), (9, "< 1"))
            },
            "x__fifths__mutmut_13": "the values negated where negative even when none is: "
            "np.where(negative, -array, array) is then the array",
            "x__carry__mutmut_7": "three zero rows of room for the carries, not two: one more "
            "zero limb on top, the same values (and _tens pads either parity)",
            "x_gross__mutmut_79": "total with four rows above the limbs, not three: one more "
            "zero limb on top, the same values",
            "x_gross__mutmut_91": "np.diff(which, prepend=-2), not -1: which[0] >= 0, so "
            "its first difference is non-zero either way (the first event a head)",
            "x_gross__mutmut_175": "the gross rounded up at twice == over, an exact half: "
            "ok is False there, and no caller reads an unanswered day's gross",
            "x__below__mutmut_14": "ok &= to ok = in the first test: ok is all True "
            "before it, so both give the test's result",
            **{
                f"x__below__mutmut_{n}": f"len(x) > whole + 1 to {op}: they differ only at "
                "len(x) == whole + 1, where x[whole + 1:] is empty and passes either way"
                for n, op in ((19, ">= whole + 1"), (20, "> whole - 1 (true in its branch)"))
            },
            "x__below__mutmut_21": "x[whole + 1:] left unchecked when len(x) == whole + 2: "
            "it is then x's top row, always zero: a total, in 2L + 5 rows of 5 digits (L "
            "limbs of its openings and deltas), is below 10**(10L + 15), 10 digits to "
            "spare; the product, below total × 10**(13 + 5 wl), has wl + 2 rows more: 7 "
            "digits to spare",
            **{
                f"xǁWeightedDaysǁ__getitem____mutmut_{n}": "zip of a day's deltas and "
                "weights not strict: the two arrays hold one entry per event, the slices "
                "are as long"
                for n in (21, 24, 25)
            },
        }.items()
    },
    # wide: its arrays' room and dtypes, and the choices between two ways to one answer.
    **{f"softstaking.columns.wide.{name}": reason for name, reason in _WIDE.items()},
    # output: the words' ways to one answer, and settings that give the same arrays.
    **{f"softstaking.columns.output.{name}": reason for name, reason in _OUTPUT.items()},
    # wideints: ways to the same limbs, and room normalised drops.
    **{f"softstaking.columns.wideints.{name}": reason for name, reason in _WIDEINTS.items()},
    # vector: the amounts' helpers (the survivors of _runs, _pay and the payments are not
    # sorted yet).
    **{f"softstaking.columns.vector.{name}": reason for name, reason in _VECTOR.items()},
}
"""Mutants that cannot change behaviour, by mutmut name, with the reason (see the docs)."""

KILLED = {1, 3, 37} | {24, -24, 36, 152, 255}
"""mutmut's exit codes of a killed mutant: tests failed, pytest error, type check, and the
timeouts (an endless loop such as ``i += 1`` to ``i = 1``, which the tests stop)."""
NOT_RUN = {None, 2, 33, 34}
"""Not checked, interrupted, no tests, skipped: reported, counted as not killed."""


def module_name(given: str) -> str:
    """The name in ``MODULES`` of a module given by name or by path (``src/softstaking/...``)."""
    if given.endswith(".py"):
        parts = Path(given).with_suffix("").parts
        if "softstaking" in parts:
            parts = parts[parts.index("softstaking") + 1 :]
        given = ".".join(parts[1:] if parts[:1] == ("core",) else parts)
    return given.removeprefix("core.")


def source_path(module: str) -> str:
    """The module's file, from the root: ``core/<name>.py`` for a bare name."""
    package, _, name = module.rpartition(".")
    return f"src/softstaking/{package or 'core'}/{name}.py"


def prepare(module: str, *, fresh: bool, tests: list[str] | None = None) -> Path:
    """Fill ``.mutation/<module>`` with the sources, tests and a config for mutmut.

    ``tests`` replaces the module's own tests (``TESTS``) in the selection; the module's
    doctests and ``tests/test_mutants_<module>.py`` run either way.
    """
    work = SCRATCH / module
    if fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    for name in ("src", "tests"):
        # copy2 keeps modification times: mutmut re-mutates only files newer than its copy.
        shutil.copytree(ROOT / name, work / name, dirs_exist_ok=True, copy_function=shutil.copy2)
    source = source_path(module)
    # the tests added for the module's survivors:
    found = f"tests/test_mutants_{module.replace('.', '_')}.py"
    own = TESTS[module] if tests is None else tests
    selection = [*own, *([found] if (ROOT / found).exists() else []), source]
    config = "\n".join(
        [
            "",
            "[tool.mutmut]",
            'source_paths = ["src"]',
            f"only_mutate = [{json.dumps(source)}]",
            f"pytest_add_cli_args_test_selection = {json.dumps(selection)}",
            # The suite's checks outside the module's tests (mypy, ruff, docs) stay out.
            'pytest_add_cli_args = ["-p", "no:cacheprovider"]',
            # An endless loop (``i += 1`` to ``i = 1``) is stopped after 3 times the CPU the
            # tests took, not mutmut's default 15 times, which costs an hour on a big module.
            "timeout_multiplier = 3.0",
            "",
        ]
    )
    (work / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text() + config)
    return work


def patterns(functions: list[str]) -> list[str]:
    """The patterns (mutmut's fnmatch) naming the mutants of these functions or methods."""
    return [p for f in functions for p in (f"*.x_{f}__mutmut_*", f"*ǁ{f}__mutmut_*")]


def results(module: str, work: Path, only: list[str] | None = None) -> dict[str, int | None]:
    """The exit code mutmut gave each mutant of the module, empty before the first run.

    ``only``: just the mutants matching these patterns (``patterns``).
    """
    meta = work / "mutants" / f"{source_path(module)}.meta"
    if not meta.exists():
        return {}
    codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
    if only:
        codes = {n: c for n, c in codes.items() if any(fnmatch(n, p) for p in only)}
    return codes


def survivors(module: str, work: Path, only: list[str] | None = None) -> list[str]:
    """The mutants of the module that are neither killed nor equivalent."""
    codes = results(module, work, only)
    return sorted(n for n, c in codes.items() if c not in KILLED and n not in EQUIVALENT)


def score(
    module: str, work: Path, only: list[str] | None = None
) -> tuple[int, int, list[str], list[str]]:
    """Killed, total (equivalents left out), survivors, equivalents found, from mutmut's data."""
    codes = results(module, work, only)
    alive, equivalent, killed = [], [], 0
    for name, code in sorted(codes.items()):
        if name in EQUIVALENT:
            equivalent.append(name)
        elif code in KILLED:
            killed += 1
        else:
            alive.append(f"{name} ({'not run' if code in NOT_RUN else code})")
    return killed, len(codes) - len(equivalent), alive, equivalent


def main(argv: list[str] | None = None) -> int:
    """Run mutmut on the modules named (all by default) and print each one's score."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", metavar="module", help=f"of {', '.join(MODULES)}")
    parser.add_argument("--max-children", type=int, default=1, help="parallel mutants (1)")
    parser.add_argument("--fresh", action="store_true", help="forget earlier results")
    parser.add_argument(
        "--tests",
        nargs="+",
        metavar="file",
        help="test files to run instead of each module's own (a faster, smaller selection)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="function",
        help="mutate and score only these functions or methods (bare names), every time",
    )
    args = parser.parse_args(argv)
    only = patterns(args.only) if args.only else None
    modules = [module_name(m) for m in args.modules]
    unknown = set(modules) - set(MODULES)
    if unknown:
        parser.error(f"no such module: {', '.join(sorted(unknown))}")
    rows = []
    for module in modules or MODULES:
        work = prepare(module, fresh=args.fresh, tests=args.tests)
        command = [str(MUTMUT), "run", "--max-children", str(args.max_children)]
        env = {**os.environ, "HYPOTHESIS_PROFILE": "mutation"}
        # mutmut keeps a survivor's verdict until its function changes: retest the
        # survivors of the last run by name, so that new tests count.
        before = survivors(module, work)
        # first the mutants of changed functions (or all of ``only``'s), then the survivors
        names: list[str] = only or []
        while True:
            done = subprocess.run([*command, *names], cwd=work, env=env, check=False)
            if done.returncode != 0:
                print(f"{module}: mutmut failed ({done.returncode})", file=sys.stderr)
                return done.returncode
            if names or not (names := [n for n in before if n in survivors(module, work)]):
                break
        killed, total, alive, equivalent = score(module, work, only)
        rows.append((module, killed, total))
        print(f"\n{module}: {killed} / {total} killed", end="")
        print(f" ({100 * killed / total:.0f} %)" if total else "")
        for name in alive:
            print(f"    survived: {name}")
        for name in equivalent:
            print(f"    equivalent: {name}: {EQUIVALENT[name]}")
    print("\n| module | killed / total | score |\n|---|---|---|")
    for module, killed, total in rows:
        print(f"| {module} | {killed} / {total} | {100 * killed / total if total else 100:.0f} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
