"""``course serve``: feedback within a minute of ``nbgrader submit``, from the course's engine.

A long-running process for one course watches nbgrader's exchange
(``<root>/<course_id>/inbound/``) and, for each submission, in arrival order
per student: takes a private copy, grades it with the engine, records the
grade in the grade history (reason ``submitted``) and writes the feedback
where ``nbgrader fetch_feedback`` finds it. One role per module:

- exchange: where the exchange is, what an inbound folder's name says, the
  feedback file names (nbgrader's own notebook hash), writing there;
- intake: the private copy of one submission (no links, sizes bounded) and
  the submission time the service trusts;
- limits: ``[serve] max_per_hour`` and ``cooldown_minutes``;
- feedback: what the student sees (visible tests before the due date,
  everything after), rendered from templates/serve/;
- state: what was done, on disk (the ledger is the record of a grade; a
  marker file per submission says its feedback was delivered);
- service: the loop (watchfiles and a periodic rescan, forked workers or a
  Dask scheduler, retries), logging;
- status: ``course serve --status``.
"""
