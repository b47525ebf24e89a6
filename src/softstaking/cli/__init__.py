"""The ``softstaking`` command line: one module per command, and ``options`` for what they share.

It sits on top of the library and imports it; nothing in the library imports it.
"""

from softstaking.cli.app import main, parser
from softstaking.cli.options import EXIT_BAD_INPUT, EXIT_BROKEN_PIPE, EXIT_DISAGREE, EXIT_OK

__all__ = ["EXIT_BAD_INPUT", "EXIT_BROKEN_PIPE", "EXIT_DISAGREE", "EXIT_OK", "main", "parser"]
