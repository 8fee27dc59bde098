"""Runs Python programs under the preload and reads what arenatrace reports.

The interpreter under test is $ARENATRACE_TEST_PYTHON; the build tree is
$ARENATRACE_BUILD_DIR. Tests drive real subprocesses only.
"""
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

PYTHON = os.environ.get("ARENATRACE_TEST_PYTHON", sys.executable)
BUILD_DIR = os.environ.get(
    "ARENATRACE_BUILD_DIR",
    os.path.join(os.path.dirname(__file__), "..", "..", "build"))
ARENATRACE = os.path.join(BUILD_DIR, "bin", "arenatrace")
PRELOAD = os.path.join(BUILD_DIR, "lib", "libarenatrace.so")


def python_version():
    out = subprocess.run([PYTHON, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                         check=True, capture_output=True, text=True).stdout
    return tuple(int(x) for x in out.split("."))


def size_of(expression):
    """sys.getsizeof(expression) in the interpreter under test: object layouts
    differ between versions and builds (the free-threaded header is larger)."""
    out = subprocess.run([PYTHON, "-c", "import sys; print(sys.getsizeof(%s))" % expression],
                         check=True, capture_output=True, text=True).stdout
    return int(out)


def _is_free_threaded():
    out = subprocess.run([PYTHON, "-c", "import sysconfig; "
                          "print(sysconfig.get_config_var('Py_GIL_DISABLED') or 0)"],
                         check=True, capture_output=True, text=True).stdout
    return out.strip() == "1"


# The free-threaded build (3.14t) keeps CPython's allocator, mimalloc: its
# garbage collector walks mimalloc's heaps (docs/ALLOCATOR.md). arenatrace
# records there, wrapping it.
FREE_THREADED = _is_free_threaded()
OWN_ALLOCATOR = "mimalloc" if FREE_THREADED else "pymalloc"
NOT_SERVED_WHEN_FREE_THREADED = "the free-threaded build keeps mimalloc: nothing is served"


def clean_env(**extra):
    """The caller's environment without anything that changes Python's allocator."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ARENATRACE_", "PYTHON")) and k != "LD_PRELOAD"}
    # The interpreter under test is python3 on PATH, for commands that say "python3".
    env["PATH"] = os.path.dirname(PYTHON) + os.pathsep + env.get("PATH", "")
    env.update(extra)
    return env


class Run:
    """One finished process tree: its output and each Python's statistics."""

    def __init__(self, completed, stats):
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.stats = stats

    def served(self):
        """Statistics of the processes whose Python objects we served."""
        return [s for s in self.stats if s["hooks_installed"] and s["small_allocs"] > 0]

    def engaged(self):
        """Statistics of the Python processes the engine ran in: those we
        served, or on the free-threaded build, where CPython's allocator is
        kept, those that report it kept."""
        if FREE_THREADED:
            return [s for s in self.stats
                    if s["allocator"] == OWN_ALLOCATOR and not s["hooks_installed"]]
        return self.served()


def run(command, *, options=("--no-trace",), env=None, traced=True, timeout=600, stdin=None):
    """Runs `command` (a list) via `arenatrace run`, or plainly if not traced.

    By default nothing is recorded (--no-trace): these runs test the allocator
    and the process tree; recording has its own tests (test_recording.py).
    """
    env = clean_env() if env is None else env
    with tempfile.TemporaryDirectory() as tmp:
        stats_path = os.path.join(tmp, "stats.jsonl")
        if traced:
            argv = [ARENATRACE, "run", "--stats-json=" + stats_path, *options, "--", *command]
        else:
            argv = list(command)
        completed = subprocess.run(argv, env=env, capture_output=True, text=True,
                                   timeout=timeout, input=stdin)
        stats = []
        if os.path.exists(stats_path):
            with open(stats_path) as f:
                stats = [json.loads(line) for line in f]
    return Run(completed, stats)


def python_program(source):
    """argv running `source` (dedented) with the interpreter under test."""
    return [PYTHON, "-c", textwrap.dedent(source)]


class TestCase(unittest.TestCase):
    maxDiff = None

    def assertSameOutput(self, plain, traced):
        self.assertEqual(plain.returncode, traced.returncode, traced.stderr)
        self.assertEqual(plain.stdout, traced.stdout)
        self.assertEqual(plain.stderr, traced.stderr)


def summary(trace, *extra):
    """`arenatrace summary --json` of a trace: (exit status, parsed report)."""
    result = subprocess.run([ARENATRACE, "summary", "--json", *extra, trace],
                            capture_output=True, text=True)
    report = json.loads(result.stdout) if result.stdout.strip() else None
    return result.returncode, report, result.stderr


def record(source, tmp, *, options=(), env=None, timeout=600):
    """Runs Python `source` (dedented, written to app.py in `tmp`) under
    `arenatrace run -o tmp/out.atrace`. Returns (Run, trace path, script path)."""
    script = os.path.join(tmp, "app.py")
    with open(script, "w") as f:
        f.write(textwrap.dedent(source))
    trace = os.path.join(tmp, "out.atrace")
    completed = subprocess.run(
        [ARENATRACE, "run", "-o", trace, *options, "--", PYTHON, script],
        env=clean_env() if env is None else env, capture_output=True, text=True,
        timeout=timeout, cwd=tmp)
    return Run(completed, []), trace, script


def line_of(script, marker):
    """The 1-based line of `script` that contains `marker`."""
    with open(script) as f:
        for number, line in enumerate(f, 1):
            if marker in line:
                return number
    raise AssertionError("%r not in %s" % (marker, script))


def site_at(report, script, line):
    """The top allocation site of `report` whose innermost frame is script:line."""
    for site in report["top_sites"]:
        if site["stack"] and site["stack"][0]["file"] == script and site["stack"][0]["line"] == line:
            return site
    return None
