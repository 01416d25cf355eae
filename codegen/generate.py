"""Generates the server's pydantic models and the SDK from openapi/openapi.json.

Both generators run in a scratch directory, away from our pyproject's ruff settings, so the
output depends only on the contract and the pinned tool versions; `--check` compares that
output with the committed files instead of replacing them.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "openapi.json"
SDK_CONFIG = ROOT / "codegen" / "sdk-config.yaml"
BIN = Path(sys.executable).parent
HEADER = "# generated from openapi/openapi.json by codegen/generate.py — do not edit\n"

# The SDK distribution's version: the contract's `info.version` (sdk/pyproject.toml reads it).
SDK_VERSION = Path("sdk/VERSION")

# Committed location → where the generator writes it inside the scratch directory.
TARGETS = {
    Path("server/pinakes_server/_generated"): Path("models"),
    Path("sdk/pinakes_client"): Path("sdk"),
}

MODEL_FLAGS = [
    "--input-file-type",
    "openapi",
    "--output-model-type",
    "pydantic_v2.BaseModel",
    "--use-annotated",
    "--field-constraints",
    "--target-python-version",
    "3.11",
    "--use-standard-collections",
    "--use-union-operator",
    "--use-double-quotes",
    "--disable-timestamp",
    "--collapse-root-models",
    "--strict-nullable",
    "--output-datetime-class",
    "AwareDatetime",
    "--extra-fields",
    "forbid",
    "--formatters",
    "builtin",
]


def run(*args: str | Path, cwd: Path) -> None:
    subprocess.run([str(a) for a in args], cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def generate_into(scratch: Path) -> None:
    models = scratch / "models"
    models.mkdir()
    run(
        BIN / "datamodel-codegen",
        "--input",
        SPEC,
        "--output",
        models / "models.py",
        "--custom-file-header",
        HEADER.rstrip("\n"),
        *MODEL_FLAGS,
        cwd=scratch,
    )
    (models / "__init__.py").write_text(
        HEADER + '"""Pydantic models of every schema in the contract."""\n'
    )
    # The contract itself, shipped in the server's package (an installed wheel has no repo).
    shutil.copyfile(SPEC, models / "openapi.json")

    env_path = f"{BIN}:/usr/bin:/bin"  # ruff must be on PATH for the SDK's formatting post-hooks
    subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(SPEC),
            "--output-path",
            str(scratch / "sdk"),
            "--meta",
            "none",
            "--fail-on-warning",
            "--config",
            str(SDK_CONFIG),
        ],
        cwd=scratch,
        check=True,
        stdout=subprocess.DEVNULL,
        env={"PATH": env_path},
    )
    shutil.rmtree(scratch / "sdk" / ".ruff_cache", ignore_errors=True)
    for py in (scratch / "sdk").rglob("*.py"):
        py.write_text(HEADER + py.read_text())
    (scratch / "sdk" / "py.typed").write_text("")


def differences(left: Path, right: Path) -> list[str]:
    """Relative paths that differ between two trees, ignoring caches.

    Freshly generated files never share an mtime with committed ones, so dircmp compares bytes.
    """
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: Path) -> None:
        for name in cmp.left_only + cmp.right_only + cmp.diff_files + cmp.funny_files:
            if name != "__pycache__":
                found.append(str(prefix / name))
        for name, sub in cmp.subdirs.items():
            if name != "__pycache__":
                walk(sub, prefix / name)

    walk(filecmp.dircmp(left, right, ignore=["__pycache__"]), Path())
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if committed output is stale")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pinakes-codegen-") as tmp:
        scratch = Path(tmp)
        generate_into(scratch)
        stale: list[str] = []
        for committed, produced in TARGETS.items():
            target = ROOT / committed
            if args.check:
                if not target.is_dir():
                    stale.append(f"{committed}/ (missing)")
                    continue
                stale += [f"{committed}/{p}" for p in differences(scratch / produced, target)]
            else:
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(scratch / produced, target)
    version = json.loads(SPEC.read_text())["info"]["version"] + "\n"
    if not args.check:
        (ROOT / SDK_VERSION).write_text(version)
    elif not (ROOT / SDK_VERSION).is_file() or (ROOT / SDK_VERSION).read_text() != version:
        stale.append(f"{SDK_VERSION} (the contract's info.version is {version.strip()})")
    if stale:
        print("generated code is stale; run `make generate`:", *stale, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
