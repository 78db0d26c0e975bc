#!/usr/bin/env python3
"""Model keypoints against hand labels on real photos of people lying on their back.

Reads the labels (pass1.json, and pass2.json and pass3.json where they
exist; PROTOCOL.md says what they are), runs the sagitta binary over the labelled photos once
per setting (the default heavy second look for lying poses, and
`--thomas-model full`), optionally runs MediaPipe's Python pose solution
(full and heavy), and prints Markdown tables:

- the repeat error between each two passes, per landmark, in pixels and in
  torso lengths of the earlier pass;
- each model's keypoint error against each pass, per landmark, in torso
  lengths (that pass's near-side acromion to hip joint centre), near and far
  side, and for the hip its signed offset towards the body's front;
- how often a model's legs match the labels better with left and right
  swapped;
- the Thomas-test angles (hip extension and knee flexion of the test leg, as
  sagitta defines them) from the labels and from each model, on the photos
  whose pose is the test or close to it;
- each leg keypoint's share of the knee angle's error against each pass
  (the angle with that keypoint from the model and the other two from the
  labels, minus the labels' own), median over the knees bent 20 degrees or
  more.

The keypoint angles of every model are computed here from its keypoints with
sagitta's own definitions (samples/render/sagitta_conventions.py), on the
leg the labels name, so that they measure keypoint placement only; sagitta's
own reading is printed beside them where it recognised the test.

Run through benches/supine_labels/run.sh (it builds sagitta and the MediaPipe
virtualenv). Without `--mediapipe` the script needs only the standard
library. Photo paths in the labels are relative to the repository root;
SAGITTA_SHARED=DIR reads `../shared` from DIR instead.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "samples" / "render"))
sys.path.insert(0, str(REPO / "benches" / "accuracy"))
from accuracy import knee_error_shares, run_mediapipe, run_sagitta  # noqa: E402
from sagitta_conventions import UP, below_horizontal_deg, knee_flexion_deg  # noqa: E402

JOINTS = ["shoulder", "hip", "knee", "ankle"]
LEG_JOINTS = ["hip", "knee", "ankle"]

# Photos whose pose is the Thomas test or close to it, with the leg read as
# the test leg (the near one, whose hip is labelled): supine at a bench's
# end with the thighs off it, or one knee held to the chest while the other
# leg lies out straight.
THOMAS_LIKE = {
    "On-Your-Back_Quad_Stretch__0.jpg": "supine at a bench end, thighs off it, feet on the floor; no knee held",
    "On-Your-Back_Quad_Stretch__1.jpg": "as __0, the near foot pulled back under the bench (modified Thomas)",
    "One_Knee_To_Chest__1.jpg": "one knee held to the chest, the near leg straight on the floor",
    "Quad_Stretch__0.jpg": "one knee held to the chest with a band, the near leg straight and raised off the floor",
}


def resolve(photo: str) -> Path:
    """A photo path as the labels write it, resolved from the repository root."""
    shared = os.environ.get("SAGITTA_SHARED")
    if shared and photo.startswith("../shared/"):
        return Path(shared) / photo.removeprefix("../shared/")
    return REPO / photo


def point(mark):
    return None if mark is None else (mark["x"], mark["y"])


def torso_px(entry) -> float:
    """Near-side acromion to hip joint centre, the unit of every error."""
    side = entry["near_side"]
    shoulder, hip = point(entry["landmarks"][f"{side}_shoulder"]), point(entry["landmarks"][f"{side}_hip"])
    if shoulder is None or hip is None:
        sys.exit(f"{entry['photo']}: the near shoulder and hip must be labelled (the torso length)")
    return math.dist(shoulder, hip)


def trunk_frame(entry):
    """Unit vectors of the labelled trunk: along it towards the feet
    (shoulder -> hip), and across it pointing up the image (the body's
    front for a person lying on their back)."""
    side = entry["near_side"]
    (sx, sy), (hx, hy) = point(entry["landmarks"][f"{side}_shoulder"]), point(entry["landmarks"][f"{side}_hip"])
    length = math.hypot(hx - sx, hy - sy)
    feet = ((hx - sx) / length, (hy - sy) / length)
    front = (-feet[1], feet[0])
    return feet, front if front[1] < 0 else (-front[0], -front[1])


def keypoints_of(record):
    """name -> (x, y) from a sagitta record; None when no person was found."""
    if record is None or record.get("type") == "error" or not record.get("pose"):
        return None
    return {k["name"]: (k["x"], k["y"]) for k in record["pose"]["keypoints"]}


def swapped(points):
    """The same keypoints with the legs' left and right exchanged."""
    out = dict(points)
    for joint in LEG_JOINTS:
        out[f"left_{joint}"], out[f"right_{joint}"] = points[f"right_{joint}"], points[f"left_{joint}"]
    return out


