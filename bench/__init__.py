"""`make bench`: each figure measured beside its reference in one run (see README.md)."""
