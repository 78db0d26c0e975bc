"""Refusals of standing photos for the legs, on standing images made harder
without rendering: the frame cut through the feet, and the floor darkened.

    python3 benches/stance/stance.py --sagitta target/release/sagitta [--sagitta OTHER]

Each standing sample (samples/standing_*.jpg, tests/renders/render_standing_*.jpg)
is analysed once to find its feet and knees; from it five variants are
written to a temporary folder: the bottom of the frame 1 % of the height
below the lowest foot point ("edge"), through the lower heel ("heel"),
through the near ankle ("ankle"), halfway up the shin ("shin"), and the
image below the near knee at 35 % brightness and half contrast ("dark
floor"). Every variant is analysed by each sagitta binary given, and the
table says how many were measured as standing (with the knee angle
declined), refused (with the reasons) or had no person found. Needs
Pillow (`pip install pillow`).
"""

import argparse
import glob
import json
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageEnhance

REPO = Path(__file__).resolve().parents[2]


def analyse(sagitta, image):
    run = subprocess.run(
        [sagitta, "analyze", "--format", "json", str(image)],
        capture_output=True,
        text=True,
    )
    return json.loads(run.stdout) if run.returncode in (0, 1) and run.stdout else None


def variants(sagitta, folder):
    images = sorted(glob.glob(str(REPO / "samples/standing_*.jpg")))
    images += sorted(glob.glob(str(REPO / "tests/renders/render_standing_*.jpg")))
    written = []
    for path in images:
        doc = analyse(sagitta, path)
        points = {k["name"]: k for k in doc["pose"]["keypoints"]}
        near = doc["protocol"]["near_side"]
        width, height = doc["image"]["width"], doc["image"]["height"]

        def lowest(part, points=points):
            return max(points[f"{s}_{part}"]["y"] for s in ("left", "right"))

        ankle, knee = points[f"{near}_ankle"]["y"], points[f"{near}_knee"]["y"]
        cuts = {
            "edge": max(lowest("heel"), lowest("foot_index")) + 0.01 * height,
            "heel": lowest("heel"),
            "ankle": ankle,
            "shin": (knee + ankle) / 2,
        }
        name = Path(path).stem
        image = Image.open(path).convert("RGB")
        for label, cut in cuts.items():
            out = folder / f"{name}__{label}.jpg"
            image.crop((0, 0, width, int(min(cut, height)))).save(out, quality=95)
            written.append((label, out))
        box = (0, int(knee), width, height)
        lower = ImageEnhance.Brightness(image.crop(box)).enhance(0.35)
        dark = image.copy()
        dark.paste(ImageEnhance.Contrast(lower).enhance(0.5), box)
        out = folder / f"{name}__dark_floor.jpg"
        dark.save(out, quality=95)
        written.append(("dark floor", out))
    return written


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sagitta", action="append", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        written = variants(args.sagitta[0], Path(tmp))
        print("| binary | variant | images | standing (knee declined) | refused | no person | refusals |")
        print("|---|---|---|---|---|---|---|")
        for sagitta in args.sagitta:
            for label in dict.fromkeys(label for label, _ in written):
                rows = [analyse(sagitta, out) for name, out in written if name == label]
                standing = [d for d in rows if d and d["protocol"]["kind"] == "standing"]
                refused = [d for d in rows if d and d["protocol"]["kind"] != "standing"]
                declined = sum(1 for d in standing if d["measurements"]["knee_flexion"].get("declined"))
                reasons = "; ".join(d["protocol"]["reason"].split(":")[0] for d in refused)
                print(
                    f"| {sagitta} | {label} | {len(rows)} | {len(standing)} ({declined}) "
                    f"| {len(refused)} | {rows.count(None)} | {reasons} |"
                )


if __name__ == "__main__":
    main()
