"""The trace commands as a hostile user drives them: strings that are not
UTF-8 or carry terminal escapes, pipes, wrong options, every subcommand on a
real trace. Each command gives a report or one clear line and its exit
status; none aborts."""
import gzip
import json
import os
import re
import subprocess
import tempfile
import unittest

from harness import ARENATRACE, PYTHON, TestCase, clean_env, record

COMMANDS = ["summary", "peak", "leaks", "temporary", "allocated", "generations", "timeline",
            "fragmentation"]


CORPUS = os.path.join(os.path.dirname(__file__), "..", "fuzz", "corpus")


def arenatrace(*args, timeout=120):
    return subprocess.run([ARENATRACE, *args], capture_output=True, timeout=timeout)


def strict_json(output):
    """The report, decoded as UTF-8 strictly: json.loads(bytes) would let
    encoded surrogates through (it decodes with surrogatepass)."""
    return json.loads(output.decode("utf-8"))


def varint(data, i):
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def pprof_strings(data):
    """profile.proto's string_table (field 6), read off the wire by hand."""
    data = gzip.decompress(data)
    strings, i = [], 0
    while i < len(data):
        key, i = varint(data, i)
        wire = key & 7
        if wire == 0:
            _, i = varint(data, i)
        elif wire == 2:
            length, i = varint(data, i)
            if key >> 3 == 6:
                strings.append(data[i:i + length])
            i += length
        else:
            raise AssertionError("unexpected wire type %d" % wire)
    return strings


