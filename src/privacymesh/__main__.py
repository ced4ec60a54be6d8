"""`python -m privacymesh`: the command line."""

from privacymesh.cli import main

main()
