"""RSS after a spike: build many small objects, free all but one in 4000.

Prints RSS (bytes, from /proc/self/statm) before, at the peak, and after the
free, as JSON. pymalloc keeps nearly every arena resident here, since a single
live block pins its 1 MiB arena.
"""
import gc
import json
import os
import sys

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def main(objects):
    gc.collect()
    before = rss()
    spike = [(i, "k%d" % i, [i, i + 1]) for i in range(objects)]
    peak = rss()
    survivors = spike[::4000]
    del spike
    gc.collect()
    after = rss()
    print(json.dumps({"before": before, "peak": peak, "after": after,
                      "survivors": len(survivors)}))


main(int(sys.argv[1]) if len(sys.argv) > 1 else 3_000_000)
