"""Writes the starting seeds of each fuzz target into fuzz/corpus/<target>/
from the test corpus and the analysis fixtures (standard library only):

    python3 fuzz/make_seeds.py

The committed corpus is what fuzzing then grew from these seeds,
minimised (see README.md).
"""

import json
import struct
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
REPO = FUZZ.parent
SEEDS = FUZZ / "corpus"

# decode_image reads the crop (centre x, centre y, side, rotation) first, then the file.
ROTATED_CROP = struct.pack("<4f", 60.0, 40.0, 100.0, 0.5)
IMAGE_SEEDS = [
    "orientation-6.jpg", "orientation-5.jpg", "orientation-6.png", "orientation-6.webp", "gray16.png",
    "rgb16.png", "gray-alpha.png", "palette.png", "cmyk.jpg", "progressive.jpg", "lossless.webp",
    "lossy.webp", "animated.gif", "image.tiff", "truncated.jpg", "bomb-2gib.png",
    "bomb-screen.gif", "bomb-canvas.webp", "strip-1024x64.png",
]
ANALYSES = ["tests/fixtures/analysis_standing.json", "tests/fixtures/analysis_thomas.json"]
SCREENINGS = [
    '{"radiating_pain": false, "night_pain": true, "red_flags": ["sharp_pain"]}',
    '{"red_flags": ["cramp", 3]}',
]


def write(target, name, data):
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def measure_seed(analysis, protocol=0, pelvis=0, red_flags=0):
    """Bytes in the field order of measure_recommend's Input."""
    points = b"".join(
        struct.pack("<5f", k["x"], k["y"], k["z"], k["visibility"], k["presence"])
        for k in analysis["pose"]["keypoints"]
    )
    image = analysis["image"]
    asis_psis = struct.pack(
        "<4d", image["width"] * 0.45, image["height"] * 0.5, image["width"] * 0.4, image["height"] * 0.48
    )
    return (
        points
        + struct.pack("<HHB", image["width"], image["height"], protocol)
        + b"\x00"  # no camera roll
        + struct.pack("<B", pelvis)
        + asis_psis
        + bytes([220, 30, 30])  # marker colour
        + b"\x00"  # no mask
        + bytes(64 * 4 + 4 * 4)
        + struct.pack("<Bd", red_flags, 12.0)
    )


def main():
    for name in IMAGE_SEEDS:
        write("decode_image", name, ROTATED_CROP + (REPO / "tests/corpus/files" / name).read_bytes())
    for path in ANALYSES:
        text = (REPO / path).read_text()
        analysis = json.loads(text)
        stem = Path(path).stem
        # `routine --from` plans the routine again: the saved one only makes the seed long.
        planned = {key: value for key, value in analysis.items() if key != "routine"}
        write("routine_json", f"{stem}.json", json.dumps(planned, separators=(",", ":")).encode())
        write("measure_recommend", f"{stem}", measure_seed(analysis))
        write("measure_recommend", f"{stem}-landmarks", measure_seed(analysis, pelvis=1))
        write("measure_recommend", f"{stem}-red-flag", measure_seed(analysis, red_flags=0b100))
    for index, text in enumerate(SCREENINGS):
        write("routine_json", f"screening-{index}.json", text.encode())


if __name__ == "__main__":
    main()
