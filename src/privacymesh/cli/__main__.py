"""`python -m privacymesh.cli`."""

from privacymesh.cli import main

main()
