"""PYTHONMALLOC, development mode and arenatrace's own options behave as
docs/ALLOCATOR.md and docs/USAGE.md say."""
import unittest

from harness import ARENATRACE, PRELOAD, TestCase, clean_env, python_program, run

SHOW_ENV = python_program("""
    import os, sys
    print(os.environ.get("PYTHONMALLOC"), sys.flags.dev_mode, len([str(i) for i in range(50_000)]))
""")


class StartupOptionsTest(TestCase):

    def assertNotServed(self, traced):
        self.assertEqual(len(traced.stats), 1, traced.stats)
        self.assertFalse(traced.stats[0]["hooks_installed"])

    def test_pythonmalloc_keeps_cpythons_allocator_and_says_so(self):
        for value in ("malloc", "pymalloc", "debug"):
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
        traced = run(command, env=clean_env(PYTHONMALLOC="malloc"))
        self.assertEqual(traced.returncode, 0, traced.stderr)
        self.assertEqual(traced.stderr, "")
        self.assertTrue(traced.stats[0]["hooks_installed"])

    def test_empty_pythonmalloc_is_not_a_choice(self):
        traced = run(SHOW_ENV, env=clean_env(PYTHONMALLOC=""))
        self.assertEqual(traced.stderr, "")
        self.assertTrue(traced.stats[0]["hooks_installed"])

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
        self.assertEqual(traced.stats[0]["allocator"], "pymalloc")
        self.assertNotServed(traced)

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
