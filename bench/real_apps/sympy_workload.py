"""A symbolic-maths workload on Debian's sympy: integrals, series, solving and
simplification, which build and drop many expression trees through deep and
varied call chains."""
import sympy
from sympy import cos, exp, integrate, log, series, simplify, sin, solve, symbols

x, y, z = symbols("x y z")
results = []
results.append(integrate(x**3 * exp(x) * sin(x), x))
results.append(integrate(1 / (x**4 + 1), x))
results.append(series(exp(sin(x)) * log(1 + x), x, 0, 10))
results.append(simplify((x**3 + x**2 - x - 1) / (x**2 + 2 * x + 1) + sin(x)**2 + cos(x)**2))
results.append(solve([x + y + z - 6, x * y - 2, y - z + 1], [x, y, z]))
results.append(sympy.factor(sympy.expand((x + y + z)**8 - (x - y)**6)))
results.append(sympy.Matrix(4, 4, lambda i, j: (x + i) ** j).det())
print(sum(len(str(r)) for r in results))
