"""The grading engine: untrusted student code in a sandboxed child process,
hidden pytest graders in the trusted parent, plain data in between."""
