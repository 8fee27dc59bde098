#!/usr/bin/env python3
"""cmake/FindInterpreters.cmake finds interpreters where users keep them.

Builds a home directory with pyenv, uv and conda layouts and a PATH entry,
each holding a symlink to a different real interpreter, runs the finder with
only that environment, and checks each is found once, with its place in its
label; a second PATH name for the same interpreter adds nothing.
Exit status 77: fewer than four interpreters to lay out.

usage: test_find_interpreters.py --source-dir DIR --build-dir DIR
"""
import argparse
import os
import subprocess
import sys
import tempfile
import unittest

ARGS = None


def real_interpreters(build_dir):
    """(exe, version) of the interpreters the build found outside the places
    always searched (/opt, /usr), one per version."""
    found = {}
    with open(os.path.join(build_dir, "interpreters.txt")) as f:
        for line in f:
            exe, version = line.split()
            if not exe.startswith(("/opt/", "/usr/")) and not version.endswith("t"):
                found.setdefault(version, exe)
    return [(exe, version) for version, exe in found.items()]


class FindInterpretersTest(unittest.TestCase):

    def test_each_place_is_searched_and_each_interpreter_kept_once(self):
        (pyenv, v1), (uv, v2), (conda, v3), (on_path, v4) = real_interpreters(ARGS.build_dir)[:4]
        with tempfile.TemporaryDirectory() as home:
            def link(target, *parts):
                path = os.path.join(home, *parts)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                os.symlink(target, path)
                return path
            link(pyenv, "pyenv", "versions", "mine", "bin", "python3")
            link(uv, ".local", "share", "uv", "python", "cpython-x-linux", "bin", "python3")
            link(conda, "miniconda3", "envs", "work", "bin", "python")
            path_exe = link(on_path, "bin", "python3")
            link(on_path, "bin2", "python3")  # the same one again, later on PATH
            env = {"HOME": home, "PYENV_ROOT": os.path.join(home, "pyenv"),
                   "PATH": os.pathsep.join([os.path.join(home, "bin"),
                                            os.path.join(home, "bin2"), "/usr/bin", "/bin"])}
            result = subprocess.run(
                ["cmake", "-DARENATRACE_SOURCE_DIR=" + ARGS.source_dir, "-P",
                 os.path.join(ARGS.source_dir, "tests", "cmake", "print_interpreters.cmake")],
                env=env, cwd=home, capture_output=True, text=True)
            self.assertEqual(result.returncode, 0, result.stderr)
            entries = [line.split("ENTRY ", 1)[1].split("|")
                       for line in result.stdout.splitlines() if "ENTRY " in line]
        labels = {entry[4]: entry[0] for entry in entries if entry[0].startswith(home)}
        self.assertEqual(sorted(labels), sorted(["pyenv-" + v1, "uv-" + v2, "conda-" + v3,
                                                 "path-" + v4]), result.stdout)
        self.assertEqual(labels["path-" + v4], path_exe)
        exes = [entry[0] for entry in entries]
        self.assertEqual(len(exes), len(set(exes)))
        for entry in entries:
            self.assertTrue(os.path.exists(os.path.join(entry[3], "Python.h")), entry)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--build-dir", required=True)
    ARGS, rest = parser.parse_known_args()
    if len(real_interpreters(ARGS.build_dir)) < 4:
        print("SKIPPED: fewer than four interpreters outside /opt and /usr to lay out")
        return 77
    program = unittest.main(argv=[sys.argv[0], "-v", *rest], exit=False)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
