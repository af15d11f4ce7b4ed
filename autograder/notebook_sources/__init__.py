"""Cell sources of the assignment notebooks (see autograder/notebooks.py)."""
