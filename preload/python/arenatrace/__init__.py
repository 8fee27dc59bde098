"""arenatrace's in-process API, for programs that may run without it.

In a process started by `arenatrace run` (or with the preload and
ARENATRACE_OUTPUT set), the engine installs its own `arenatrace` module in
sys.modules before __main__ runs, and these calls reach the trace. Anywhere
else, with this package on the path, they do nothing: a program can call them
unconditionally.
"""

__all__ = ["mark", "snapshot", "pause", "resume", "paused", "is_recording"]


def mark(label=""):
    """Records a mark with `label` in the trace."""


def snapshot(label=""):
    """Asks the analyzer for a snapshot of the heap at this moment."""


def pause():
    """Allocations are not recorded until the matching resume() (calls nest)."""


def resume():
    """Ends the innermost pause()."""


def is_recording():
    """True when arenatrace records this process (never, here)."""
    return False


class paused:
    """with arenatrace.paused(): allocations made inside are not recorded."""

    __slots__ = ()

    def __enter__(self):
        pause()
        return self

    def __exit__(self, *exc_info):
        resume()
        return False
