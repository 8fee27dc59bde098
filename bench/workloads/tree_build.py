"""Recursive tree build and teardown (the binary-trees benchmark's shape)."""
import sys


class Node:
    __slots__ = ("left", "right")

    def __init__(self, left, right):
        self.left, self.right = left, right


def build(depth):
    if depth == 0:
        return Node(None, None)
    return Node(build(depth - 1), build(depth - 1))


def count(node):
    return 1 if node.left is None else 1 + count(node.left) + count(node.right)


def main(depth):
    long_lived = build(depth)
    total = 0
    for d in range(4, depth + 1, 2):
        iterations = 2 ** (depth - d + 4)
        for _ in range(iterations):
            total += count(build(d))
    print(total, count(long_lived))


main(int(sys.argv[1]) if len(sys.argv) > 1 else 14)
