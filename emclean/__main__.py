"""`python -m emclean`."""

from .cli import main

main()
