#!/usr/bin/env python3
"""`analyze --markers` on renders with raised marker balls on the near ASIS
and PSIS: how often the markers are found, the pelvic tilt's error, and
whether each decline names the right marker.

    python3 benches/accuracy/markers.py [--renders DIR] [--sagitta target/release/sagitta] [--json FILE]

DIR holds renders of `samples/render/sweep.py --design markers` (default
~/.cache/sagitta/renders/markers; only renders whose truth records
`render_seconds` are read). sagitta runs twice per marker colour with
`--markers --marker-color NAME` and the camera roll the truth records
(`--camera-roll-deg`, as a levelled or plumb-lined photo gives it): as flat
dots, and with `--marker-balls` (the tilt corrected for the balls' lift).

Per level of each factor (`factors` in the spec: diameter_mm, colour,
surface, view_yaw_deg, arms) the table gives the renders, how many were
measured, and the tilt's MAE and bias (measured - true, degrees) with its
95 % confidence interval, against the truth's pelvic tilt as the photo shows
it (`angles_image_deg`, from the bony landmarks), with `--marker-balls` and
without. First for the renders with the arms clear of the hips (`arms`
folded), then for all. Beside it:

* `balls`: the same tilt from the balls' true centres (`markers.centre_px`)
  against the landmarks': the offset the balls themselves put on the angle
  (each centre sits one radius out along the surface normal, not on the bone);
* `centre px`: the larger distance of the two found centres (without
  `--marker-balls`, so the balls' own centres) from the balls' true centres,
  median over the measured renders;
* declines: each reason, and whether it names a marker the truth shows as
  hidden (`hidden_share` >= 0.5) or, on a top like the marker, the right one.

Standard library only.
"""

import argparse
import json
import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import camera_roll_deg, run_sagitta, undo_roll  # noqa: E402  (puts samples/render on the path)
from factors import cell, level_key, load_rendered, stats  # noqa: E402
from sagitta_conventions import pelvic_tilt_deg  # noqa: E402

FACTORS = ["diameter_mm", "colour", "surface", "view_yaw_deg", "arms"]
# A marker counts as hidden for the decline check when at least half of its
# camera-facing side is covered (the detector's own line: half a ball).
HIDDEN_SHARE = 0.5


def anterior_of(truth):
    """The body's front in the image: -x facing the image's left."""
    return (-1.0, 0.0) if truth["facing"] == "image_left" else (1.0, 0.0)


def ball_tilt(truth):
    """The tilt from the balls' true centres, in the roll-corrected frame."""
    w, h = truth["image"]["width"], truth["image"]["height"]
    roll = camera_roll_deg(truth)
    asis = undo_roll({"p": truth["markers"]["asis"]["centre_px"]}, roll, w, h)["p"]
    psis = undo_roll({"p": truth["markers"]["psis"]["centre_px"]}, roll, w, h)["p"]
    return pelvic_tilt_deg(asis, psis, anterior_of(truth))


def pelvic_tilt(record):
    return (record or {}).get("measurements", {}).get("pelvic_tilt", {}) if record else {}


def row_of(truth, record, balls_record):
    """One render: its levels, the truth, what sagitta said (as dots, and
    as balls)."""
    tilt = pelvic_tilt(record)
    markers = truth["markers"]
    row = {
        "name": truth["spec"]["name"],
        **{f: level_key(truth["spec"]["factors"][f]) for f in FACTORS},
        "true_deg": truth["angles_image_deg"]["pelvic_tilt"],
        "ball_deg": ball_tilt(truth),
        "hidden": {k: markers[k]["hidden_share"] for k in ("asis", "psis")},
        "dots_deg": tilt.get("value_deg"),
        "value_deg": pelvic_tilt(balls_record).get("value_deg"),
        "uncertainty_deg": pelvic_tilt(balls_record).get("uncertainty_deg"),
        "declined": pelvic_tilt(balls_record).get("declined") if balls_record else "no analysis",
        "centre_px": None,
    }
    points = tilt.get("points_px")
    if row["dots_deg"] is not None and points:
        # points_px: PSIS then ASIS, in photo pixels
        found = {"psis": points[0], "asis": points[1]}
        row["centre_px"] = max(math.dist(found[k], markers[k]["centre_px"]) for k in ("asis", "psis"))
    return row