def leg_error_sum(entry, points) -> float:
    return sum(
        math.dist(point(mark), points[name])
        for name, mark in entry["landmarks"].items()
        if mark is not None and name.split("_")[1] in LEG_JOINTS
    )


def summarise(values):
    if not values:
        return "-"
    return f"{statistics.median(values):.3f} / {max(values):.3f} (n={len(values)})"


def repeat_error(earlier, later):
    """Per landmark, how far the later pass's points lie from the earlier's:
    as each pass names the legs, and with the later pass's legs swapped in
    the photos where that fits the earlier pass better (the passes chose a
    different leg as the near one)."""
    by_photo = {e["photo"]: e for e in later["photos"]}
    lines = [f"### Repeat error, pass {later['pass']} against pass {earlier['pass']} (median / max)\n"]
    lines.append(
        "| landmark | px, as named | torso lengths, as named | torso lengths, legs matched | placed in one pass only |"
    )
    lines.append("|---|---|---|---|---|")
    rows = {joint: ([], [], [], 0) for joint in JOINTS}
    crossed = []
    for entry in earlier["photos"]:
        other = by_photo.get(entry["photo"])
        if other is None:
            continue
        torso = torso_px(entry)
        points = {name: point(mark) for name, mark in other["landmarks"].items()}
        turned = swapped(points)
        legs = [
            name
            for name, mark in entry["landmarks"].items()
            if mark and points.get(name) and turned.get(name) and name.split("_")[1] in LEG_JOINTS
        ]
        cross = bool(legs) and sum(math.dist(point(entry["landmarks"][n]), turned[n]) for n in legs) < sum(
            math.dist(point(entry["landmarks"][n]), points[n]) for n in legs
        )
        if cross:
            crossed.append(Path(entry["photo"]).stem)
        for name, mark in entry["landmarks"].items():
            joint = name.split("_")[1]
            px, unit, unit_matched, one_only = rows[joint]
            again = points.get(name)
            if (mark is None) != (again is None):
                one_only += 1
            elif mark is not None:
                d = math.dist(point(mark), again)
                px.append(d)
                unit.append(d / torso)
            best = turned.get(name) if cross else again
            if mark is not None and best is not None:
                unit_matched.append(math.dist(point(mark), best) / torso)
            rows[joint] = (px, unit, unit_matched, one_only)
    for joint, (px, unit, unit_matched, one_only) in rows.items():
        px_text = f"{statistics.median(px):.1f} / {max(px):.1f} (n={len(px)})" if px else "-"
        lines.append(f"| {joint} | {px_text} | {summarise(unit)} | {summarise(unit_matched)} | {one_only} |")
    sides = sum(
        by_photo[e["photo"]]["near_side"] != e["near_side"] for e in earlier["photos"] if e["photo"] in by_photo
    )
    lines.append(
        f"\nPhotos whose pass-{later['pass']} legs fit pass {earlier['pass']} better "
        f"with left and right swapped: {len(crossed)}{': ' + ', '.join(crossed) if crossed else ''}."
    )
    lines.append(f"Photos whose passes name a different near side: {sides}.")
    return "\n".join(lines)


