"""The `arenatrace` module: importable in every process `arenatrace run`
starts, a no-op package without the preload, and what its calls (and the
mark signal) put in the trace."""
import os
import signal
import subprocess
import tempfile
import unittest

from harness import (PYTHON, TestCase, clean_env, line_of, python_program, record, run, site_at,
                     summary)

PACKAGE_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "preload", "python")

USES_THE_API = """
    import arenatrace
    arenatrace.mark("m")
    arenatrace.snapshot("s")
    with arenatrace.paused():
        arenatrace.pause()
        arenatrace.resume()
    print(arenatrace.is_recording())
"""


class ModuleTest(TestCase):

    def test_importable_when_nothing_is_recorded(self):
        for options in (["--no-trace"], ["--no-trace", "--allocator=pymalloc"]):
            with self.subTest(options=options):
                result = run(python_program(USES_THE_API), options=options)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout, "False\n")
                self.assertEqual(result.stderr, "")

    def test_package_is_a_no_op_without_the_preload(self):
        result = subprocess.run(python_program(USES_THE_API), capture_output=True, text=True,
                                env=clean_env(PYTHONPATH=os.path.abspath(PACKAGE_DIR)))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "False\n")

    def test_marks_snapshots_pauses_and_the_mark_signal(self):
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, script = record("""
                import arenatrace, os, signal, time
                arenatrace.mark("before")
                with arenatrace.paused():
                    hidden = [bytearray(4000) for _ in range(500)]  # HIDDEN SITE
                visible = [bytearray(4000) for _ in range(50)]  # VISIBLE SITE
                del hidden
                arenatrace.snapshot("after")
                os.kill(os.getpid(), signal.SIGUSR2)
                time.sleep(0.2)  # the writer thread records the signal's mark
                print(arenatrace.is_recording())
            """, tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stdout, "True\n")
            status, report, _ = summary(trace, "--top", "100")
            hidden_line = line_of(script, "# HIDDEN SITE")
            visible_line = line_of(script, "# VISIBLE SITE")
        self.assertEqual(status, 0)
        self.assertIsNone(site_at(report, script, hidden_line))
        visible = site_at(report, script, visible_line)
        self.assertIsNotNone(visible, report["top_sites"])
        self.assertGreaterEqual(visible["allocs"], 50)
        self.assertEqual([m["label"] for m in report["marks"]], ["before", "signal SIGUSR2"])
        self.assertEqual([s["label"] for s in report["snapshot_requests"]], ["after"])
        self.assertEqual(report["pauses"], 1)
        self.assertLessEqual(report["marks"][0]["micros"],
                             report["snapshot_requests"][0]["micros"])

    def test_a_program_handling_the_mark_signal_keeps_its_handler(self):
        source = """
            import os, signal
            signal.signal(signal.SIGUSR2, lambda *_: print("handled"))
            os.kill(os.getpid(), signal.SIGUSR2)
        """
        plain = subprocess.run(python_program(source), capture_output=True, text=True,
                               env=clean_env())
        with tempfile.TemporaryDirectory() as tmp:
            traced, trace, _ = record(source, tmp)
            _, report, _ = summary(trace)
        self.assertEqual(traced.stdout, plain.stdout)
        self.assertEqual(traced.returncode, 0)
        self.assertEqual(report["marks"], [])

    def test_mark_signal_can_be_turned_off(self):
        with tempfile.TemporaryDirectory() as tmp:
            traced, _, _ = record("""
                import os, signal, time
                os.kill(os.getpid(), signal.SIGUSR2)
                time.sleep(5)
            """, tmp, options=["--mark-signal=none"])
        self.assertEqual(traced.returncode, -signal.SIGUSR2)  # as without arenatrace


if __name__ == "__main__":
    unittest.main()
