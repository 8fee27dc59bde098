"""`arenatrace run` as supervisors, terminals and hostile users drive it:
signals reach the program once and its status becomes run's; run reports
only the traces that were written; every option error is one line and exit
status 2."""
import fcntl
import os
import re
import signal
import stat
import subprocess
import tempfile
import termios
import textwrap
import time
import unittest

from harness import ARENATRACE, PYTHON, TestCase, clean_env, summary

VERSION_LINE = r"^arenatrace \d+\.\d+\.\d+ \(trace format \d+\)\n$"


def wait_for(path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return True
        time.sleep(0.02)
    return False


def alive(pid):
    """Whether `pid` runs (a zombie has ended: its status waits for its parent)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class Program:
    """`arenatrace run -o tmp/out.atrace -- python app.py` started in the
    background; the program writes its pid to tmp/ready when it is set up."""

    def __init__(self, tmp, source, *, run_options=(), **popen):
        self.tmp = tmp
        self.ready = os.path.join(tmp, "ready")
        self.trace = os.path.join(tmp, "out.atrace")
        script = os.path.join(tmp, "app.py")
        with open(script, "w") as f:
            f.write("import os\nREADY = %r\n" % self.ready)
            f.write(textwrap.dedent(source))
        self.process = subprocess.Popen(
            [ARENATRACE, "run", "-o", self.trace, *run_options, "--", PYTHON, script],
            env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp, **popen)
        self.pid = None

    def wait_ready(self, test):
        test.assertTrue(wait_for(self.ready), "the program never got ready")
        with open(self.ready) as f:
            self.pid = int(f.read())

    def finish(self, timeout=60):
        try:
            out, err = self.process.communicate(timeout=timeout)
        finally:
            self.kill()
        return self.process.returncode, out.decode(), err.decode()

    def kill(self):
        # An orphan left by a failing test must not outlive it.
        if self.process.poll() is None:
            self.process.kill()
        if self.pid is not None and alive(self.pid):
            os.kill(self.pid, signal.SIGKILL)


HANDLES_SIGNALS = """
    import signal, sys, time
    received = []
    def handler(sig, frame):
        received.append(sig)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, handler)
    with open(READY + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(READY + ".tmp", READY)
    deadline = time.monotonic() + 30
    while not received and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(1.0)  # a second delivery would arrive meanwhile
    print(" ".join(signal.Signals(s).name for s in received), flush=True)
    sys.exit(10 + received[0] if received else 99)
"""


class SignalTest(TestCase):

    def test_signals_sent_to_run_are_passed_to_the_program_once(self):
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
            with self.subTest(signal=sig.name), tempfile.TemporaryDirectory() as tmp:
                program = Program(tmp, HANDLES_SIGNALS)
                program.wait_ready(self)
                program.process.send_signal(sig)
                status, out, err = program.finish()
                self.assertEqual(out, sig.name + "\n", err)
                self.assertEqual(status, 10 + sig, err)  # the program's own status
                self.assertIn("trace written to " + program.trace, err)
                code, report, err = summary(program.trace)
                self.assertEqual(report["status"], "complete", err)

    def test_a_program_killed_by_the_forwarded_signal_takes_run_with_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            program = Program(tmp, """
                import time
                open(READY, "w").write(str(os.getpid()))
                time.sleep(60)
            """)
            program.wait_ready(self)
            program.process.send_signal(signal.SIGTERM)
            status, out, err = program.finish()
            self.assertEqual(status, -signal.SIGTERM, err)  # run died of the same signal
            self.assertFalse(alive(program.pid), "the program was left running")
            self.assertNotIn("core", os.listdir(tmp))

    def test_the_terminals_interrupt_reaches_the_program_once(self):
        # Ctrl-C on a terminal: the kernel sends SIGINT to the whole
        # foreground process group, run and the program alike.
        master, slave = os.openpty()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                program = Program(tmp, HANDLES_SIGNALS, stdin=slave, start_new_session=True,
                                  preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
                program.wait_ready(self)
                os.write(master, b"\x03")
                status, out, err = program.finish()
        finally:
            os.close(master)
            os.close(slave)
        self.assertEqual(out, "SIGINT\n", err)
        self.assertEqual(status, 10 + signal.SIGINT, err)


class OutputReportTest(TestCase):
    """run says "trace written" only for a trace this run wrote."""

    def run_command(self, *args, cwd=None):
        result = subprocess.run([ARENATRACE, "run", *args], env=clean_env(), capture_output=True,
                                text=True, cwd=cwd, timeout=120)
        return result.returncode, result.stdout, result.stderr

    def test_a_command_that_is_not_found_writes_nothing_and_says_only_that(self):
        with tempfile.TemporaryDirectory() as tmp:
            junk = os.path.join(tmp, "junk.atrace")
            with open(junk, "w") as f:
                f.write("not a trace\n")
            status, _, err = self.run_command("-o", junk, "--", "no-such-program-arenatrace")
            self.assertEqual(status, 127)
            self.assertEqual(err, "arenatrace run: cannot run 'no-such-program-arenatrace': "
                             "No such file or directory\n")
            with open(junk) as f:
                self.assertEqual(f.read(), "not a trace\n")

    def test_junk_or_an_earlier_trace_at_the_output_is_not_reported_as_written(self):
        with tempfile.TemporaryDirectory() as tmp:
            junk = os.path.join(tmp, "junk.atrace")
            with open(junk, "w") as f:
                f.write("not a trace\n")
            status, _, err = self.run_command("-o", junk, "--", "true")
            self.assertEqual(status, 0, err)
            self.assertNotIn("trace written to", err)
            self.assertIn("no trace written", err)
            # A real trace of an earlier run, then a run that records nothing.
            old = os.path.join(tmp, "old.atrace")
            status, _, err = self.run_command("-o", old, "--", PYTHON, "-c", "x = 1")
            self.assertEqual(status, 0, err)
            self.assertIn("trace written to " + old, err)
            time.sleep(0.2)
            status, _, err = self.run_command("-o", old, "--", "true")
            self.assertNotIn("trace written to", err)

    def test_every_trace_reported_as_written_is_a_readable_trace(self):
        with tempfile.TemporaryDirectory() as tmp:
            junk = os.path.join(tmp, "junk.atrace")
            with open(junk, "w") as f:
                f.write("not a trace\n")
            status, _, err = self.run_command("-o", junk, "--", PYTHON, "-c", "x = [1] * 10")
            self.assertEqual(status, 0, err)
            written = re.findall(r"trace written to (.*)", err)
            self.assertEqual(written, [junk], err)
            for trace in written:
                code, report, err = summary(trace)
                self.assertEqual(code, 0, err)

    def test_an_output_that_cannot_be_a_trace_is_a_usage_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            fifo = os.path.join(tmp, "fifo")
            os.mkfifo(fifo)
            marker = os.path.join(tmp, "ran")
            program = ["--", PYTHON, "-c", "open(%r, 'w')" % marker]
            for output, why in [(tmp, "a directory, not a regular file"),
                                (fifo, "a pipe (FIFO), not a regular file")]:
                with self.subTest(output=output):
                    status, _, err = self.run_command("-o", output, *program)
                    self.assertEqual(status, 2, err)
                    self.assertEqual(err.count("\n"), 1, err)
                    self.assertIn(why, err)
                    self.assertFalse(os.path.exists(marker), "the program ran")
            self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))

    def test_a_fifo_named_like_a_childs_trace_is_not_opened_or_reported(self):
        with tempfile.TemporaryDirectory() as tmp:
            trace = os.path.join(tmp, "out.atrace")
            os.mkfifo(trace + ".99999")  # opened to read, without a writer, it would hang run
            status, _, err = self.run_command("-o", trace, "--", PYTHON, "-c", "x = 1")
            self.assertEqual(status, 0, err)
            self.assertEqual(re.findall(r"trace written to (.*)", err), [trace], err)

    def test_a_trace_that_cannot_be_written_is_not_reported_as_written(self):
        # The program runs, the preload says why in one line (test_recording),
        # and run does not claim the trace.
        with tempfile.TemporaryDirectory() as tmp:
            for output in (os.path.join(tmp, "missing", "out.atrace"), "/dev/full"):
                with self.subTest(output=output):
                    status, _, err = self.run_command("-o", output, "--", PYTHON, "-c", "x = 1")
                    self.assertEqual(status, 0, err)
                    self.assertNotIn("trace written to", err)
                    self.assertIn("arenatrace: no trace written", err)

    def test_default_output_keeps_the_programs_whole_name(self):
        name = os.path.basename(PYTHON)  # python3.11, python3.14t, python
        with tempfile.TemporaryDirectory() as tmp:
            status, _, err = self.run_command("--", PYTHON, "-c", "x = 1", cwd=tmp)
            self.assertEqual(status, 0, err)
            files = os.listdir(tmp)
            self.assertEqual(len(files), 1, files)
            self.assertRegex(files[0], "^" + re.escape(name) + r"\.\d+\.atrace$")
            self.assertIn("trace written to " + files[0], err)
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, "my.app.py")
            with open(script, "w") as f:
                f.write("x = 1\n")
            status, _, err = self.run_command("--", PYTHON, script, cwd=tmp)
            self.assertEqual(status, 0, err)
            traces = [f for f in os.listdir(tmp) if f.endswith(".atrace")]
            self.assertEqual(len(traces), 1, traces)
            self.assertRegex(traces[0], r"^my\.app\.\d+\.atrace$")


class OptionTest(TestCase):

    def test_every_option_error_is_one_line_and_exit_2(self):
        with tempfile.TemporaryDirectory() as tmp:
            cases = [
                (["-o"], "-o needs a file name"),
                (["--output="], "--output needs a file name"),
                (["-o", "--", "true"], "-o needs a file name"),
                (["--output", "--no-trace"], "--output needs a file name"),
                (["--output"], "--output needs a file name"),
                (["--stats-json="], "--stats-json needs a file name"),
                (["--stats-json"], "--stats-json needs a file name"),
                (["--stats-json=/dev/full"], "/dev/full: a character device, not a regular file"),
                (["--stats-json=" + tmp], "a directory, not a regular file"),
                (["--stats-json=/nonexistent/s.jsonl"], "/nonexistent is not a directory"),
                (["--stats-json=" + tmp + "/" + "x" * 1100], "longer than 1023 bytes"),
                (["--max-depth=ten"], "--max-depth takes a number of frames"),
                (["--max-depth"], "--max-depth takes a number of frames"),
                (["--sample-bytes="], "--sample-bytes takes a number of bytes"),
                (["--mark-signal=KILL"], "--mark-signal takes USR1, USR2 or none"),
                (["--allocator"], "--allocator must be arenatrace or pymalloc"),
                (["--frobnicate"], "unknown option '--frobnicate'"),
                ([], "no command to run"),
            ]
            for args, message in cases:
                with self.subTest(args=args):
                    needs_command = args and args[-1] not in (
                        "-o", "--output", "--stats-json", "--max-depth", "--allocator", "true")
                    argv = [ARENATRACE, "run", *args] + (["--", "true"] if needs_command else [])
                    result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
                    self.assertEqual(result.returncode, 2, result.stderr)
                    self.assertEqual(result.stderr.count("\n"), 1, result.stderr)
                    self.assertIn(message, result.stderr)
                    self.assertTrue(result.stderr.startswith("arenatrace run: "), result.stderr)

    def test_options_take_their_value_either_way(self):
        with tempfile.TemporaryDirectory() as tmp:
            for form in (["--output", "a.atrace", "--max-depth", "3"],
                         ["--output=b.atrace", "--max-depth=3"], ["-o", "c.atrace"]):
                with self.subTest(form=form):
                    result = subprocess.run(
                        [ARENATRACE, "run", *form, "--", PYTHON, "-c", "x = 1"], env=clean_env(),
                        capture_output=True, text=True, cwd=tmp, timeout=120)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    self.assertIn("trace written to", result.stderr)

    def test_version_everywhere(self):
        for command in ([], ["run"], ["summary"], ["peak"], ["leaks"], ["temporary"],
                        ["allocated"], ["generations"], ["timeline"], ["fragmentation"],
                        ["diff"], ["export"], ["dump"]):
            with self.subTest(command=command):
                result = subprocess.run([ARENATRACE, *command, "--version"], capture_output=True,
                                        text=True, timeout=60)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertRegex(result.stdout, VERSION_LINE)


if __name__ == "__main__":
    unittest.main()
