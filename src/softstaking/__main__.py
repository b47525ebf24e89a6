"""``python -m softstaking``: the command line."""

import sys

from softstaking.cli import main

if __name__ == "__main__":
    sys.exit(main())
