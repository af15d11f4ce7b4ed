"""``course gradescope ID --out FILE.zip``: a Gradescope autograder bundle.

bundle.py writes the zip, scripts.py renders its two shell scripts,
requirements.py its requirements.txt, run.py grades one submission (run by
run_autograder), upload.py takes a student's upload apart for it, schema.py
is Gradescope's results format.

Gradescope unpacks the zip into /autograder/source, runs ``setup.sh`` once
when it builds the image and ``run_autograder`` (copied to /autograder/) for
every submission; the student's files are in /autograder/submission and the
score must end up in /autograder/results/results.json. The zip holds:

    setup.sh          installs Python 3.11+ and the pinned requirements (nsjail
                      with them) in a venv, compiles the bundle and records where
                      the packages are (run_autograder then starts Python with -S);
                      system packages only on Gradescope
    run_autograder    makes the bundle unreadable to other users and runs run.py,
                      which takes the upload apart safely (upload.py), lays it out
                      as SUBMISSIONS/<student>/<ID>/, grades it with `course grade`
                      in the same process and copies results.json into place
    requirements.txt  the pinned dependencies of pyproject.toml, less the notebook tooling
    autograder/       the engine and the graders' toolkit
    graders/          of the hidden graders only test_<ID>.py
    solutions/        the reference of the assignment and of the modules it is given
    assignments/<ID>/ the stubs and provided modules
    data/             the MNIST reader; mnist/ the MNIST files, only if the
                      assignment uses them
    course.toml, pyproject.toml

Both scripts are templates (templates/gradescope/*.j2). Nothing of the bundle reaches students,
but it is the reference: keep the zip
private. ``AUTOGRADER_ROOT`` (default /autograder) moves the whole layout, so
tests run the real scripts against a temporary folder.
"""
