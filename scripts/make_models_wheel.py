"""Writes the `sagitta-models` wheel: the four ONNX models and their licence,
installed under PREFIX/share/sagitta/models, where the packaged `sagitta`
binary looks for them.

A separate wheel because the models (about 82 MB) and the binary with its
runtime (about 20 MB more) would come close to PyPI's 100 MB file limit
together, because the models are the same on every platform (one `py3-none-any`
wheel serves every platform wheel of the binary), and because a new release
of the tool need not make users download unchanged models again.

Standard library only, so it runs with any python3. The wheel is reproducible:
fixed timestamps and order. Every model is checked against models/SHA256SUMS
before it is packed (sagitta checks them again at every start).

Usage: python3 scripts/make_models_wheel.py VERSION MODELS_DIR OUT_DIR
"""

import base64
import hashlib
import sys
import zipfile
from pathlib import Path

NAME = "sagitta_models"
MODEL_FILES = [
    "pose_detection.onnx",
    "pose_landmark_lite.onnx",
    "pose_landmark_full.onnx",
    "pose_landmark_heavy.onnx",
]
LICENCE = "LICENSE-mediapipe-apache-2.0.txt"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def pinned_sums(models: Path) -> dict[str, str]:
    sums = {}
    for line in (models / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            sums[name.lstrip("*")] = digest
    return sums


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
    return "sha256=" + digest.rstrip(b"=").decode()


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    version, models, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    sums = pinned_sums(models)
    data_prefix = f"{NAME}-{version}.data/data/share/sagitta/models/"
    info = f"{NAME}-{version}.dist-info/"

    members: list[tuple[str, bytes]] = []
    for name in MODEL_FILES:
        data = (models / name).read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if sums.get(name) != actual:
            print(
                f"error: {models / name} has sha256 {actual}, models/SHA256SUMS pins {sums.get(name)}",
                file=sys.stderr,
            )
            return 1
        members.append((data_prefix + name, data))
    licence = (models / LICENCE).read_bytes()
    members.append((data_prefix + LICENCE, licence))
    members.append((info + "licenses/" + LICENCE, licence))
    members.append(
        (
            info + "METADATA",
            (
                "Metadata-Version: 2.4\n"
                "Name: sagitta-models\n"
                f"Version: {version}\n"
                "Summary: The BlazePose ONNX models that the sagitta posture tool runs\n"
                "License-Expression: Apache-2.0\n"
                f"License-File: {LICENCE}\n"
            ).encode(),
        )
    )
    members.append(
        (
            info + "WHEEL",
            (
                b"Wheel-Version: 1.0\n"
                b"Generator: sagitta scripts/make_models_wheel.py\n"
                b"Root-Is-Purelib: true\n"
                b"Tag: py3-none-any\n"
            ),
        )
    )
    record = "".join(f"{path},{record_hash(data)},{len(data)}\n" for path, data in members)
    record += f"{info}RECORD,,\n"
    members.append((info + "RECORD", record.encode()))

    out.mkdir(parents=True, exist_ok=True)
    wheel = out / f"{NAME}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path, data in members:
            entry = zipfile.ZipInfo(path, FIXED_TIME)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    print(wheel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
