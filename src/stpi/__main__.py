"""``python -m stpi`` runs the stpi command."""

from stpi.cli import main

main()
