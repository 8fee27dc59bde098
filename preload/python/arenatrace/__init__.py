"""arenatrace's in-process API, for programs that may run without it.

In a process started by `arenatrace run` (or with the preload), the engine
provides its own `arenatrace` module, found after everything on sys.path. When
this package is found first, it hands over to the engine's module, and these
calls reach the trace. Anywhere else they do nothing: a program can call them
unconditionally.
"""

import sys as _sys

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


def _engine_module():
    for finder in _sys.meta_path:
        module = getattr(finder, "arenatrace_engine_module", None)
        if module is not None:
            return module
    return None


_engine = _engine_module()
if _engine is not None:
    mark = _engine.mark
    snapshot = _engine.snapshot
    pause = _engine.pause
    resume = _engine.resume
    is_recording = _engine.is_recording
    paused = _engine.paused
del _engine
