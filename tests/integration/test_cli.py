"""The trace commands as a hostile user drives them: strings that are not
UTF-8 or carry terminal escapes, pipes, wrong options, every subcommand on a
real trace. Each command gives a report or one clear line and its exit
status; none aborts."""
import json
import os
import subprocess
import tempfile
import threading
import unittest

from harness import ARENATRACE, PYTHON, TestCase, clean_env, record

COMMANDS = ["summary", "peak", "leaks", "temporary", "allocated", "generations", "timeline",
            "fragmentation"]


def arenatrace(*args, timeout=120):
    return subprocess.run([ARENATRACE, *args], capture_output=True, timeout=timeout)


class CliTest(TestCase):

    def test_names_that_are_not_utf8_are_reported_not_fatal(self):
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp.encode(), b"app\xff.py")
            with open(script, "w") as f:
                f.write("import arenatrace\n"
                        "arenatrace.mark('caf\\xe9 \\u20ac')\n"
                        "data = [str(i) for i in range(2000)]\n")
            trace = os.path.join(tmp, "out.atrace")
            run = subprocess.run([ARENATRACE, "run", "-o", trace, "--", PYTHON, script],
                                 env=clean_env(), capture_output=True, cwd=tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            for command in COMMANDS:
                result = arenatrace(command, "--json", trace)
                self.assertEqual(result.returncode, 0, (command, result.stderr))
                report = json.loads(result.stdout)  # valid JSON, UTF-8
                self.assertIsInstance(report, dict)
            summary = json.loads(arenatrace("summary", "--json", trace).stdout)
            self.assertEqual(summary["argv"][-1], tmp + "/app\ufffd.py")
            text = arenatrace("summary", trace)
            self.assertEqual(text.returncode, 0)
            self.assertIn(b"app\\xff.py", text.stdout)
            dump = arenatrace("dump", trace)
            self.assertEqual(dump.returncode, 0)
            self.assertNotIn(b"\xff", dump.stdout)

    def test_text_output_passes_no_control_characters(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, _ = record("""
                import arenatrace
                arenatrace.mark("\\x1b[2J\\x1b[31mred\\nsecond line")
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            program = subprocess.run([ARENATRACE, "run", "-o", os.path.join(tmp, "c.atrace"),
                                      "--", PYTHON, "-c", "x = 1\ny = [2] * 10\nprint(x)"],
                                     env=clean_env(), capture_output=True, cwd=tmp)
            self.assertEqual(program.returncode, 0, program.stderr)
            outputs = [arenatrace(command, trace).stdout for command in COMMANDS]
            outputs.append(arenatrace("dump", trace).stdout)
            multi_line = arenatrace("summary", os.path.join(tmp, "c.atrace")).stdout
        for output in outputs + [multi_line]:
            self.assertNotIn(b"\x1b", output)
        self.assertIn(b"\\x1b[31mred\\nsecond line", outputs[0])
        process_line = [l for l in multi_line.splitlines() if l.strip().startswith(b"process:")]
        self.assertEqual(len(process_line), 1)
        self.assertIn(b"-c x = 1\\ny = [2] * 10\\nprint(x)", process_line[0])

    def test_a_fifo_is_refused_at_once(self):
        with tempfile.TemporaryDirectory() as tmp:
            fifo = os.path.join(tmp, "pipe")
            os.mkfifo(fifo)
            # A writer that never writes: reading the FIFO would wait forever.
            holder = threading.Thread(target=lambda: open(fifo, "wb").close(), daemon=True)
            for command in COMMANDS + ["dump"]:
                result = arenatrace(command, fifo, timeout=60)
                self.assertEqual(result.returncode, 1, command)
                self.assertEqual(result.stderr.count(b"\n"), 1, result.stderr)
                self.assertIn(b"a pipe (FIFO), not a regular file", result.stderr)
            del holder

    def test_options_are_spelled_the_same_everywhere(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, _ = record("x = [str(i) for i in range(1000)]\n", tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            for command in ["peak", "leaks", "temporary", "allocated"]:
                for top in (["--top=3"], ["--top", "3"]):
                    result = arenatrace(command, "--json", *top, trace)
                    self.assertEqual(result.returncode, 0, (command, result.stderr))
                    report = json.loads(result.stdout)
                    self.assertLessEqual(
                        len(report["processes"][0][command]["profile"]["sites"]), 3)
            out = os.path.join(tmp, "peak.json")
            self.assertEqual(arenatrace("peak", "--json", "-o", out, trace).returncode, 0)
            with open(out) as f:
                self.assertEqual(json.load(f)["command"], "peak")
            summary = arenatrace("summary", "--top=2", "--json", trace)
            self.assertEqual(len(json.loads(summary.stdout)["top_sites"]), 2)

    def test_usage_errors_get_one_line_and_exit_2(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, _ = record("x = 1\n", tmp)
            cases = [("peak", "--no-such-option", trace), ("peak",), ("leaks", "--top", "x", trace),
                     ("peak", "--domain", "heap", trace), ("leaks", "--from", "soon", trace),
                     ("peak", "--from", "2s", "--to", "1s", trace), ("no-such-command",),
                     ("export", trace), ("diff", trace), ("peak", "--pid", "1", trace)]
            for args in cases:
                result = arenatrace(*args)
                self.assertEqual(result.returncode, 2, (args, result.stderr))
                first = result.stderr.decode().splitlines()[0]
                self.assertTrue(first.startswith("arenatrace"), (args, first))
        version = arenatrace("--version")
        self.assertEqual(version.returncode, 0)
        self.assertRegex(version.stdout.decode(), r"^arenatrace \d+\.\d+\.\d+ \(trace format \d+\)\n$")
        self.assertEqual(arenatrace("peak", "--help").returncode, 0)

    def test_missing_and_foreign_files_get_one_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            foreign = os.path.join(tmp, "notes.txt")
            with open(foreign, "w") as f:
                f.write("hello\n")
            for path, why in [(os.path.join(tmp, "missing.atrace"), b"cannot open"),
                              (foreign, b"not an arenatrace trace (it starts with 'hello"),
                              (tmp, b"a directory, not a regular file")]:
                for command in COMMANDS:
                    result = arenatrace(command, path)
                    self.assertEqual(result.returncode, 1, (command, path))
                    self.assertEqual(result.stderr.count(b"\n"), 1, result.stderr)
                    self.assertIn(why, result.stderr)

    def test_a_cut_short_trace_is_read_up_to_its_last_intact_chunk(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, _ = record("""
                data = [str(i) * 4 for i in range(300000)]
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            size = os.path.getsize(trace)
            with open(trace, "r+b") as f:
                f.truncate(size * 2 // 3)
            for command in COMMANDS:
                result = arenatrace(command, "--json", trace)
                self.assertEqual(result.returncode, 3, command)
                self.assertIn(b"the trace is incomplete", result.stderr)
                report = json.loads(result.stdout)
                process = report if command == "summary" else report["processes"][0]
                self.assertEqual(process["status"], "cut_short")
                self.assertIn("the file ends inside", process["problem"])


if __name__ == "__main__":
    unittest.main()