# Names that are not UTF-8 where Python allows them: a code object's name and
# a file name from compile() with surrogates (os.fsdecode of b"\xff" is
# "\udcff"), and terminal escapes in them, in a mark label and in a thread
# name. (arenatrace.mark() refuses surrogates: the preload's module encodes
# labels strictly.)
HOSTILE_NAMES = r"""
    import arenatrace, os, threading
    source = "def f():\n    return [str(i) * 3 for i in range(3000)]\n"
    namespace = {}
    exec(compile(source, os.fsdecode(b"/tmp/gen\xff\x1b[2J.py"), "exec"), namespace)
    f = namespace["f"]
    code = f.__code__.replace(co_name="bad\udcfe\x1b[31m")
    if hasattr(code, "co_qualname"):
        code = code.replace(co_qualname="bad\udcfe\x1b[31m")
    f.__code__ = code
    arenatrace.mark("label \xff \x1b]0;title\x07 \x9b2J")
    keep = f()
    t = threading.Thread(target=f, name="thread \x1b[5m")
    t.start()
    t.join()
    arenatrace.mark("end")
"""


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

    def test_every_output_is_valid_utf8_and_text_has_no_control_characters(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, _ = record(HOSTILE_NAMES, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            reports = {}
            for command in COMMANDS:
                result = arenatrace(command, "--json", trace)
                self.assertEqual(result.returncode, 0, (command, result.stderr))
                reports[command] = strict_json(result.stdout)
            diff = arenatrace("diff", "--json", "--a-to", "mark:end", "--b-from", "mark:end", trace)
            self.assertEqual(diff.returncode, 0, diff.stderr)
            strict_json(diff.stdout)
            texts = [arenatrace(command, trace).stdout for command in COMMANDS]
            texts.append(arenatrace("diff", "--a-to", "mark:end", "--b-from", "mark:end",
                                    trace).stdout)
            texts.append(arenatrace("dump", trace).stdout)
            texts.append(arenatrace("export", "--format", "folded", trace).stdout)
            speedscope = arenatrace("export", "--format", "speedscope", trace)
            self.assertEqual(speedscope.returncode, 0, speedscope.stderr)
            strict_json(speedscope.stdout)
            pprof_path = os.path.join(tmp, "out.pprof")
            pprof = arenatrace("export", "--format", "pprof", "-o", pprof_path, trace)
            self.assertEqual(pprof.returncode, 0, pprof.stderr)
            self.assertEqual(pprof.stderr, b"")  # protobuf complains of bad UTF-8 there
            with open(pprof_path, "rb") as f:
                strings = pprof_strings(f.read())
        summary = reports["summary"]
        labels = [m["label"] for m in summary["marks"]]
        self.assertEqual(labels[0], "label \xff \x1b]0;title\x07 \x9b2J")
        names = [t["name"] for t in summary["threads"]]
        self.assertIn("thread \x1b[5m", names)
        functions = {frame["function"] for site in summary["top_sites"] for frame in site["stack"]}
        self.assertIn("bad\ufffd\x1b[31m", functions)
        files = {frame["file"] for site in summary["top_sites"] for frame in site["stack"]}
        self.assertIn("/tmp/gen\ufffd\x1b[2J.py", files)
        for text in texts:
            text.decode("utf-8")  # strictly
            self.assertNotIn(b"\x1b", text)
            self.assertNotIn(b"\xc2\x9b", text)
            self.assertNotIn(b"\x07", text)
        joined = b"".join(texts)
        self.assertIn(b"/tmp/gen\\xff\\x1b[2J.py", joined)  # the program's byte, as \xff
        self.assertIn(b"bad\\xfe\\x1b[31m", joined)
        decoded = [s.decode("utf-8") for s in strings]
        self.assertIn("/tmp/gen\ufffd\x1b[2J.py", decoded)

    def test_crafted_traces_get_one_line_from_every_command(self):
        seeds = sorted(f for f in os.listdir(CORPUS) if f.startswith("crafted_"))
        self.assertGreaterEqual(len(seeds), 8)
        with tempfile.TemporaryDirectory() as tmp:
            for seed in seeds:
                # Alone in a directory: the run of a root trace is found beside it.
                os.makedirs(os.path.join(tmp, seed))
                path = os.path.join(tmp, seed, "t.atrace")
                with open(os.path.join(CORPUS, seed), "rb") as src, open(path, "wb") as dst:
                    dst.write(src.read())
                runs = [[command, path] for command in COMMANDS]
                runs.append(["summary", "--json", path])
                runs.append(["diff", path, path])
                runs.append(["export", "--format", "folded", path])
                for args in runs:
                    with self.subTest(seed=seed, args=args[:-1]):
                        result = arenatrace(*args, timeout=60)
                        self.assertEqual(result.returncode, 3, result.stderr)
                        self.assertEqual(result.stderr.count(b"\n"), 1, result.stderr)
                        self.assertIn(b"damaged record", result.stderr)
                # dump shows records as they are, the impossible one too.
                self.assertEqual(arenatrace("dump", path).returncode, 0)

    def test_a_raw_chunk_with_a_bad_checksum_is_damage(self):
        with open(os.path.join(CORPUS, "raw.atrace"), "rb") as f:
            data = bytearray(f.read())
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "raw.atrace")
            with open(path, "wb") as f:
                f.write(data)
            good = arenatrace("summary", "--json", path)
            self.assertEqual(good.returncode, 0, good.stderr)
            data[-2] ^= 0x01  # inside the raw records chunk
            with open(path, "wb") as f:
                f.write(data)
            bad = arenatrace("summary", "--json", path)
            self.assertEqual(bad.returncode, 3, bad.stderr)
            report = strict_json(bad.stdout)
            self.assertEqual(report["status"], "damaged")
            self.assertIn("checksum mismatch", report["problem"])
            self.assertEqual(report["total"]["allocs"], 0)  # nothing of that chunk was used

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
            run, trace, _ = record("x = 1\n", tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            # Without a writer, opening the FIFO to read would wait forever.
            runs = [[command, fifo] for command in COMMANDS + ["dump"]]
            runs += [["summary", "--json", fifo], ["diff", fifo, trace], ["diff", trace, fifo],
                     ["export", "--format", "folded", fifo],
                     ["export", "--format", "speedscope", "--diff", fifo, trace]]
            for args in runs:
                with self.subTest(args=args):
                    result = arenatrace(*args, timeout=60)
                    self.assertEqual(result.returncode, 1, result.stderr)
                    self.assertEqual(result.stderr.count(b"\n"), 1, result.stderr)
                    self.assertIn(b"a pipe (FIFO), not a regular file", result.stderr)
            # A FIFO named like a child trace of the run is skipped, with a note.
            os.mkfifo(trace + ".4242")
            result = arenatrace("summary", trace, timeout=60)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(b"a pipe (FIFO), not a regular file", result.stderr)

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
            cases += [("summary", "--top=x", trace), ("dump",), ("export", "--format", "svg", trace),
                      ("diff", "--by", "size", trace, trace), ("timeline", "--\x1b[2J", trace)]
            for args in cases:
                result = arenatrace(*args)
                self.assertEqual(result.returncode, 2, (args, result.stderr))
                self.assertEqual(result.stderr.count(b"\n"), 1, (args, result.stderr))
                self.assertNotIn(b"\x1b", result.stderr)
                first = result.stderr.decode().splitlines()[0]
                self.assertTrue(first.startswith("arenatrace"), (args, first))
        version = arenatrace("--version")
        self.assertEqual(version.returncode, 0)
        self.assertRegex(version.stdout.decode(), r"^arenatrace \d+\.\d+\.\d+ \(trace format \d+\)\n$")
        self.assertEqual(arenatrace("peak", "--help").returncode, 0)

    def test_repeatable_options_leave_the_trace_argument_alone(self):
        # `--thread a --thread b TRACE -o FILE`: each repeatable option takes
        # one value, so the trace stays the trace with options after it.
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, _ = record("""
                import threading
                kept = [bytes(100) for _ in range(1000)]
                print(threading.get_native_id())
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            out = os.path.join(tmp, "leaks.txt")
            result = arenatrace("leaks", "--thread", run.stdout.strip(), "--thread", "worker*",
                                "--include", "*app.py", trace, "-o", out)
            self.assertEqual(result.returncode, 0, result.stderr)
            with open(out) as f:
                self.assertIn("app.py", f.read())
            # A --thread that matches nothing says so, naming the threads there are.
            result = arenatrace("leaks", "--thread", "no-such-thread", trace)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(b"--thread no-such-thread matches none of its threads (", result.stderr)

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
            # The page says so too, for whoever opens it later.
            page = os.path.join(tmp, "report.html")
            result = arenatrace("report", "-o", page, trace)
            self.assertEqual(result.returncode, 3, result.stderr)
            with open(page) as f:
                data = json.loads(re.search(
                    r'<script id="arenatrace-data" type="application/json">(.*?)</script>',
                    f.read(), re.S).group(1))
            self.assertEqual(len(data["run_warnings"]), 1, data["run_warnings"])
            self.assertIn("the trace is incomplete (the file ends inside",
                          data["run_warnings"][0])


if __name__ == "__main__":
    unittest.main()
