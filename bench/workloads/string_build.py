"""String building: formatting, slicing, splitting and joining small strings."""
import sys


def main(rounds):
    total = 0
    for r in range(rounds):
        lines = ["%05d,%s,%.2f" % (i, "item" + str(i % 97), i / 3) for i in range(20000)]
        fields = [line.split(",") for line in lines]
        joined = ";".join(f[1].upper() + f[0][-2:] for f in fields)
        total += len(joined) + sum(len(f"{a}-{b}") for a, b, _ in fields[:5000])
    print(total)


main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
