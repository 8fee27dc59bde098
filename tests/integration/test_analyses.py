"""Analyses on real programs with known memory behaviour: what `peak`,
`leaks`, `temporary`, `generations`, `fragmentation`, `diff` and `export`
say about them, through their documented JSON (docs/REPORTS.md)."""
import gzip
import json
import os
import subprocess
import tempfile
import unittest

from harness import (ARENATRACE, FREE_THREADED, TestCase, line_of, python_version, record,
                     size_of)

PROTO = "/usr/share/gocode/src/github.com/google/pprof/proto/profile.proto"


def analyze(command, trace, *args):
    """`arenatrace <command> --json ... trace`: (exit status, report, stderr)."""
    result = subprocess.run([ARENATRACE, command, "--json", *args, trace],
                            capture_output=True, text=True)
    report = json.loads(result.stdout) if result.stdout.strip() else None
    return result.returncode, report, result.stderr


def only_process(report):
    assert len(report["processes"]) == 1, [p["pid"] for p in report["processes"]]
    return report["processes"][0]


def sites_at(profile, script, line):
    return [s for s in profile["sites"] if s["file"] == script and s["line"] == line]


class AnalysesTest(TestCase):

    def test_peak_names_the_function_that_owned_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                def build(n):
                    data = [bytes(1000) for _ in range(n)]  # PEAK SITE
                    return len(data)
                def other():
                    return [str(i) for i in range(1000)]
                print(build(20000))
                keep = other()
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            status, report, err = analyze("peak", trace, "--top", "5")
            line = line_of(script, "# PEAK SITE")
        self.assertEqual(status, 0, err)
        peak = only_process(report)["peak"]
        # 20,000 blocks of bytes(1000) (1033 bytes each with the object
        # header, 1049 on the free-threaded build) are live at once, and
        # nothing like it at the end.
        each = size_of("bytes(1000)")
        site = sites_at(peak["profile"], script, line)
        self.assertEqual(len(site), 1, peak["profile"]["sites"])
        self.assertGreaterEqual(site[0]["count"], 20000)
        self.assertLess(site[0]["count"], 20000 + 50)
        self.assertGreaterEqual(site[0]["bytes"], 20000 * each)
        self.assertLess(site[0]["bytes"], 20000 * each + 256 * 1024)
        # ... which is the largest share of the peak, whose total is exact.
        self.assertGreaterEqual(site[0]["bytes"], 0.75 * peak["peak_bytes"])
        self.assertEqual(peak["profile"]["total"]["bytes"], peak["peak_bytes"])
        self.assertLess(peak["end_bytes"], peak["peak_bytes"] / 5)
        self.assertIn("build", [f["function"].split(".")[0] for f in site[0]["stack"]])

    def test_the_leaking_line_alone_is_called_a_leak(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                import sys
                class Record:
                    __slots__ = ("key", "payload")
                    def __init__(self, key):
                        self.key = key
                        self.payload = None
                CACHE = {i: str(i) * 20 for i in range(3000)}  # CACHE SITE
                leaked = []
                def churn():
                    tmp = [str(i) * 5 for i in range(100)]  # CHURN SITE
                    return len(tmp)
                def handle(i):
                    churn()
                    leaked.append(Record(-1))  # LEAK SITE
                for i in range(20000):
                    handle(i)
                print(sys.getsizeof(leaked[0]))
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            status, report, err = analyze("leaks", trace, "--top", "50")
            leak_line = line_of(script, "# LEAK SITE")
            cache_line = line_of(script, "# CACHE SITE")
            churn_line = line_of(script, "# CHURN SITE")
        self.assertEqual(status, 0, err)
        leaks = only_process(report)["leaks"]
        called = [v for v in leaks["verdicts"] if v["verdict"] == "leak"]
        self.assertEqual([(v["site"]["file"], v["site"]["line"]) for v in called],
                         [(script, leak_line)], leaks["verdicts"][:5])
        top = leaks["verdicts"][0]
        self.assertEqual(top["site"]["line"], leak_line)
        record_size = int(run.stdout)
        # 20,000 records, and the list's growing item array (a realloc at the same line).
        self.assertGreaterEqual(top["live"]["count"], 20000)
        self.assertLessEqual(top["live"]["count"], 20000 + 2)
        self.assertGreaterEqual(top["live"]["bytes"], 20000 * record_size)
        self.assertLessEqual(top["live"]["bytes"], 20000 * (record_size + 8 * 1.2) + 4096)
        self.assertGreater(top["confidence"], 0.8)
        # A module-level global: finalisation frees it. Not "never freed".
        self.assertEqual(top["exit"], "freed at exit")
        self.assertGreaterEqual(top["freed_at_exit"]["count"], 20000 - 5)
        cache = [v for v in leaks["verdicts"] if v["site"]["line"] == cache_line]
        self.assertEqual(len(cache), 1)
        self.assertNotEqual(cache[0]["verdict"], "leak")
        self.assertNotEqual(cache[0]["exit"], "never freed")
        churn = [v for v in leaks["verdicts"] if v["site"]["line"] == churn_line]
        self.assertTrue(not churn or churn[0]["live"]["count"] < 200, churn)

    def test_generations_name_the_phase_that_leaks(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                import arenatrace
                kept = []
                def phase1():
                    tmp = [str(i) * 10 for i in range(5000)]
                    return len(tmp)
                def phase2():
                    for i in range(5000):
                        kept.append(str(i) * 10)  # PHASE 2 LEAK
                def phase3():
                    tmp = {i: str(i) for i in range(5000)}
                    return len(tmp)
                arenatrace.mark("one")
                phase1()
                arenatrace.mark("two")
                phase2()
                arenatrace.mark("three")
                phase3()
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            status, report, err = analyze("generations", trace, "--top", "5")
            leak_line = line_of(script, "# PHASE 2 LEAK")
        self.assertEqual(status, 0, err)
        g = only_process(report)["generations"]
        labels = [c["label"] for c in g["checkpoints"]]
        end = labels.index("program end")
        self.assertEqual(labels[:end], ["mark 'one'", "mark 'two'", "mark 'three'"])
        phases = {p["label"]: p for p in g["phases"]}

        def alive_at_end(label):
            return [s for s in phases[label]["survivors"] if s["checkpoint"] == end][0]

        two = alive_at_end("after mark 'two'")
        self.assertEqual(two["sites"][0]["line"], leak_line)
        self.assertGreaterEqual(two["sites"][0]["count"], 5000)
        self.assertGreaterEqual(two["alive"]["count"], 5000)
        # What a phase that leaks nothing still has alive at the end is what
        # CPython's free lists hold of it: 3.14 keeps up to 100 freed ints
        # (Py_ints_MAXFREELIST), which never reach the allocator's free.
        for other in ("after mark 'one'", "after mark 'three'"):
            survivors = alive_at_end(other)
            self.assertLess(survivors["alive"]["count"], 50 + 100, survivors)
            self.assertNotIn(leak_line, [s["line"] for s in survivors["sites"]])

    def test_temporary_counts_allocations_freed_at_once(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                def work(n):
                    for _ in range(n):
                        b = bytearray(1000)  # TEMP SITE
                        del b
                work(5000)
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            status, report, err = analyze("temporary", trace, "--top", "5")
            line = line_of(script, "# TEMP SITE")
        self.assertEqual(status, 0, err)
        temporary = only_process(report)["temporary"]
        site = sites_at(temporary["profile"], script, line)
        self.assertEqual(len(site), 1, temporary["profile"]["sites"])
        # bytearray(1000): the object and its buffer, each freed before the next allocation.
        self.assertGreaterEqual(site[0]["count"], 5000)
        self.assertLessEqual(site[0]["count"], 2 * 5000 + 2)
        self.assertGreaterEqual(site[0]["bytes"], 5000 * 1000)
        self.assertEqual(temporary["profile"]["sites"][0]["line"], line)

    def test_gc_attributes_the_cycles_it_freed_to_their_site(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                import gc
                class Node:
                    def __init__(self):
                        self.other = None
                def make_cycles(n):
                    for _ in range(n):
                        a, b = Node(), Node()  # CYCLE SITE
                        a.other, b.other = b, a
                gc.disable()
                make_cycles(3000)
                print(gc.collect())
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            status, report, err = analyze("generations", trace, "--top", "5")
            line = line_of(script, "# CYCLE SITE")
        self.assertEqual(status, 0, err)
        gc = only_process(report)["generations"]["gc"]
        self.assertGreaterEqual(gc["generations"][2]["collections"], 1)
        self.assertGreaterEqual(gc["generations"][2]["collected"], int(run.stdout))
        # The objects, and (up to 3.10) their __dict__s, made in __init__ called
        # from that line: the largest site freed is under it.
        top = gc["freed"]["sites"][0]
        self.assertIn((script, line), [(f["file"], f["line"]) for f in top["stack"]], top)
        freed_under_line = sum(s["count"] for s in gc["freed"]["sites"]
                               if (script, line) in [(f["file"], f["line"]) for f in s["stack"]])
        self.assertGreaterEqual(freed_under_line, 6000)

    def test_the_run_names_the_child_that_leaks(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                import os
                kept = []
                def child_work():
                    for i in range(20000):
                        kept.append(str(i) * 4)  # CHILD LEAK
                pid = os.fork()
                if pid == 0:
                    child_work()
                    os._exit(0)
                os.waitpid(pid, 0)
                print(pid)
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            status, report, err = analyze("leaks", trace)
            line = line_of(script, "# CHILD LEAK")
        self.assertEqual(status, 0, err)
        child = int(run.stdout)
        self.assertEqual(sorted(p["pid"] for p in report["processes"]),
                         sorted([child, report["processes"][0]["pid"]]))
        self.assertEqual([(l["pid"], l["site"]["line"]) for l in report["run"]["leaks"]],
                         [(child, line)])

    def test_fragmentation_names_the_survivors_that_pin_pools(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                def spike(n):
                    return [(i, "x") for i in range(n)]  # SPIKE SITE
                def keep(objs):
                    return [objs[i] for i in range(0, len(objs), 4000)]
                objs = spike(1000000)
                survivors = keep(objs)
                del objs
                print(len(survivors))
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            status, report, err = analyze("fragmentation", trace, "--top", "10")
            line = line_of(script, "# SPIKE SITE")
        self.assertEqual(status, 0, err)
        f = only_process(report)["fragmentation"]
        self.assertTrue(f["meaningful"])
        # The spike's 1,000,000 tuples filled thousands of pools; the 250
        # survivors keep about as many, each nearly empty.
        self.assertGreater(f["at_peak"]["pools"], 3000)
        self.assertGreater(f["at_end"]["sparse_pools"], 200)
        top = f["pinning"][0]
        self.assertEqual((top["file"], top["line"]), (script, line), f["pinning"][:3])
        self.assertGreaterEqual(top["blocks"], 250)
        self.assertGreater(top["pinned_bytes"], 200 * 16384 * 0.9)

    def test_diff_of_two_windows_of_one_trace(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                import arenatrace
                kept = []
                def grow(n):
                    for i in range(n):
                        kept.append(str(i) * 8)  # GROW SITE
                grow(1000)
                arenatrace.mark("half")
                grow(60000)
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            result = subprocess.run(
                [ARENATRACE, "diff", "--json", "--a-to", "mark:half", "--b-from", "mark:half",
                 "--by", "allocated", trace], capture_output=True, text=True)
            line = line_of(script, "# GROW SITE")
        self.assertEqual(result.returncode, 0, result.stderr)
        diff = json.loads(result.stdout)
        top = diff["sites"][0]
        self.assertEqual((top["file"], top["line"]), (script, line))
        self.assertGreaterEqual(top["allocated"]["b_count"] - top["allocated"]["a_count"], 59000)
        self.assertEqual(top["allocated"]["a_count"] >= 1000, True)

    def test_exports_read_back_by_independent_readers(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                def build():
                    return [bytes(500) for _ in range(4000)]  # EXPORT SITE
                kept = build()
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            line = line_of(script, "# EXPORT SITE")
            _, peak, _ = analyze("peak", trace)
            peak = only_process(peak)["peak"]
            outputs = {}
            for fmt in ("folded", "pprof", "speedscope"):
                path = os.path.join(tmp, "out." + fmt)
                result = subprocess.run([ARENATRACE, "export", "--format", fmt, "-o", path,
                                         trace], capture_output=True, text=True)
                self.assertEqual(result.returncode, 0, result.stderr)
                with open(path, "rb") as f:
                    outputs[fmt] = f.read()
            # folded: "outer;...;inner value" lines; the values add up to the peak.
            total = 0
            site_bytes = 0
            for text_line in outputs["folded"].decode().splitlines():
                stack, value = text_line.rsplit(" ", 1)
                total += int(value)
                if stack.split(";")[-1].endswith("(%s:%d)" % (script, line)):
                    site_bytes += int(value)
            self.assertEqual(total, peak["peak_bytes"])
            self.assertGreaterEqual(site_bytes, 4000 * 533)
            # pprof: read with protobuf's own Python library and pprof's profile.proto.
            profile = self.parse_pprof(outputs["pprof"], tmp)
            types = [profile.string_table[t.type] for t in profile.sample_type]
            self.assertEqual(types, ["alloc_objects", "alloc_space", "inuse_objects",
                                     "inuse_space"])
            self.assertEqual(sum(s.value[3] for s in profile.sample), peak["peak_bytes"])
            functions = {f.id: f for f in profile.function}
            locations = {l.id: l for l in profile.location}
            at_site = 0
            for s in profile.sample:
                leaf = locations[s.location_id[0]].line[0]
                if (profile.string_table[functions[leaf.function_id].filename] == script
                        and leaf.line == line):
                    at_site += s.value[3]
            self.assertGreaterEqual(at_site, 4000 * 533)
            # speedscope: its file format, two sampled profiles over shared frames.
            speedscope = json.loads(outputs["speedscope"])
            self.assertEqual(speedscope["$schema"],
                             "https://www.speedscope.app/file-format-schema.json")
            frames = speedscope["shared"]["frames"]
            for p in speedscope["profiles"]:
                self.assertEqual(p["type"], "sampled")
                self.assertEqual(len(p["samples"]), len(p["weights"]))
                self.assertTrue(all(0 <= i < len(frames) for s in p["samples"] for i in s))
            self.assertEqual(speedscope["profiles"][0]["endValue"], peak["peak_bytes"])

    def test_report_page_holds_the_analyses_and_fetches_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                import time
                leaked = []
                def build(n):
                    data = [bytes(1000) for _ in range(n)]  # PEAK SITE
                    time.sleep(0.05)
                    return len(data)
                build(20000)
                for i in range(20000):
                    leaked.append(str(i) * 20)  # LEAK SITE
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            page_path = os.path.join(tmp, "report.html")
            result = subprocess.run([ARENATRACE, "report", "-o", page_path, trace],
                                    capture_output=True, text=True)
            self.assertEqual(result.returncode, 0, result.stderr)
            with open(page_path, encoding="utf-8") as f:
                page = f.read()
            _, peak, _ = analyze("peak", trace)
            _, leaks, _ = analyze("leaks", trace)
            # Without -o, to a terminal, the page is refused; a file it can write is required.
            bad = subprocess.run([ARENATRACE, "report", "-o", os.path.join(tmp, "no", "x.html"),
                                  trace], capture_output=True, text=True)
            leak_line = line_of(script, "# LEAK SITE")
        self.assertEqual(bad.returncode, 1, bad.stderr)
        # Nothing to fetch: no external script, style or image, and a policy forbidding any.
        self.assertNotRegex(page, r"<(script|link|img)[^>]+(src|href)=")
        self.assertIn("default-src 'none'", page)
        start = page.index('<script id="arenatrace-data" type="application/json">')
        data = json.loads(page[page.index(">", start) + 1:page.index("</script>", start)])
        # "retained": the trace has the snapshot taken at finalisation, which the
        # free-threaded build does not take (docs/USAGE.md).
        retained = [] if FREE_THREADED else ["retained"]
        self.assertEqual([v["name"] for v in data["views"]],
                         ["peak", "leaks", "allocated", "temporary"] + retained + ["threads"])
        tree = data["views"][0]["tree"]
        process = only_process(peak)
        self.assertEqual(tree["total_bytes"], process["peak"]["peak_bytes"])
        self.assertEqual(tree["bytes"][0], tree["total_bytes"])
        self.assertEqual(tree["parent"][0], -1)
        # Each node holds at least what its kept children hold.
        children = {}
        for node, parent in enumerate(tree["parent"][1:], 1):
            children[parent] = children.get(parent, 0) + tree["bytes"][node]
        for node, below in children.items():
            self.assertGreaterEqual(tree["bytes"][node], below)
        strings, frames = data["frames"]["strings"], data["frames"]["frames"]
        self.assertEqual(len(strings), len(set(strings)))
        widest = max((n for n in range(1, len(tree["parent"]))
                      if strings[frames[tree["frame"][n]][1]] == script
                      and strings[frames[tree["frame"][n]][0]] != "<module>"),
                     key=lambda n: tree["bytes"][n])
        self.assertEqual(strings[frames[tree["frame"][widest]][0]].split(".")[0], "build")
        page_process = data["processes"][0]
        self.assertEqual(page_process["leaks"]["verdicts"][0]["site"]["line"], leak_line)
        self.assertEqual(page_process["leaks"]["verdicts"][0]["verdict"], "leak")
        self.assertEqual(page_process["leaks"]["verdicts"][0]["site"],
                         only_process(leaks)["leaks"]["verdicts"][0]["site"])
        # The temporal view: at the whole run's highest bucket, the heap's peak.
        temporal = page_process["temporal"]
        self.assertEqual(len(temporal["peak_bytes"]), 150)
        self.assertEqual(max(temporal["peak_bytes"]), process["peak"]["peak_bytes"])

    def parse_pprof(self, data, tmp):
        try:
            from google.protobuf import descriptor_pb2  # noqa: F401
        except ImportError:
            self.skipTest("python3-protobuf is not installed for the test driver")
        subprocess.run(["protoc", "-I" + os.path.dirname(PROTO), "--python_out=" + tmp, PROTO],
                       check=True)
        import importlib.util
        spec = importlib.util.spec_from_file_location("profile_pb2",
                                                      os.path.join(tmp, "profile_pb2.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        profile = module.Profile()
        profile.ParseFromString(gzip.decompress(data))
        return profile


if __name__ == "__main__":
    unittest.main()
