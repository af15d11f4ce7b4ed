"""How student code is isolated: the policy (what the child sees, its limits,
which mode this machine allows) lives here; nsjail does the mechanism.

- probe.py:   which isolation mode this machine gives, and why not a stronger one
- nsjail.py:  the nsjail command line for one child (mounts, namespaces, limits)
- cgroups.py: the per-submission cgroups (v1 or v2) nsjail puts a child in
- uid.py:     the fallback without namespaces: a separate unprivileged uid
- cleanup.py: what a child may leave behind (processes, files, IPC objects)
"""
