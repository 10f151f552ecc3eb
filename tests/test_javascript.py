"""The JavaScript tests (tests/js/*.test.mjs, Node's built-in runner: no npm
packages, no network) run with the rest, so `make test` and CI fail when one
fails. Among them: the device's NIK rules against the cases the server's are
tested with (tests/data/id_number_vectors.json)."""

import shutil
import subprocess
from pathlib import Path

import pytest

JS_TESTS = Path(__file__).parent / "js"
NODE = shutil.which("node")


@pytest.mark.skipif(
    NODE is None, reason="node is not installed: the JavaScript tests in tests/js/ need Node.js 20 or later"
)
def test_the_javascript_tests_pass():
    # Files, not the folder: Node 20 searches a folder, Node 22 reads its arguments as globs.
    files = sorted(str(path) for path in JS_TESTS.glob("*.test.mjs"))
    assert files, "no JavaScript tests found in tests/js/"

    result = subprocess.run(
        [NODE, "--test", *files],
        cwd=JS_TESTS.parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, f"node --test failed:\n{result.stdout}\n{result.stderr}"
