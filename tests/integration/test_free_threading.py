"""The free-threaded build (3.14t): no GIL, CPython's allocator (mimalloc)
kept and wrapped, every thread recording in parallel. Registered for
free-threaded interpreters only (tests/integration/CMakeLists.txt)."""
import tempfile
import unittest

from harness import (FREE_THREADED, TestCase, line_of, python_program, record, run, site_at,
                     summary)

THREADS = 8
BLOCKS = 20000

# Eight threads start together at a barrier; thread k makes BLOCKS bytes
# objects of its own size (one allocation each, no free list) at one line,
# drops them, and the program prints how many bytes that was in all.
EIGHT_THREADS = """
    import sys, threading
    THREADS, BLOCKS = %d, %d
    barrier = threading.Barrier(THREADS)
    def allocate(size):
        kept = [None] * BLOCKS
        for i in range(BLOCKS):
            kept[i] = bytes(size)  # THREAD SITE
        return kept
    def work(k):
        barrier.wait()
        kept = allocate(100 + 16 * k)  # CALLER LINE
        del kept
    threads = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(sys._is_gil_enabled(), sum(BLOCKS * sys.getsizeof(bytes(100 + 16 * k))
                                     for k in range(THREADS)))
""" % (THREADS, BLOCKS)


@unittest.skipUnless(FREE_THREADED, "for the free-threaded build only")
class FreeThreadingTest(TestCase):

    def test_the_gil_stays_off_and_output_is_unchanged(self):
        plain = run(python_program(EIGHT_THREADS), traced=False)
        with tempfile.TemporaryDirectory() as tmp:
            recorded, trace, _ = record(EIGHT_THREADS, tmp)
        self.assertEqual(recorded.returncode, plain.returncode, recorded.stderr)
        self.assertEqual(recorded.stdout, plain.stdout)
        self.assertEqual(recorded.stderr, plain.stderr + "arenatrace: trace written to %s\n" % trace)
        self.assertTrue(recorded.stdout.startswith("False "), recorded.stdout)

    def test_the_snapshot_signal_and_call_say_no_snapshot_and_the_program_goes_on(self):
        # The signal `arenatrace run` documents as taking a snapshot must not
        # end the program with the signal's default action where none is taken.
        source = """
            import os, signal, arenatrace
            os.kill(os.getpid(), signal.SIGUSR1)
            arenatrace.snapshot("asked")
            print("still running")
        """
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, _ = record(source, tmp)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "still running\n")
        said = [line for line in result.stderr.splitlines() if "no heap snapshot" in line]
        self.assertEqual(len(said), 1, result.stderr)

    def test_eight_threads_allocating_at_once_lose_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, script = record(EIGHT_THREADS, tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            status, report, err = summary(trace, "--top", "50")
            site_line = line_of(script, "# THREAD SITE")
            caller_line = line_of(script, "# CALLER LINE")
        self.assertEqual(status, 0, err)
        self.assertEqual(report["status"], "complete")
        self.assertEqual(report["allocator"], "mimalloc")
        self.assertEqual(report["lost_events"], 0)
        self.assertEqual(report["unmatched_frees"], 0)
        self.assertGreaterEqual(len(report["threads"]), THREADS + 1)
        gil, expected_bytes = result.stdout.split()
        self.assertEqual(gil, "False")
        site = site_at(report, script, site_line)
        self.assertIsNotNone(site, report["top_sites"])
        # Every allocation, from every thread, at its own line: each thread
        # runs its own copy of the bytecode (thread-local bytecode), and the
        # lines are read against that copy.
        self.assertEqual(site["allocs"], THREADS * BLOCKS)
        self.assertEqual(site["bytes"], int(expected_bytes))
        self.assertEqual(site["stack"][0]["function"], "allocate")
        self.assertEqual(site["stack"][1]["function"], "work")
        self.assertEqual(site["stack"][1]["line"], caller_line)
        obj = report["domains"]["obj"]
        self.assertGreaterEqual(obj["frees"], THREADS * BLOCKS)

    def test_a_generator_made_in_one_thread_and_run_in_another(self):
        # The generator's frame starts with the main thread's bytecode; the
        # thread that resumes it switches to its own copy.
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, script = record("""
                import threading
                def produce(n, size):
                    for _ in range(n):
                        yield bytes(size)  # GENERATOR SITE
                made = produce(5000, 300)
                kept = []
                def consume():
                    kept.extend(made)  # CONSUMER LINE
                t = threading.Thread(target=consume)
                t.start()
                t.join()
                print(len(kept))
            """, tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stdout, "5000\n")
            status, report, err = summary(trace, "--top", "50")
            site_line = line_of(script, "# GENERATOR SITE")
            consumer_line = line_of(script, "# CONSUMER LINE")
        self.assertEqual(status, 0, err)
        site = site_at(report, script, site_line)
        self.assertIsNotNone(site, report["top_sites"])
        self.assertEqual(site["allocs"], 5000)
        self.assertEqual([frame["function"] for frame in site["stack"][:2]],
                         ["produce", "consume"])
        self.assertEqual(site["stack"][1]["line"], consumer_line)

    def test_the_free_threaded_engine_runs_and_keeps_mimalloc(self):
        # The dispatcher tells the build from its version string and loads
        # libarenatrace-cp314t.so; the GIL build's engine would serve objects.
        result = run(python_program("print(len([str(i) for i in range(1000)]))"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")
        self.assertEqual([(s["allocator"], s["hooks_installed"], s["small_allocs"])
                          for s in result.stats], [("mimalloc", False, 0)])

if __name__ == "__main__":
    unittest.main()