def in_order_of(first, other):
    """`other` pass with its photos in `first`'s order; both passes must
    label the same photos, since the models run once on pass 1's list."""
    by_photo = {e["photo"]: e for e in other["photos"]}
    missing = [e["photo"] for e in first["photos"] if e["photo"] not in by_photo]
    if missing or len(by_photo) != len(first["photos"]):
        sys.exit(f"pass{other['pass']}.json must label the photos of pass1.json; missing: {missing}")
    return {**other, "photos": [by_photo[e["photo"]] for e in first["photos"]]}


def matched(entry, points):
    """The model's keypoints with its legs named as the labels name them:
    swapped when that brings its hips, knees and ankles closer to the
    labels. Which leg is near is ambiguous in some photos (PROTOCOL.md),
    for the labeller and for a model alike."""
    other = swapped(points)
    return (other, True) if leg_error_sum(entry, other) < leg_error_sum(entry, points) else (points, False)


def keypoint_report(labels, pipelines, which):
    lines = [f"### Keypoint error against {which} (torso lengths, median / max)\n"]
    header = "| landmark | " + " | ".join(pipelines) + " |"
    lines += [header, "|---" * (len(pipelines) + 1) + "|"]
    errors = {name: {} for name in pipelines}
    fronts = {name: [] for name in pipelines}
    alongs = {name: [] for name in pipelines}
    swaps = {name: [0, 0] for name in pipelines}
    swapped_photos = {name: [] for name in pipelines}
    missing = {name: 0 for name in pipelines}
    for name, results in pipelines.items():
        for entry, points in zip(labels["photos"], results, strict=True):
            if points is None:
                missing[name] += 1
                continue
            torso = torso_px(entry)
            best, was_swapped = matched(entry, points)
            swaps[name][0] += was_swapped
            if was_swapped:
                swapped_photos[name].append(Path(entry["photo"]).stem)
            swaps[name][1] += 1
            for landmark, mark in entry["landmarks"].items():
                if mark is None:
                    continue
                side, joint = landmark.split("_")
                where = "near" if side == entry["near_side"] else "far"
                as_named = math.dist(point(mark), points[landmark]) / torso
                d = math.dist(point(mark), best[landmark]) / torso
                errors[name].setdefault((joint, where, "as named"), []).append(as_named)
                errors[name].setdefault((joint, where, "legs matched"), []).append(d)
                errors[name].setdefault((joint, mark["placement"], "legs matched"), []).append(d)
                if joint == "hip" and where == "near":
                    feet, front = trunk_frame(entry)
                    dx, dy = best[landmark][0] - mark["x"], best[landmark][1] - mark["y"]
                    fronts[name].append((dx * front[0] + dy * front[1]) / torso)
                    alongs[name].append((dx * feet[0] + dy * feet[1]) / torso)
    for joint in JOINTS:
        for where in ("near", "far", "seen", "estimated"):
            for how in ("as named", "legs matched"):
                key = (joint, where, how)
                if all(key not in errors[name] for name in pipelines):
                    continue
                if joint == "shoulder" and how == "legs matched" and where in ("near", "far"):
                    continue
                cells = [summarise(errors[name].get(key, [])) for name in pipelines]
                lines.append(f"| {joint}, {where}, {how} | " + " | ".join(cells) + " |")
    for what, offsets in (("front", fronts), ("feet", alongs)):
        cells = [
            "-"
            if not offsets[name]
            else f"{statistics.median(offsets[name]):+.3f} ({min(offsets[name]):+.3f} to {max(offsets[name]):+.3f})"
            for name in pipelines
        ]
        lines.append(f"| near hip towards the {what} (median, range; legs matched) | " + " | ".join(cells) + " |")
    lines.append(
        "| photos whose legs match the labels better swapped | "
        + " | ".join(f"{s} of {n}" for s, n in swaps.values())
        + " |"
    )
    lines.append("| photos with no person found | " + " | ".join(str(m) for m in missing.values()) + " |")
    lines.append(
        "\n`as named`: the model's left and right as it gives them; `legs matched`: "
        "left and right of the legs swapped where that fits the labels better. "
        "Rows `seen` and `estimated` take both sides, split by how the label was placed."
    )
    for name, photos in swapped_photos.items():
        lines.append(f"\nLegs swapped for {name}: {', '.join(photos) or 'none'}.")
    return "\n".join(lines)


