"""Process trees behave exactly as without arenatrace: shells, wrappers, exec,
non-Python children, unsupported Pythons."""
import glob
import os
import re
import subprocess
import tempfile
import unittest

from harness import (ARENATRACE, FREE_THREADED, OWN_ALLOCATOR, PRELOAD, PYTHON, TestCase,
                     clean_env, run)


class ProcessTreeTest(TestCase):

    def test_bash_running_python_then_ls(self):
        with tempfile.TemporaryDirectory() as tmp:
            for name in ("a.txt", "b.txt"):
                open(os.path.join(tmp, name), "w").close()
            command = ["bash", "-c",
                       'python3 -c "import sys; print(sorted({str(i) for i in range(99)})[:3]);'
                       ' print(\'err\', file=sys.stderr)"; ls "%s"; exit 4' % tmp]
            plain = run(command, traced=False)
            traced = run(command)
        self.assertSameOutput(plain, traced)
        self.assertEqual(traced.returncode, 4)
        self.assertEqual(len(traced.engaged()), 1)  # python3 served; bash and ls dormant

    def test_through_a_pyenv_shim(self):
        # PYTHON is .../versions/X.Y.Z/bin/python3; the shims sit in .../shims.
        version_dir = os.path.dirname(os.path.dirname(PYTHON))
        root = os.path.dirname(os.path.dirname(version_dir))
        shim = os.path.join(root, "shims", "python3")
        if os.path.basename(os.path.dirname(version_dir)) != "versions" or not os.path.exists(shim):
            self.skipTest("%s is not a pyenv install with shims" % PYTHON)
        env = clean_env(PYENV_VERSION=os.path.basename(version_dir), PYENV_ROOT=root)
        command = [shim, "-c", "import sys; print(sys.executable, len({i: i for i in range(9999)}))"]
        plain = run(command, env=env, traced=False)
        traced = run(command, env=env)
        self.assertSameOutput(plain, traced)
        self.assertIn(version_dir, traced.stdout)
        self.assertEqual(len(traced.engaged()), 1)  # the shim's bash and pyenv stay dormant

    def test_non_python_programs_stay_dormant_and_silent(self):
        command = ["sh", "-c", 'echo "$LD_PRELOAD" | grep -c libarenatrace; cat /dev/null; exit 3']
        traced = run(command)
        self.assertEqual(traced.returncode, 3)
        self.assertEqual(traced.stdout, "1\n")  # the preload is passed on to children
        self.assertEqual(traced.stderr, "")
        self.assertEqual(traced.stats, [])

    def test_python_started_by_python_is_served(self):
        command = [PYTHON, "-c",
                   "import subprocess, sys; r = subprocess.run([sys.executable, '-c', "
                   "'print(sum(range(10)))'], capture_output=True, text=True); "
                   "print(r.stdout.strip(), r.returncode)"]
        plain = run(command, traced=False)
        traced = run(command)
        self.assertSameOutput(plain, traced)
        self.assertEqual(len({s["pid"] for s in traced.engaged()}), 2)

    def test_script_form_uses_python3_from_path(self):
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, "hello.py")
            with open(script, "w") as f:
                f.write("import sys\nprint('hello', sys.argv[1:], sys.version_info[:2])\n")
            env = clean_env()
            with tempfile.TemporaryDirectory() as stats_dir:
                stats = os.path.join(stats_dir, "s.jsonl")
                traced = subprocess.run([ARENATRACE, "run", "--no-trace", "--stats-json=" + stats, script,
                                         "x"],
                                        env=env, capture_output=True, text=True)
                served = ""
                if os.path.exists(stats):
                    with open(stats) as f:
                        served = f.read()
            plain = subprocess.run(["python3", script, "x"], env=env, capture_output=True,
                                   text=True)
        self.assertEqual(traced.returncode, 0, traced.stderr)
        self.assertEqual(traced.stdout, plain.stdout)
        if FREE_THREADED:
            self.assertIn('"allocator":"%s"' % OWN_ALLOCATOR, served)
        else:
            self.assertIn('"hooks_installed":true', served)

    def test_exit_status_and_traceback_are_unchanged(self):
        command = [PYTHON, "-c", "import sys\nprint('out')\nraise KeyError('boom')"]
        plain = run(command, traced=False)
        traced = run(command)
        self.assertSameOutput(plain, traced)
        self.assertEqual(traced.returncode, 1)

    def test_stdin_is_passed_through(self):
        command = [PYTHON, "-c", "import sys; print(sys.stdin.read().upper())"]
        traced = run(command, stdin="abc")
        self.assertEqual(traced.stdout, "ABC\n")

    def test_missing_program_is_reported(self):
        traced = run(["no-such-program-arenatrace"])
        self.assertEqual(traced.returncode, 127)
        self.assertIn("cannot run 'no-such-program-arenatrace'", traced.stderr)

    def test_python_without_an_engine_gets_one_line_saying_how_to_build_it(self):
        # The dispatcher alone, with no engine beside it.
        with tempfile.TemporaryDirectory() as tmp:
            lonely = os.path.join(tmp, "libarenatrace.so")
            os.symlink(os.path.abspath(PRELOAD), lonely)
            result = subprocess.run([PYTHON, "-c", "print(6 * 7)"], capture_output=True,
                                    text=True, env=clean_env(LD_PRELOAD=lonely))
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stdout, "42\n")
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        kind = r" \(free-threaded\)" if FREE_THREADED else ""
        match = re.match(r"^arenatrace: no engine for Python 3\.\d+%s: %s/libarenatrace-cp3\d+%s\.so "
                         r"was not built .*; to build it, run arenatrace's scripts/build with "
                         r"(\S+) on PATH or in -DARENATRACE_PYTHONS; this process runs untraced$"
                         % (kind, re.escape(tmp), "t" if FREE_THREADED else ""), lines[0])
        self.assertIsNotNone(match, lines[0])
        self.assertTrue(os.path.samefile(match.group(1), PYTHON), (match.group(1), PYTHON))

    def test_unsupported_python_gets_one_line_and_runs(self):
        old = [p for p in glob.glob(os.path.join(os.path.dirname(os.path.dirname(
            os.path.dirname(PYTHON))), "*", "bin", "python[23]"))
            if subprocess.run([p, "-c", "import sys; sys.exit(sys.version_info >= (3, 8))"],
                              capture_output=True).returncode == 0]
        if not old:
            self.skipTest("no Python older than 3.8 installed next to %s" % PYTHON)
        command = [old[0], "-c", "print(6 * 7)"]
        traced = run(command)
        self.assertEqual(traced.returncode, 0)
        self.assertEqual(traced.stdout, "42\n")
        lines = traced.stderr.splitlines()
        self.assertEqual(len(lines), 1, traced.stderr)
        self.assertRegex(lines[0], r"^arenatrace: Python [23]\.\d+ is not supported .* untraced$")


if __name__ == "__main__":
    unittest.main()
