"""--sample-bytes: a Poisson sample of allocations whose weights estimate the
true totals, against a full recording of the same program."""
import subprocess
import tempfile
import unittest

from harness import ARENATRACE, TestCase, line_of, record, site_at, summary

PROGRAM = """
    keep = []
    def build():
        for i in range(100000):
            keep.append(bytearray(200))  # SITE
    build()
"""


class SamplingTest(TestCase):

    def recorded(self, options):
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, script = record(PROGRAM, tmp, options=options)
            self.assertEqual(result.returncode, 0, result.stderr)
            status, report, err = summary(trace, "--top", "20")
            self.assertEqual(status, 0, err)
            site = site_at(report, script, line_of(script, "# SITE"))
            self.assertIsNotNone(site, report["top_sites"])
            return report, site

    def test_weighted_samples_estimate_the_totals(self):
        full, full_site = self.recorded([])
        sampled, site = self.recorded(["--sample-bytes=4096"])
        self.assertEqual(full["sample_bytes"], 0)
        self.assertEqual(sampled["sample_bytes"], 4096)
        # About 25 MB in 200,000 blocks at this site: some 6,000 samples, a
        # relative standard error near 1.3%; 10% is a wide margin.
        self.assertGreater(sampled["sampled_events"], 3000)
        self.assertLess(sampled["sampled_events"], 12000)
        self.assertAlmostEqual(site["bytes"] / full_site["bytes"], 1.0, delta=0.10)
        self.assertAlmostEqual(site["allocs"] / full_site["allocs"], 1.0, delta=0.10)
        # The heap's peak (all 100,000 blocks live) is estimated too, and the
        # frees of sampled blocks are all matched.
        peak = sampled["domains"]["obj"]["peak_bytes"]
        full_peak = full["domains"]["obj"]["peak_bytes"]
        self.assertAlmostEqual(peak / full_peak, 1.0, delta=0.10)
        self.assertEqual(sampled["unmatched_frees"], 0)
        self.assertLess(sampled["sampled_events"], full["events"] / 20)

    def test_frees_are_estimated_like_allocations(self):
        # A free of a sampled block stands for as many blocks as its sample:
        # counted raw, the frees column would be some 30 times too small.
        full, _ = self.recorded([])
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, _ = record(PROGRAM, tmp, options=["--sample-bytes=4096"])
            self.assertEqual(result.returncode, 0, result.stderr)
            status, sampled, err = summary(trace)
            self.assertEqual(status, 0, err)
            text = subprocess.run([ARENATRACE, "summary", trace], capture_output=True,
                                  text=True).stdout
        s, f = sampled["domains"]["obj"], full["domains"]["obj"]  # where the site's blocks are
        self.assertAlmostEqual(s["frees"] / f["frees"], 1.0, delta=0.10)
        self.assertAlmostEqual(s["frees"] / s["allocs"], f["frees"] / f["allocs"], delta=0.10)
        # The text table says the same as the JSON.
        row = [l.split() for l in text.splitlines() if l.split()[:1] == ["obj"]][0]
        self.assertEqual((int(row[1]), int(row[2])),
                         (sampled["domains"]["obj"]["allocs"], sampled["domains"]["obj"]["frees"]))


if __name__ == "__main__":
    unittest.main()
