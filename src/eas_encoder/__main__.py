"""``python -m eas_encoder`` runs the CLI."""

import sys

from .cli import main

sys.exit(main())