def named_right(row, surface_like_marker):
    """Whether a decline names the marker that the truth shows as the
    trouble: a hidden one (>= HIDDEN_SHARE), or on a top of the marker's
    colour any marker the clothing message names."""
    reason = row["declined"] or ""
    hidden = [k.upper() for k, share in row["hidden"].items() if share >= HIDDEN_SHARE]
    if hidden:
        return all(f"the {k} marker" in reason or "neither the ASIS nor the PSIS" in reason for k in hidden)
    if surface_like_marker:
        return "told from the skin or clothing" in reason
    return False


def reason_kind(reason):
    for kind, words in (("partly hidden", "partly hidden"), ("told from clothing", "told from the skin or clothing"),
                        ("one missing (hidden?)", "hidden by a hand or an arm"), ("none found", "no marker of"),
                        ("too many", "expected exactly 2")):
        if words in reason:
            return kind
    return "other: " + reason[:60]


def table(rows, title):
    lines = [f"#### {title} ({len(rows)} renders)", "",
             "| factor | level | renders | measured | tilt MAE / bias [95 % CI] | as flat dots | "
             "balls' own offset | centre px |",
             "|---|---|---|---|---|---|---|---|"]

    def line(factor, level, group):
        made = [r for r in group if r["value_deg"] is not None]
        errors = [r["value_deg"] - r["true_deg"] for r in made]
        dots = [r["dots_deg"] - r["true_deg"] for r in group if r["dots_deg"] is not None]
        offsets = [r["ball_deg"] - r["true_deg"] for r in group]
        centres = [r["centre_px"] for r in made if r["centre_px"] is not None]
        rate = f"{len(made)} ({100 * len(made) / len(group):.0f} %)" if group else "-"
        px = f"{statistics.median(centres):.2f}" if centres else "-"
        lines.append(f"| {factor} | {level} | {len(group)} | {rate} | {cell(stats(errors))} | "
                     f"{cell(stats(dots))} | {cell(stats(offsets))} | {px} |")

    line("all", "", rows)
    for factor in FACTORS:
        for level in sorted({r[factor] for r in rows}, key=sort_key):
            line(factor, level, [r for r in rows if r[factor] == level])
    return lines


def sort_key(level):
    try:
        return (0, float(level.split("-")[0]) if not level.startswith("-") else -float(level.split("-")[1]))
    except ValueError:
        return (1, level)


def declines(rows):
    out = ["#### Declines", "", "| render | surface | arms | hidden ASIS / PSIS | reason | names the right marker |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        if r["value_deg"] is not None:
            continue
        right = named_right(r, r["surface"] == "clothing_like_marker")
        out.append(f"| {r['name']} | {r['surface']} | {r['arms']} | {r['hidden']['asis']:.2f} / "
                   f"{r['hidden']['psis']:.2f} | {reason_kind(r['declined'] or '')} | {'yes' if right else 'no'} |")
    return out


def main():
    cache = Path.home() / ".cache" / "sagitta" / "renders"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--renders", default=str(cache / "markers"))
    ap.add_argument("--sagitta", default="target/release/sagitta")
    ap.add_argument("--json", help="write the per-render rows here")
    args = ap.parse_args()
    truths = [t for t in load_rendered(args.renders) if "markers" in t]
    if not truths:
        sys.exit(f"no finished marker renders in {args.renders}")
    rows = []
    for colour in sorted({t["spec"]["markers"]["colour"] for t in truths}):
        group = [t for t in truths if t["spec"]["markers"]["colour"] == colour]
        marker_args = ["--markers", "--marker-color", colour]
        dots = run_sagitta(args.sagitta, group, marker_args, True)
        balls = run_sagitta(args.sagitta, group, [*marker_args, "--marker-balls"], True)
        rows += [row_of(t, d, b) for t, d, b in zip(group, dots, balls, strict=True)]
    rows.sort(key=lambda r: r["name"])
    clear = [r for r in rows if r["arms"] == "folded"]
    out = [*table(clear, "Arms clear of the hips (folded across the chest)"), "",
           *table(rows, "All marker renders"), "", *declines(rows)]
    print("\n".join(out))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
