"""Programs that do what real programs do to their own process (close every
inherited descriptor, end by a signal, choose CPython's allocator, handle
signals, fork, leave with os._exit), and what the trace and the program see
then. Each test failed before the fix it guards (docs/TESTING.md)."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

from harness import (ARENATRACE, FREE_THREADED, PYTHON, TestCase, clean_env, line_of,
                     python_program, record, run, site_at, summary)


def dump_lines(trace):
    result = subprocess.run([ARENATRACE, "dump", trace], capture_output=True, text=True)
    return result.returncode, result.stdout.splitlines(), result.stderr


def start_recorded(source, tmp, *options, **popen):
    """Starts `source` (written to tmp/app.py) under arenatrace run, its
    stdout a pipe; returns (Popen, trace path)."""
    script = os.path.join(tmp, "app.py")
    with open(script, "w") as f:
        f.write(textwrap.dedent(source))
    trace = os.path.join(tmp, "out.atrace")
    process = subprocess.Popen([ARENATRACE, "run", "-o", trace, *options, "--", PYTHON, script],
                               env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.PIPE, text=True, cwd=tmp, **popen)
    return process, trace


class DescriptorsTest(TestCase):

    def test_program_that_closes_inherited_descriptors_keeps_its_own_files(self):
        # A daemon's start: every inherited descriptor closed, then its own
        # files opened, getting the lowest numbers and past ours. Their
        # contents look like /proc/self/statm ("size resident ...").
        source = """
            import os, time, arenatrace
            kept = [str(i) for i in range(50_000)]
            time.sleep(0.25)  # a few flushes and RSS samples
            os.closerange(3, 4096)
            files = []
            for i in range(700):
                f = open("own-%d.txt" % i, "w+")
                f.write("123456789 123456789 0 0 0 0 0\\n")
                f.flush()
                files.append(f)
            more = [str(i) * 3 for i in range(200_000)]
            arenatrace.mark("after closerange")
            time.sleep(0.35)
            for f in files:
                f.seek(0)
                assert f.read() == "123456789 123456789 0 0 0 0 0\\n", f.name
            print("files intact", len(files), max(f.fileno() for f in files))
        """
        with tempfile.TemporaryDirectory() as tmp:
            run_, trace, _ = record(source, tmp)
            status, report, stderr = summary(trace)
        self.assertEqual(run_.returncode, 0, run_.stderr)
        self.assertIn("files intact 700", run_.stdout)
        self.assertEqual(status, 0, stderr)
        self.assertEqual(report["status"], "complete")
        self.assertIn("after closerange", [m["label"] for m in report["marks"]])
        # The program's files are not /proc/self/statm: 123456789 pages is 470 GiB.
        self.assertLess(report["peak_rss_bytes"], 8 << 30)
        self.assertGreater(report["peak_rss_bytes"], 1 << 20)

    def test_a_fork_child_samples_its_own_rss_not_its_parents(self):
        # The parent grows by 400 MiB after the fork; the child stays small.
        source = """
            import os, time
            pid = os.fork()
            if pid == 0:
                time.sleep(0.6)
                os._exit(0)
            time.sleep(0.05)
            big = bytearray(400 << 20)
            for i in range(0, len(big), 4096):
                big[i] = 1
            os.waitpid(pid, 0)
            print("child", pid)
        """
        with tempfile.TemporaryDirectory() as tmp:
            run_, trace, _ = record(source, tmp)
            child = int(run_.stdout.split()[1])
            parent_status, parent, _ = summary(trace)
            child_status, child_report, stderr = summary("%s.%d" % (trace, child))
        self.assertEqual(run_.returncode, 0, run_.stderr)
        self.assertEqual(child_status, 0, stderr)
        self.assertGreater(parent["peak_rss_bytes"], 400 << 20)
        self.assertLess(child_report["peak_rss_bytes"], 200 << 20)
        self.assertGreater(child_report["peak_rss_bytes"], 1 << 20)


class TraceFilesTest(TestCase):

    def test_a_fork_child_that_cannot_write_its_header_leaves_no_file(self):
        # A file size limit stands for a process killed, or a disk filling,
        # between creating its file and writing the header: the file must
        # not be left empty or header-less (the reader rejects those).
        source = """
            import os, resource, time
            children = []
            for limit in (0, 16):
                pid = os.fork()
                if pid == 0:
                    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
                    kept = [str(i) for i in range(100_000)]
                    time.sleep(0.3)
                    os._exit(0)
                children.append(pid)
            for pid in children:
                os.waitpid(pid, 0)
            print(*children)
        """
        with tempfile.TemporaryDirectory() as tmp:
            run_, trace, _ = record(source, tmp)
            self.assertEqual(run_.returncode, 0, run_.stderr)
            leftovers = {}
            for pid in run_.stdout.split():
                path = "%s.%s" % (trace, pid)
                if os.path.exists(path):
                    leftovers[path] = (os.path.getsize(path), summary(path)[0])
            self.assertEqual(summary(trace)[0], 0)
        self.assertEqual(run_.stderr.count("cannot write the trace"), 2, run_.stderr)
        for path, (size, status) in leftovers.items():
            self.assertIn(status, (0, 3), "%s: %d bytes, unreadable" % (path, size))


class SignalsTest(TestCase):

    def test_uncaught_keyboard_interrupt_leaves_a_complete_trace(self):
        # CPython finalises, then kills itself with SIGINT. Everything up to
        # then is in the trace, the last frees included.
        source = """
            import arenatrace
            items = [str(i) for i in range(100_000)]
            del items
            arenatrace.mark("freed")
            raise KeyboardInterrupt
        """
        with tempfile.TemporaryDirectory() as tmp:
            run_, trace, _ = record(source, tmp)
            status, report, stderr = summary(trace)
        self.assertEqual(run_.returncode, -signal.SIGINT, run_.stderr)
        self.assertEqual(status, 0, stderr)
        self.assertEqual(report["status"], "complete")
        self.assertIn("freed", [m["label"] for m in report["marks"]])
        self.assertLess(report["domains"]["obj"]["live_bytes_at_end"], 4 << 20)

    def test_sigint_to_the_process_group_leaves_a_complete_trace(self):
        source = """
            import sys, time, arenatrace
            items = [str(i) for i in range(100_000)]
            del items
            arenatrace.mark("freed")
            print("ready", flush=True)
            time.sleep(60)
        """
        with tempfile.TemporaryDirectory() as tmp:
            process, trace = start_recorded(source, tmp, start_new_session=True)
            self.assertEqual(process.stdout.readline().strip(), "ready")
            os.killpg(process.pid, signal.SIGINT)
            _, stderr_text = process.communicate(timeout=60)
            status, report, stderr = summary(trace)
        self.assertEqual(process.returncode, -signal.SIGINT, stderr_text)
        # The group's SIGINT reaches the program twice: directly, and
        # forwarded by `arenatrace run`, which cannot tell a signal sent to
        # its group from one sent to it alone (USAGE, "Signals"). When the
        # second lands after CPython reset its handler during finalisation,
        # the process dies of it there, and the trace holds everything up to
        # it: the program's code and the mark (lost before arenatrace's
        # handler stood in for that default action).
        self.assertIn(status, (0, 3), stderr)
        self.assertIn(report["status"], ("complete", "cut_short"))
        self.assertIn("freed", [m["label"] for m in report["marks"]])

    def test_sigterm_from_outside_leaves_everything_up_to_the_signal(self):
        # Sent right after the last events: without a flush at the signal,
        # the last 100 ms are lost.
        source = """
            import os, sys, arenatrace
            items = [str(i) for i in range(100_000)]
            del items
            arenatrace.mark("freed")
            print(os.getpid(), flush=True)
            sys.stdin.read()
        """
        with tempfile.TemporaryDirectory() as tmp:
            process, trace = start_recorded(source, tmp)
            python_pid = int(process.stdout.readline())
            os.kill(python_pid, signal.SIGTERM)
            _, stderr_text = process.communicate(timeout=60)
            status, report, stderr = summary(trace)
        self.assertEqual(process.returncode, -signal.SIGTERM, stderr_text)
        self.assertEqual(status, 3, stderr)  # killed: cut short, yet complete up to the signal
        self.assertIn("freed", [m["label"] for m in report["marks"]])
        self.assertGreaterEqual(report["domains"]["obj"]["frees"], 100_000)

    def test_a_signal_given_back_its_default_action_still_leaves_the_trace(self):
        # The program restores the default action (CPython itself does so
        # for SIGINT during finalisation); a kill from outside right after
        # the last events must still find them written out.
        source = """
            import os, signal, sys, arenatrace
            signal.signal(signal.SIG%s, signal.SIG_DFL)
            print(signal.getsignal(signal.SIG%s) == signal.SIG_DFL, flush=True)
            items = [str(i) for i in range(100_000)]
            del items
            arenatrace.mark("freed")
            print(os.getpid(), flush=True)
            sys.stdin.read()
        """
        for name in ("INT", "TERM"):
            number = getattr(signal, "SIG" + name)
            with self.subTest(signal=name), tempfile.TemporaryDirectory() as tmp:
                process, trace = start_recorded(source % (name, name), tmp)
                shown = process.stdout.readline().strip()
                python_pid = int(process.stdout.readline())
                os.kill(python_pid, number)
                _, stderr_text = process.communicate(timeout=60)
                status, report, stderr = summary(trace)
                self.assertEqual(shown, "True")
                self.assertEqual(process.returncode, -number, stderr_text)
                self.assertEqual(status, 3, stderr)
                self.assertIn("freed", [m["label"] for m in report["marks"]])
                self.assertGreaterEqual(report["domains"]["obj"]["frees"], 100_000)

    SHOW_SIGNALS = """
        import signal
        for name in ("SIGUSR1", "SIGUSR2", "SIGTERM", "SIGHUP", "SIGINT"):
            print(name, signal.getsignal(getattr(signal, name)))
    """

    def test_signal_getsignal_shows_what_plain_python_shows(self):
        plain = run(python_program(self.SHOW_SIGNALS), traced=False)
        for options in (["--no-trace"], [], ["--mark-signal=USR1"]):
            with self.subTest(options=options):
                with tempfile.TemporaryDirectory() as tmp:
                    # Recorded runs write into tmp, never into the test's cwd.
                    output = [] if "--no-trace" in options else ["-o", os.path.join(tmp, "t.atrace")]
                    traced = run(python_program(self.SHOW_SIGNALS), options=options + output)
                self.assertEqual(traced.stdout, plain.stdout)

    def test_a_program_restoring_the_default_action_dies_of_the_mark_signal(self):
        program = python_program("""
            import os, signal
            signal.signal(signal.SIGUSR2, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGUSR2)
            print("survived")
        """)
        plain = run(program, traced=False)
        with tempfile.TemporaryDirectory() as tmp:
            traced = run(program, options=["-o", os.path.join(tmp, "t.atrace")])
        self.assertEqual(plain.returncode, -signal.SIGUSR2)
        self.assertEqual(traced.returncode, plain.returncode)
        self.assertEqual(traced.stdout, "")


class CPythonAllocatorTest(TestCase):

    SOURCE = """
        import arenatrace
        class Marker:
            pass
        kept = [Marker() for _ in range(20_000)]  # SITE
        print(arenatrace.is_recording())
    """

    def test_pythonmalloc_and_dev_mode_record_through_cpythons_allocator(self):
        values = ("mimalloc", "debug") if FREE_THREADED else ("malloc", "pymalloc", "debug")
        cases = [("PYTHONMALLOC=" + v, [], {"PYTHONMALLOC": v}) for v in values]
        cases.append(("-X dev", ["-X", "dev"], {}))
        for name, flags, extra in cases:
            with self.subTest(name), tempfile.TemporaryDirectory() as tmp:
                script = os.path.join(tmp, "app.py")
                with open(script, "w") as f:
                    f.write(textwrap.dedent(self.SOURCE))
                trace = os.path.join(tmp, "out.atrace")
                completed = subprocess.run(
                    [ARENATRACE, "run", "-o", trace, "--", PYTHON, *flags, script],
                    env=clean_env(**extra), capture_output=True, text=True, cwd=tmp)
                self.assertEqual(completed.returncode, 0, completed.stderr)
                self.assertEqual(completed.stdout, "True\n")
                self.assertEqual(completed.stderr.count("arenatrace: "), 2, completed.stderr)
                self.assertIn("records through it", completed.stderr)
                status, report, stderr = summary(trace, "--top", "50")
                self.assertEqual(status, 0, stderr)
                site = site_at(report, script, line_of(script, "# SITE"))
                self.assertIsNotNone(site, report["top_sites"])
                self.assertGreaterEqual(site["allocs"], 20_000)


class WhatTheProgramSeesTest(TestCase):

    def test_the_programs_own_arenatrace_module_wins(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "arenatrace.py"), "w") as f:
                f.write("WHO = 'mine'\n")
            with open(os.path.join(tmp, "app.py"), "w") as f:
                f.write("import arenatrace, sys\nprint(arenatrace.WHO)\n"
                        "print('arenatrace' in sys.modules)\n")
            program = [PYTHON, os.path.join(tmp, "app.py")]
            plain = run(program, traced=False)
            traced = run(program, options=["-o", os.path.join(tmp, "t.atrace")])
        self.assertEqual(plain.stdout, "mine\nTrue\n")
        self.assertEqual(traced.stdout, plain.stdout, traced.stderr)
        self.assertEqual(traced.returncode, 0)

    def test_without_a_module_of_its_own_import_arenatrace_finds_ours(self):
        program = python_program("""
            import sys
            print("arenatrace" in sys.modules)
            import arenatrace
            print(arenatrace.is_recording())
        """)
        with tempfile.TemporaryDirectory() as tmp:
            traced = run(program, options=["-o", os.path.join(tmp, "t.atrace")])
        self.assertEqual(traced.stdout, "False\nTrue\n", traced.stderr)

    def test_mark_labels_may_hold_lone_surrogates(self):
        source = """
            import arenatrace
            arenatrace.mark("caf\\udcff")
            arenatrace.snapshot("\\ud800 alone")
            arenatrace.mark("plain")
            print("ok")
        """
        with tempfile.TemporaryDirectory() as tmp:
            run_, trace, _ = record(source, tmp)
            status, lines, stderr = dump_lines(trace)
        self.assertEqual(run_.returncode, 0, run_.stderr)
        self.assertEqual(run_.stdout, "ok\n")
        self.assertEqual(status, 0, stderr)
        self.assertEqual(len([line for line in lines if " mark " in line]), 2, lines[-20:])


class ThreadNamesTest(TestCase):

    @unittest.skipIf(FREE_THREADED, "the free-threaded build reads names only at collections, "
                     "marks and exit (docs/USAGE.md): a thread that ends between them and is "
                     "dropped keeps its OS name")
    def test_every_busy_thread_keeps_its_threading_name(self):
        # Threads started back to back and not kept by the program: names are
        # read while some have not set their native_id yet; those must be
        # read again later (at collections), not left with the OS name.
        source = """
            import threading
            def work():
                kept = []
                for i in range(150_000):
                    kept.append((i, [i]))
                    if len(kept) > 1000:
                        kept.clear()
            for n in range(6):
                threading.Thread(target=work, name="worker-%d" % n).start()
        """
        with tempfile.TemporaryDirectory() as tmp:
            run_, trace, _ = record(source, tmp)
            status, report, stderr = summary(trace)
        self.assertEqual(run_.returncode, 0, run_.stderr)
        self.assertEqual(status, 0, stderr)
        names = sorted(t["name"] for t in report["threads"] if t["name"] != "MainThread")
        self.assertEqual(names, ["worker-%d" % n for n in range(6)])


class StatisticsTest(TestCase):

    def test_os_exit_writes_statistics(self):
        program = python_program("""
            import os
            kept = [str(i) for i in range(10_000)]
            os._exit(3)
        """)
        traced = run(program, options=["--no-trace", "--stats"])
        self.assertEqual(traced.returncode, 3)
        self.assertEqual(len(traced.stats), 1, traced.stderr)
        self.assertIn("arenatrace: allocator statistics for pid", traced.stderr)

    def test_statistics_of_children_stay_out_of_the_programs_pipes(self):
        program = python_program("""
            import subprocess, sys
            child = subprocess.run([sys.executable, "-c", "print('child')"],
                                   capture_output=True, text=True)
            print(repr(child.stdout), repr(child.stderr))
        """)
        plain = run(program, traced=False)
        traced = run(program, options=["--no-trace", "--stats"])
        self.assertEqual(traced.stdout, plain.stdout)
        self.assertEqual(traced.returncode, 0)
        # Both processes' tables reach the stderr arenatrace run was given.
        self.assertEqual(traced.stderr.count("allocator statistics for pid"), 2, traced.stderr)


class TimeTest(TestCase):

    def test_event_times_advance_from_the_first_record(self):
        # The writer thread that publishes the time shares one CPU with the
        # program and a busy process: it runs late, and events must not keep
        # its last tick meanwhile. The program marks its own clock's reading
        # every few milliseconds; the trace's times must agree.
        source = """
            import time, arenatrace
            t0 = time.monotonic()
            next_mark = 0.0
            kept = []
            while True:
                elapsed = time.monotonic() - t0
                if elapsed >= next_mark:
                    arenatrace.mark("%.3f" % (elapsed * 1000))
                    next_mark += 0.005
                if elapsed > 0.5:
                    break
                kept.extend(str(i) for i in range(200))
        """
        hog = subprocess.Popen([PYTHON, "-c", "while True: pass"],
                               preexec_fn=lambda: os.sched_setaffinity(0, {0}))
        try:
            with tempfile.TemporaryDirectory() as tmp:
                script = os.path.join(tmp, "app.py")
                with open(script, "w") as f:
                    f.write(textwrap.dedent(source))
                trace = os.path.join(tmp, "out.atrace")
                subprocess.run([ARENATRACE, "run", "-o", trace, "--", PYTHON, script],
                               env=clean_env(), capture_output=True, check=True,
                               preexec_fn=lambda: os.sched_setaffinity(0, {0}))
                status, report, stderr = summary(trace)
        finally:
            hog.kill()
            hog.wait()
        self.assertEqual(status, 0, stderr)
        marks = [(m["micros"] / 1000, float(m["label"])) for m in report["marks"]]
        self.assertGreater(len(marks), 50)
        first_trace, first_own = marks[0]
        errors = sorted(abs((t - first_trace) - (own - first_own)) for t, own in marks)
        # 1 ms resolution, on both ends; and the scheduler may preempt the
        # program between its own clock reading and the mark's (a time slice
        # beside the busy process is a few ms), so the worst mark only gets a
        # gross bound. A clock that stalls shifts every mark after the stall:
        # that moves the median (before events read the clock themselves the
        # worst mark was 9-15 ms off).
        median, worst = errors[len(errors) // 2], errors[-1]
        self.assertLess(median, 4.0, "marks are typically %.1f ms off the program's clock" % median)
        self.assertLess(worst, 20.0, "a mark's time is %.1f ms off the program's clock" % worst)


class ExactRecordsTest(TestCase):

    def test_exact_alloc_and_free_counts_and_order_per_address(self):
        # 1000 objects made at one line, dropped one by one at another: each
        # has exactly one allocation and one free, the free recorded before
        # anything else is allocated at its address.
        source = """
            import gc
            gc.disable()
            class Counted:
                __slots__ = ("payload",)
            slots = [None] * 1000  # no int objects made by the loops below
            objects = [Counted() for _ in slots]  # ALLOC SITE
            for i, _ in enumerate(slots):
                objects[i] = None  # FREE SITE
            print("done")
        """
        with tempfile.TemporaryDirectory() as tmp:
            run_, trace, script = record(source, tmp)
            status, lines, stderr = dump_lines(trace)
            alloc_line = line_of(script, "# ALLOC SITE")
        self.assertEqual(run_.returncode, 0, run_.stderr)
        self.assertEqual(status, 0, stderr)
        stacks = stacks_at(lines, script, alloc_line)
        self.assertTrue(stacks, "no stack at line %d" % alloc_line)
        counted = {}  # address -> [allocations, frees] of blocks made at the site
        live = set()  # every live block, whatever its site
        site_blocks = set()
        for line in lines:
            fields = line.split()
            if len(fields) < 5 or fields[2] not in ("alloc", "free", "realloc"):
                continue
            kind, address = fields[2], fields[4]
            if kind == "realloc":
                live.discard(address)
                site_blocks.discard(address)
                address = fields[6]
                kind = "alloc"
            if kind == "alloc":
                self.assertNotIn(address, live, "allocated again before its free: " + line)
                live.add(address)
                if fields[3] == "obj" and stack_of(fields) in stacks:
                    counted.setdefault(address, [0, 0])[0] += 1
                    site_blocks.add(address)
            else:
                live.discard(address)
                if address in site_blocks:
                    site_blocks.discard(address)
                    counted[address][1] += 1
        made = sum(a for a, _ in counted.values())
        freed = sum(f for _, f in counted.values())
        # The site also makes the comprehension's list (its growth is in mem).
        self.assertGreaterEqual(made, 1000)
        self.assertLessEqual(made, 1003)
        self.assertEqual(freed, made, "frees lost: %d of %d" % (made - freed, made))

    def test_allocations_after_a_return_belong_to_the_caller(self):
        source = """
            import gc
            gc.disable()
            def callee():
                return [bytearray(64) for _ in range(3000)]  # CALLEE SITE
            def caller():
                first = callee()
                second = [bytearray(80) for _ in range(5000)]  # CALLER SITE
                return first, second
            kept = caller()
        """
        with tempfile.TemporaryDirectory() as tmp:
            run_, trace, script = record(source, tmp)
            status, report, stderr = summary(trace, "--top", "100")
            caller_line = line_of(script, "# CALLER SITE")
            callee_line = line_of(script, "# CALLEE SITE")
        self.assertEqual(run_.returncode, 0, run_.stderr)
        self.assertEqual(status, 0, stderr)
        for site in report["top_sites"]:
            frames = [(f["function"], f["line"]) for f in site["stack"] if f["file"] == script]
            if ("caller", caller_line) in frames:
                self.assertEqual(site["stack"][0]["line"], caller_line, site)
                self.assertNotIn("callee", [f for f, _ in frames], site)
        site = site_at(report, script, caller_line)
        self.assertIsNotNone(site)
        self.assertGreaterEqual(site["allocs"], 5000)
        self.assertIn("caller", [f["function"] for f in site["stack"][:2]])
        callee = site_at(report, script, callee_line)
        self.assertIsNotNone(callee)
        self.assertIn("callee", [f["function"] for f in callee["stack"]])


def stack_of(fields):
    for field in fields:
        if field.startswith("stack="):
            return field[len("stack="):]
    return None


def stacks_at(lines, script, line_number):
    """Ids of stacks whose innermost frame is script:line, from dump's lines."""
    codes, frames, stacks = set(), set(), set()
    for line in lines:
        fields = line.split()
        if len(fields) >= 6 and fields[2] == "code" and fields[-1].rsplit(":", 1)[0] == script:
            codes.add(fields[3])
        elif len(fields) >= 6 and fields[2] == "frame":
            if fields[4] == "code=" + fields[4][5:] and fields[4][5:] in codes and \
                    fields[5] == "line=%d" % line_number:
                frames.add(fields[3])
        elif len(fields) >= 6 and fields[2] == "stack" and fields[5][len("frame="):] in frames:
            stacks.add(fields[3])
    return stacks


if __name__ == "__main__":
    unittest.main()
