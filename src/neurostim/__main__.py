"""``python -m neurostim``: the same command as the ``neurostim`` script."""

from neurostim.cli import main

main()
