"""What every benchmark here needs: the interpreters the build found, and an
environment in which nothing but the benchmark chooses Python's allocator."""
import os


def interpreters(build_dir):
    """The interpreters the build found (build/interpreters.txt), in its order."""
    with open(os.path.join(build_dir, "interpreters.txt")) as f:
        return [line.split()[0] for line in f if line.strip()]


def clean_env():
    """The caller's environment without PYTHON*, ARENATRACE_* and LD_PRELOAD."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("PYTHON", "ARENATRACE_")) and k != "LD_PRELOAD"}
