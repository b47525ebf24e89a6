"""Griffe extension: attrs classes get the ``__init__`` signature attrs generates.

Griffe reads source, and attrs writes ``__init__`` at import time, so without this the
API reference shows no signature for the library's value classes and marks every
documented argument as required. The extension imports each class that has no
``__init__`` in its source and, if it is an attrs class, copies the generated signature,
defaults included. It runs only when the documentation is built.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import attrs
import griffe


def _default(runtime: type, name: str, value: object) -> str | None:
    if value is inspect.Parameter.empty:
        return None
    if value is attrs.NOTHING:  # a factory: show what it builds
        field = attrs.fields_dict(runtime).get(name) or attrs.fields_dict(runtime).get(f"_{name}")
        factory = getattr(getattr(field, "default", None), "factory", None)
        return f"{factory.__name__}()" if factory is not None else "..."
    return repr(value)


def _annotation(value: object) -> str | None:
    if value is inspect.Parameter.empty:
        return None
    return value if isinstance(value, str) else inspect.formatannotation(value)


class AttrsInit(griffe.Extension):
    """Give attrs classes their generated ``__init__`` signature."""

    def on_class_members(self, *, cls: griffe.Class, **kwargs: Any) -> None:  # noqa: ANN401
        """Add ``__init__`` to an attrs class whose source has none."""
        if "__init__" in cls.members:
            return
        try:
            runtime = getattr(importlib.import_module(cls.module.path), cls.name)
        except (ImportError, AttributeError):
            return
        if not attrs.has(runtime):
            return
        parameters = griffe.Parameters(griffe.Parameter("self"))
        for p in inspect.signature(runtime.__init__).parameters.values():
            if p.name == "self":
                continue
            parameters.add(
                griffe.Parameter(
                    p.name,
                    annotation=_annotation(p.annotation),
                    kind=griffe.ParameterKind[p.kind.name.lower()],
                    default=_default(runtime, p.name, p.default),
                )
            )
        init = griffe.Function("__init__", parameters=parameters, parent=cls)
        cls.set_member("__init__", init)
