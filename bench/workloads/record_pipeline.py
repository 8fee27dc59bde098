"""A program for the analyzer benchmark: about 36 million allocation events at
varied stacks, a slow leak, caches and temporaries. `python record_pipeline.py
[scale]`."""
import sys

SCALE = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
leaked = []
cache = {}


class Record:
    __slots__ = ("key", "value", "tags")

    def __init__(self, key, value):
        self.key = key
        self.value = value
        self.tags = [key % 7, key % 11]


def parse(line):
    fields = line.split(",")
    return Record(int(fields[0]), fields[1:])


def transform(records):
    return [(r.key, r.value[0].upper(), tuple(r.tags)) for r in records]


def aggregate(rows):
    totals = {}
    for key, name, tags in rows:
        totals[name] = totals.get(name, 0) + key + len(tags)
    return totals


def batch(i):
    lines = ["%d,name%d,%s" % (j, j % 50, "x" * (j % 13)) for j in range(i, i + 200)]
    records = [parse(line) for line in lines]
    rows = transform(records)
    cache[i % 300] = aggregate(rows)
    if i % 20 == 0:
        leaked.append(records[0])


def main():
    for i in range(int(5000 * SCALE)):
        batch(i)
    print(len(leaked), len(cache))


main()
