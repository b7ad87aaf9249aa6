"""`python -m emclean`."""

from .entry import main

main()
