"""Assignment notebooks: authored as jupytext percent-format files, built into .ipynb.

notebooks/<ID>.py (beside course.toml) is the source an instructor edits, in
an editor or in Jupyter with jupytext. A cell ``# %% include="NAME"`` stands
for the cells of notebooks/shared/NAME.py, jinja2 templates written once for
every notebook. The modules, one role each:

    source   where the sources are; read one and expand its include cells
    digest   the digest of a notebook's authored cells; was a built notebook edited?
    render   the student's assignments/<ID>/<ID>.ipynb as text, stamped with its digest
    pull     an edited .ipynb back into notebooks/<ID>.py (includes collapse again)
"""
