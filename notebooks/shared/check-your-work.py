# %% [markdown]
# **Check your work** with the public tests: in a terminal in this folder run `pytest -q`
# (or `python -m pytest -q`); from this notebook, run the cell at the end. **Before you hand
# in**, run `python check.py` in this folder (or `import check; check.run()` here): it runs
# your module the way the grader does and says READY or what to fix first.
#
# **Editing `{{ module }}`:** the first code cell turns on `autoreload`, so every cell you run
# uses the latest saved version of `{{ module }}` without restarting the kernel.
