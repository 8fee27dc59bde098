"""Black, as `black --check` would run it, over a package's source tree: every
file is parsed, formatted and compared (black's own API, one process, no
cache: the CLI would start worker processes and skip files it cached)."""
import pathlib
import sys

import black

mode = black.Mode()
changed = 0
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    source = path.read_text(encoding="utf-8")
    try:
        black.format_file_contents(source, fast=False, mode=mode)
        changed += 1
    except black.NothingChanged:
        pass
    except Exception as error:  # a file black cannot parse counts as unchanged
        print(path, type(error).__name__, file=sys.stderr)
print(changed, "files would be reformatted")
