"""What every benchmark here needs: the interpreters the build found, and an
environment in which nothing but the benchmark chooses Python's allocator."""
import os
import subprocess


def interpreters(build_dir):
    """The interpreters the build found (build/interpreters.txt), in its order."""
    with open(os.path.join(build_dir, "interpreters.txt")) as f:
        return [line.split()[0] for line in f if line.strip()]


def clean_env():
    """The caller's environment without PYTHON*, ARENATRACE_* and LD_PRELOAD."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("PYTHON", "ARENATRACE_")) and k != "LD_PRELOAD"}


def version_of(python):
    """"3.14.7", with a "t" for a free-threaded build ("3.14.7t")."""
    return subprocess.run(
        [python, "-c", "import platform, sysconfig; print(platform.python_version() + "
         "('t' if sysconfig.get_config_var('Py_GIL_DISABLED') else ''))"],
        capture_output=True, text=True).stdout.strip()


def has_memray(python):
    """Whether memray is importable by `python` (the peers' rows need it)."""
    return subprocess.run([python, "-c", "import memray"], env=clean_env(),
                          capture_output=True).returncode == 0
