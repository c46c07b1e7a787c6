"""``python -m spidergate.local``: see ``spidergate.local.run``."""

import sys

from spidergate.local.run import main

sys.exit(main())
