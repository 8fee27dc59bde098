"""Object churn: short-lived instances, tuples and floats, created and dropped."""
import sys


class Particle:
    __slots__ = ("x", "y", "vx", "vy")

    def __init__(self, x, y, vx, vy):
        self.x, self.y, self.vx, self.vy = x, y, vx, vy

    def step(self):
        return Particle(self.x + self.vx, self.y + self.vy, self.vx * 0.99, self.vy - 0.1)


def main(rounds):
    particles = [Particle(float(i), 0.0, 1.0, 2.0) for i in range(1000)]
    for _ in range(rounds):
        particles = [p.step() for p in particles]
        pairs = [(p.x, p.y) for p in particles]
    print(round(sum(x for x, _ in pairs), 3))


main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
