"""A trace that is hard on the analyzer's renderers: about a million
distinct stacks (three levels of 100 generated functions, every path
taken) and as many allocation/free events as asked for, with a ring of
live blocks so that the heap has a shape over time and a peak in the
middle (a spike of blocks kept, then dropped).

    python analysis_trace.py [EVENTS] [FUNCTIONS]   (default 30,000,000 and 100)
"""
import sys

EVENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000_000
FUNCTIONS = int(sys.argv[2]) if len(sys.argv) > 2 else 100
RING = 100_000

ring = [None] * RING
spike = []
namespace = {"ring": ring, "RING": RING}
# Each function allocates at its own line, or calls the next level's
# function chosen by the path: FUNCTIONS**3 distinct stacks.
for i in range(FUNCTIONS):
    exec(
        f"def f{i}(path, depth, slot):\n"
        f"    if depth == 3:\n"
        f"        ring[slot] = bytes({16 + i % 48})\n"
        f"        return\n"
        f"    F[path[depth]](path, depth + 1, slot)\n",
        namespace)
namespace["F"] = [namespace[f"f{i}"] for i in range(FUNCTIONS)]
F = namespace["F"]

calls = EVENTS // 2  # an allocation, and (once the ring is full) a free
n = FUNCTIONS
for k in range(calls):
    path = (k % n, (k // n) % n, (k // (n * n)) % n)
    F[path[0]](path, 1, k % RING)
    if k == calls // 2:
        spike = [bytes(200) for _ in range(200_000)]  # the peak, kept for a moment
    elif k == calls // 2 + 200_000:
        spike = []
print(len(ring))