def thomas_angles(entry, points):
    """Hip extension and knee flexion of the near leg from `points`."""
    side = entry["near_side"]
    hip, knee, ankle = (points.get(f"{side}_{j}") for j in LEG_JOINTS)
    shoulder = point(entry["landmarks"][f"{side}_shoulder"])
    to_feet = (point(entry["landmarks"][f"{side}_hip"])[0] - shoulder[0], 0.0)
    if hip is None or knee is None:
        return None, None
    hip_ext = below_horizontal_deg(hip, knee, to_feet)
    knee_flex = None if ankle is None else knee_flexion_deg(hip, knee, ankle, UP)
    return hip_ext, knee_flex


def fmt(value):
    return "-" if value is None else f"{value:.1f}"


def thomas_report(labels, pipelines, records, later):
    """The angles against pass 1; each of the `later` passes (in pass 1's
    photo order) adds its label angles as a column."""
    lines = ["### Thomas-test angles of the near leg (degrees; labels, then each model on pass 1's legs)\n"]
    passes = " | ".join(f"labels pass {p['pass']}" for p in [labels, *later])
    lines.append(f"| photo | pose | angle | {passes} | " + " | ".join(pipelines) + " | sagitta's own reading |")
    lines.append("|---" * (len(pipelines) + 5 + len(later)) + "|")
    for i, entry in enumerate(labels["photos"]):
        name = Path(entry["photo"]).name
        if name not in THOMAS_LIKE:
            continue
        label_points = {k: point(v) for k, v in entry["landmarks"].items()}
        truth = thomas_angles(entry, label_points)
        again = [
            thomas_angles(p["photos"][i], {k: point(v) for k, v in p["photos"][i]["landmarks"].items()}) for p in later
        ]
        measured = [
            (None, None) if results[i] is None else thomas_angles(entry, matched(entry, results[i])[0])
            for results in pipelines.values()
        ]
        record = records[i]
        own = "protocol: " + (record or {}).get("protocol", {}).get("kind", "none")
        for k, angle in enumerate(("hip_extension", "knee_flexion")):
            if record and record.get("protocol", {}).get("kind") == "thomas_test":
                m = record.get("measurements", {}).get(angle, {})
                own = f"{fmt(m.get('value_deg'))} (test leg {record['protocol'].get('test_leg')})"
            cells = " | ".join(fmt(m[k]) for m in measured)
            label_cells = " | ".join(fmt(a[k]) for a in [truth, *again])
            lines.append(
                f"| {name} | {THOMAS_LIKE[name] if k == 0 else ''} | {angle} | {label_cells} | {cells} | {own} |"
            )
    lines.append(
        "\nThe labels' angle carries the labels' own error; the differences between the passes' columns show its size."
    )
    return "\n".join(lines)


