"""PYTHONMALLOC, development mode and arenatrace's own options behave as
docs/ALLOCATOR.md and docs/USAGE.md say."""
import unittest

from harness import (ARENATRACE, FREE_THREADED, OWN_ALLOCATOR, PRELOAD, TestCase, clean_env,
                     python_program, run)

SHOW_ENV = python_program("""
    import os, sys
    print(os.environ.get("PYTHONMALLOC"), sys.flags.dev_mode, len([str(i) for i in range(50_000)]))
""")

# PYTHONMALLOC values this build accepts: the free-threaded build has neither
# pymalloc nor plain malloc for objects.
PYTHONMALLOC_VALUES = ("mimalloc", "debug") if FREE_THREADED else ("malloc", "pymalloc", "debug")
FREE_THREADED_LINE = ("arenatrace: the free-threaded build keeps CPython's allocator (mimalloc: "
                      "its garbage collector walks mimalloc's heaps); arenatrace's allocator is "
                      "not used in this process\n")


class StartupOptionsTest(TestCase):

    def assertNotServed(self, traced):
        self.assertEqual(len(traced.stats), 1, traced.stats)
        self.assertFalse(traced.stats[0]["hooks_installed"])

    def assertEngaged(self, traced):
        """Served by arenatrace's allocator; on the free-threaded build, CPython's kept."""
        self.assertEqual(len(traced.engaged()), 1, traced.stats)

    def test_pythonmalloc_keeps_cpythons_allocator_and_says_so(self):
        for value in PYTHONMALLOC_VALUES:
            with self.subTest(value=value):
                env = clean_env(PYTHONMALLOC=value)
                plain = run(SHOW_ENV, env=env, traced=False)
                traced = run(SHOW_ENV, env=env)
                self.assertEqual(traced.stdout, plain.stdout)  # the program still sees it
                self.assertEqual(traced.stderr.count("\n"), 1, traced.stderr)
                self.assertIn("PYTHONMALLOC=%s selects CPython's allocator" % value, traced.stderr)
                self.assertNotServed(traced)

    def test_pythonmalloc_is_ignored_with_dash_E_like_python_does(self):
        command = SHOW_ENV[:1] + ["-E"] + SHOW_ENV[1:]
        traced = run(command, env=clean_env(PYTHONMALLOC=PYTHONMALLOC_VALUES[0]))
        self.assertEqual(traced.returncode, 0, traced.stderr)
        self.assertEqual(traced.stderr, "")
        self.assertEngaged(traced)

    def test_empty_pythonmalloc_is_not_a_choice(self):
        traced = run(SHOW_ENV, env=clean_env(PYTHONMALLOC=""))
        self.assertEqual(traced.stderr, "")
        self.assertEngaged(traced)

    def test_dev_mode_keeps_cpythons_debug_allocator_and_says_so(self):
        cases = {
            "-X dev": (SHOW_ENV[:1] + ["-X", "dev"] + SHOW_ENV[1:], clean_env()),
            "PYTHONDEVMODE": (SHOW_ENV, clean_env(PYTHONDEVMODE="1")),
        }
        for name, (command, env) in cases.items():
            with self.subTest(name):
                plain = run(command, env=env, traced=False)
                traced = run(command, env=env)
                self.assertEqual(traced.stdout, plain.stdout)
                self.assertIn("True", traced.stdout)
                self.assertIn("development mode", traced.stderr)
                self.assertEqual(traced.stderr.count("arenatrace:"), 1, traced.stderr)
                self.assertNotServed(traced)

    def test_allocator_pymalloc_changes_nothing(self):
        plain = run(SHOW_ENV, traced=False)
        traced = run(SHOW_ENV, options=["--no-trace", "--allocator=pymalloc"])
        self.assertSameOutput(plain, traced)
        self.assertEqual(traced.stats[0]["allocator"], OWN_ALLOCATOR)
        self.assertNotServed(traced)

    @unittest.skipUnless(FREE_THREADED, "only the free-threaded build keeps CPython's allocator")
    def test_stats_on_the_free_threaded_build_say_why_nothing_is_served(self):
        plain = run(SHOW_ENV, traced=False)
        traced = run(SHOW_ENV, options=["--no-trace", "--stats"])
        self.assertEqual(traced.returncode, 0)
        self.assertEqual(traced.stdout, plain.stdout)
        self.assertTrue(traced.stderr.startswith(FREE_THREADED_LINE), traced.stderr)
        self.assertIn("(Python 3.", traced.stderr)
        self.assertIn(", allocator mimalloc)", traced.stderr)
        self.assertNotServed(traced)
        # Without --stats, not a word: the program's stderr is its own.
        self.assertSameOutput(plain, run(SHOW_ENV))

    @unittest.skipIf(FREE_THREADED, "the free-threaded build keeps mimalloc: no table to print")
    def test_stats_table_on_stderr(self):
        traced = run(SHOW_ENV, options=["--no-trace", "--stats"])
        self.assertEqual(traced.returncode, 0)
        self.assertIn("arenatrace: allocator statistics for pid", traced.stderr)
        self.assertRegex(traced.stderr, r"arenas \(1 MiB\): \d+ mapped now, [1-9]\d* at peak")
        self.assertRegex(traced.stderr, r"small blocks: [1-9]\d* allocated")
        self.assertRegex(traced.stderr, r"\n\s+16\s+[1-9]\d*\s")  # the 16-byte class row

    def test_unknown_allocator_value_in_environment_falls_back_with_a_message(self):
        # Set by hand (arenatrace run validates its own option).
        env = clean_env(LD_PRELOAD=PRELOAD, ARENATRACE_ALLOCATOR="jemalloc", ARENATRACE_STATS="1")
        traced = run(SHOW_ENV, env=env, traced=False)
        self.assertEqual(traced.returncode, 0)
        self.assertIn("ARENATRACE_ALLOCATOR=jemalloc is not one of", traced.stderr)
        if FREE_THREADED:  # the default, arenatrace, is not possible there
            self.assertIn(FREE_THREADED_LINE, traced.stderr)
            self.assertIn("allocator mimalloc)", traced.stderr)
        else:
            self.assertIn("allocator arenatrace)", traced.stderr)
            self.assertRegex(traced.stderr, r"small blocks: [1-9]\d* allocated")

    def test_bad_run_options_are_usage_errors(self):
        import subprocess
        for argv, message in (
            (["run", "--allocator=tcmalloc", "--", "true"], "--allocator must be"),
            (["run", "--frobnicate", "--", "true"], "unknown option '--frobnicate'"),
            (["run"], "no command to run"),
            (["frobnicate"], "unknown command 'frobnicate'"),
        ):
            with self.subTest(argv=argv):
                result = subprocess.run([ARENATRACE, *argv], capture_output=True, text=True)
                self.assertEqual(result.returncode, 2)
                self.assertIn(message, result.stderr)


if __name__ == "__main__":
    unittest.main()
