"""arenatrace's in-process API, for programs that may run without it.

In a process recorded by `arenatrace run`, the engine installs its own
`arenatrace` module (sys.modules) before __main__ runs, and these calls reach
the trace. Anywhere else, with this package on the path, they do nothing.
"""

__all__ = ["mark"]


def mark(label=""):
    """Records a mark with `label` in the trace (no-op when not recorded)."""
