"""Compiles and runs 100,000 small functions, each dropped once called: a
program whose code objects come and go (templating engines, notebooks,
`exec`-heavy test generators)."""
import sys

count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
total = 0
for i in range(count):
    namespace = {}
    exec(compile("def f_%d(n):\n    return [n + k for k in range(%d)]\n" % (i, i % 7 + 1),
                 "<generated %d>" % i, "exec"), namespace)
    total += len(namespace["f_%d" % i](i))
print(total)
