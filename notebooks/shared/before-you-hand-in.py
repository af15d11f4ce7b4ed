# %% [markdown]
# ## Before you hand in
#
# The public tests and the pre-submission check, run with this notebook's own Python
# (`sys.executable`), so they test the same numpy and the same files as the cells above. The
# check runs `{{ module }}` the way the grader does and ends with READY, or with the first thing to fix.

# %%
import subprocess
import sys

tests = subprocess.run([sys.executable, "-m", "pytest", "-q"], capture_output=True, text=True)
print(tests.stdout[-3000:] or tests.stderr[-3000:])

# %%
import check  # check.py, next to this notebook

check.run()