def knee_share_report(passes, pipelines):
    """Per pass and pipeline: each leg keypoint's share of the knee angle's
    error against the labels (median degrees over every labelled leg bent
    20 degrees or more, legs matched; negative reads the knee straighter)."""
    lines = [
        "### Each keypoint's share of the knee angle's error (degrees, median; n legs)\n",
        "| labels | pipeline | hip | knee | ankle |",
        "|---|---|---|---|---|",
    ]
    for labelled in passes:
        for name, results in pipelines.items():
            shares = {"hip": [], "knee": [], "ankle": []}
            for entry, points in zip(labelled["photos"], results, strict=True):
                if points is None:
                    continue
                points, _ = matched(entry, points)
                reference = {k: point(v) for k, v in entry["landmarks"].items() if v is not None}
                for leg in ("left", "right"):
                    for joint, share in knee_error_shares(reference, points, leg).items():
                        shares[joint].append(share)
            cells = " | ".join(
                f"{statistics.median(v):+.2f} (n {len(v)})" if v else "-" for v in shares.values()
            )
            lines.append(f"| pass {labelled['pass']} | {name} | {cells} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sagitta", default=str(REPO / "target" / "release" / "sagitta"))
    parser.add_argument(
        "--mediapipe",
        type=int,
        action="append",
        default=[],
        choices=[1, 2],
        help="also run MediaPipe with this model_complexity (1 full, 2 heavy); repeatable",
    )
    parser.add_argument("--per-photo", action="store_true", help="also print each photo's leg errors")
    args = parser.parse_args()

    labels = json.loads((HERE / "pass1.json").read_text())
    images = []
    for entry in labels["photos"]:
        path = resolve(entry["photo"])
        if not path.is_file():
            sys.exit(f"{entry['photo']}: not found at {path} (set SAGITTA_SHARED to the folder holding photos/)")
        images.append({"_image": str(path)})

    settings = {
        "sagitta (default: heavy second look)": [],
        "sagitta --thomas-model full": ["--thomas-model", "full"],
    }
    pipelines, records = {}, None
    for name, extra in settings.items():
        run = run_sagitta(args.sagitta, images, extra, give_roll=False)
        records = records or run
        kinds = sorted({(r or {}).get("model", {}).get("kind", "?") for r in run})
        pipelines[f"{name} [{', '.join(kinds)}]"] = [keypoints_of(r) for r in run]
    for complexity in args.mediapipe:
        label = {1: "MediaPipe full", 2: "MediaPipe heavy"}[complexity]
        pipelines[label] = run_mediapipe(images, complexity)

    print(f"## Hand-labelled supine photos ({len(labels['photos'])} photos)\n")
    later = [
        in_order_of(labels, json.loads(path.read_text()))
        for path in (HERE / "pass2.json", HERE / "pass3.json")
        if path.is_file()
    ]
    if not later:
        print("No later pass yet: the repeat error is not measured.\n")
    passes = [labels, *later]
    for i, first in enumerate(passes):
        for other in passes[i + 1 :]:
            print(repeat_error(first, other) + "\n")
    for labelled in passes:
        print(keypoint_report(labelled, pipelines, f"pass {labelled['pass']}") + "\n")
    print(thomas_report(labels, pipelines, records, later) + "\n")
    print(knee_share_report(passes, pipelines) + "\n")
    if args.per_photo:
        print("### Per photo: near hip / knee / ankle error (torso lengths, legs matched)\n")
        print("| photo | sagitta: protocol, model | " + " | ".join(pipelines) + " |")
        print("|---" * (len(pipelines) + 2) + "|")
        for i, entry in enumerate(labels["photos"]):
            torso = torso_px(entry)
            side = entry["near_side"]
            cells = []
            for results in pipelines.values():
                if results[i] is None:
                    cells.append("no person")
                    continue
                points, was_swapped = matched(entry, results[i])
                cells.append(
                    ("swapped: " if was_swapped else "")
                    + " / ".join(
                        "-"
                        if entry["landmarks"][f"{side}_{j}"] is None
                        else f"{math.dist(point(entry['landmarks'][f'{side}_{j}']), points[f'{side}_{j}']) / torso:.2f}"
                        for j in LEG_JOINTS
                    )
                )
            record = records[i] or {}
            how = f"{record.get('protocol', {}).get('kind', '-')}, {record.get('model', {}).get('kind', '-')}"
            print(f"| {Path(entry['photo']).name} | {how} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
