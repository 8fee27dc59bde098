"""Dict and list building: records as dicts, grouped into lists, then dropped."""
import sys


def main(rounds):
    checksum = 0
    for r in range(rounds):
        records = [{"id": i, "name": "user%d" % i, "tags": [i % 7, i % 11], "score": i * 0.5}
                   for i in range(20000)]
        groups = {}
        for rec in records:
            groups.setdefault(rec["tags"][0], []).append(rec)
        checksum += sum(len(v) for v in groups.values()) + len(records[-1])
    print(checksum)


main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
