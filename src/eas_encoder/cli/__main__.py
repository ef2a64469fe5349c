"""``python -m eas_encoder.cli`` runs the CLI."""

import sys

from . import main

sys.exit(main())
