#!/usr/bin/env python3
"""How far sagitta's angles are from the rendered truth, next to MediaPipe.

Reads every `*.truth.json` under a folder of renders (made by
samples/render/), runs the sagitta binary once over all their images
(`--format jsonl`), optionally runs MediaPipe's Python pose solution on the
same images, and prints per measurement the mean absolute error, the bias
(mean signed error, measured minus true) and the worst error, the protocol
detection rate, the pelvic-tilt rank correlation, how often a stated
uncertainty covers the error, and how often each finding agrees with the
finding its true angle implies.

Errors are taken against the angle as posed in 3D (what a clinician wants);
the error against the angle as projected into the image is printed beside it
for the keypoint angles, so camera projection and keypoint placement can be
told apart.

MediaPipe's angles are computed from its keypoints with sagitta's own
definitions (samples/render/sagitta_conventions.py, which `cargo test` checks
against src/measure/conventions.rs), with the true facing and the true test
leg: they measure keypoint placement only, while sagitta's also include its
own protocol, facing and leg decisions.

Run through benches/accuracy/run.sh, which builds sagitta and the MediaPipe
virtualenv. Without `--mediapipe` the script needs only the standard library.
"""

import argparse
import json
import math
import statistics
import subprocess
import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "samples" / "render"))
from sagitta_conventions import (  # noqa: E402
    UP,
    difference,
    standing_angles_deg,
    thomas_test_angles_deg,
    unit,
)

# Angles whose rendered truth is compared, per protocol, in report order.
MEASUREMENTS = {
    "standing": [
        "trunk_inclination",
        "standing_hip_flexion",
        "knee_flexion",
        "head_forward",
        "pelvic_tilt",
    ],
    "thomas_test": [
        "hip_extension",
        "knee_flexion",
        "contralateral_hip_flexion",
        "trunk_tilt",
    ],
}
# The measurements whose error is split by subgroup in the report.
SUBGROUP_MEASUREMENTS = {
    "standing": ["pelvic_tilt", "trunk_inclination"],
    "thomas_test": ["hip_extension", "knee_flexion"],
}
# The pelvic estimate comes from the body outline, not from keypoints.
KEYPOINT_FREE = {"pelvic_tilt"}

LANDMARKS = [
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner",
    "right_eye", "right_eye_outer", "left_ear", "right_ear", "mouth_left",
    "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky",
    "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
]


# --- sagitta's angle definitions (samples/render/sagitta_conventions.py) -----

def keypoint_angles(points, protocol, anterior, leg, other_leg):
    """sagitta's keypoint angles from `points` (name -> (x, y) pixels)."""
    if protocol == "standing":
        joints = ("shoulder", "hip", "knee", "ankle", "ear")
        return standing_angles_deg({j: points[f"{leg}_{j}"] for j in joints}, anterior)
    test_leg = {j: points[f"{leg}_{j}"] for j in ("shoulder", "hip", "knee", "ankle")}
    held_leg = {f"held_{j}": points[f"{other_leg}_{j}"] for j in ("shoulder", "hip", "knee")}
    return thomas_test_angles_deg({**test_leg, **held_leg})


# --- the truth ---------------------------------------------------------------

def load_truths(folder):
    truths = []
    for path in sorted(Path(folder).rglob("*.truth.json")):
        truth = json.loads(path.read_text())
        truth["_image"] = str(path.parent / truth["image"]["file"])
        truths.append(truth)
    return truths


def truth_frame(truth):
    """The anterior direction, the measured leg and the other one, as sagitta defines them."""
    if truth["protocol"] == "thomas_test":
        leg = truth["test_leg"]
        return UP, leg, "left" if leg == "right" else "right"
    anterior = (-1.0, 0.0) if truth["facing"] == "image_left" else (1.0, 0.0)
    leg = truth.get("near_side") or "left"
    return anterior, leg, "left" if leg == "right" else "right"


def undo_roll(points, roll_deg, width, height):
    """Turns pixel points back by the camera roll, as `--camera-roll-deg` does."""
    if not roll_deg:
        return points
    cx, cy = width / 2.0, height / 2.0
    s, c = math.sin(math.radians(-roll_deg)), math.cos(math.radians(-roll_deg))
    return {
        k: (cx + (x - cx) * c - (y - cy) * s, cy + (x - cx) * s + (y - cy) * c)
        for k, (x, y) in points.items()
    }


def levelled(points, pitch_deg, focal_35mm, width, height):
    """Roll-corrected pixel points as a level camera would see them, as
    `--camera-pitch-deg` with `--focal-length-35mm` does."""
    cx, cy = width / 2.0, height / 2.0
    focal_px = focal_35mm * math.hypot(width, height) / math.hypot(36, 24)
    s, c = math.sin(math.radians(pitch_deg)), math.cos(math.radians(pitch_deg))
    out = {}
    for k, (x, y) in points.items():
        rx, ry = (x - cx) / focal_px, (y - cy) / focal_px
        depth = s * ry + c
        out[k] = (cx + rx / depth * focal_px, cy + (c * ry - s) / depth * focal_px)
    return out


# --- running the two pipelines -----------------------------------------------

def camera_roll_deg(truth):
    """How far true vertical appears turned clockwise: sagitta's `--camera-roll-deg`."""
    return truth.get("camera", {}).get("vertical_appears_turned_cw_deg", 0.0) or 0.0


def camera_pitch_deg(truth):
    """How far the camera looked up (negative: down) from level: sagitta's
    `--camera-pitch-deg`, from the camera's place and the point it aimed at."""
    camera = truth.get("camera", {})
    (x, y, z), (ax, ay, az) = camera["location_m"], camera["aim_m"]
    return round(math.degrees(math.atan2(az - z, math.hypot(ax - x, ay - y))), 3)


def focal_length_35mm(truth):
    """The render's lens as a 35 mm-equivalent focal length (diagonal field
    of view; the sensor is fitted to the image's width)."""
    camera, image = truth["camera"], truth["image"]
    width, height = image["width"], image["height"]
    diagonal_mm = camera["sensor_width_mm"] * math.hypot(width, height) / width
    return round(camera["focal_mm"] * math.hypot(36, 24) / diagonal_mm, 3)


def run_sagitta(binary, truths, extra_args, give_roll, give_pitch=False):
    """One sagitta run per distinct camera roll (all at once when the roll is
    not given), and per pitch and focal length when the pitch is given too."""
    groups = {}
    for truth in truths:
        roll = camera_roll_deg(truth) if give_roll else None
        pitch = (camera_pitch_deg(truth), focal_length_35mm(truth)) if give_pitch else None
        groups.setdefault((roll, pitch), []).append(truth["_image"])
    by_path = {}
    for (roll, pitch), images in groups.items():
        camera_args = [] if roll is None else [f"--camera-roll-deg={roll}"]
        if pitch is not None:
            camera_args += [f"--camera-pitch-deg={pitch[0]}", f"--focal-length-35mm={pitch[1]}"]
        out = subprocess.run(
            [binary, "analyze", "--format", "jsonl", "--quiet", *camera_args, *extra_args, *images],
            capture_output=True, text=True, check=False,
        )
        if out.returncode not in (0, 1):
            sys.exit(f"sagitta failed ({out.returncode}): {out.stderr[-2000:]}")
        for line in out.stdout.splitlines():
            record = json.loads(line)
            if record.get("type") in ("analysis", "error"):
                by_path[record["image"]["path"]] = record
    return [by_path.get(t["_image"]) for t in truths]


def run_mediapipe(truths, complexity):
    import cv2
    import mediapipe as mp

    results = []
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=complexity,
                                enable_segmentation=False) as pose:
        for truth in truths:
            bgr = cv2.imread(truth["_image"], cv2.IMREAD_COLOR)
            h, w = bgr.shape[:2]
            found = pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)).pose_landmarks
            results.append(None if found is None else {
                name: (lm.x * w, lm.y * h) for name, lm in zip(LANDMARKS, found.landmark, strict=True)
            })
    return results


# --- scoring -------------------------------------------------------------------

KEYPOINT_JOINTS = ["shoulder", "hip", "knee", "ankle"]


def keypoint_offsets(points, truth, leg):
    """Each measured-side keypoint's offset from the true joint centre in the
    body's frame, in torso lengths: `along` towards the feet (the true
    shoulder -> hip direction), `front` towards the body's front."""
    true_px = truth["joints_px"]
    shoulder, hip = true_px[f"{leg}_shoulder"], true_px[f"{leg}_hip"]
    axis = unit(difference(hip, shoulder))
    torso = math.hypot(*difference(hip, shoulder))
    if axis is None:
        return {}
    # The perpendicular that points to the body's front.
    normal = (-axis[1], axis[0])
    nose = true_px.get("nose")
    if nose is not None:
        to_nose = difference(nose, shoulder)
        if to_nose[0] * normal[0] + to_nose[1] * normal[1] < 0:
            normal = (-normal[0], -normal[1])
    offsets = {}
    for joint in KEYPOINT_JOINTS:
        name = f"{leg}_{joint}"
        if name in points and name in true_px:
            d = difference(points[name], true_px[name])
            offsets[joint] = ((d[0] * axis[0] + d[1] * axis[1]) / torso,
                              (d[0] * normal[0] + d[1] * normal[1]) / torso)
    return offsets


# Nearer straight than this, which way one keypoint moves the knee angle is
# ill-defined (a straight knee's angle can only grow), so such knees are left
# out of `knee_error_shares`.
MIN_BENT_KNEE_DEG = 20.0


def knee_bend_deg(hip, knee, ankle):
    """The angle between the thigh (hip -> knee) and the shank (knee ->
    ankle), degrees, unsigned; None for a zero-length segment."""
    thigh, shank = difference(knee, hip), difference(ankle, knee)
    norms = math.hypot(*thigh) * math.hypot(*shank)
    if norms == 0:
        return None
    cos = (thigh[0] * shank[0] + thigh[1] * shank[1]) / norms
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def knee_error_shares(reference, got, leg):
    """Each leg keypoint's share of the knee angle's error: the angle with
    that one keypoint from `got` and the other two from `reference`, minus
    the reference's own (degrees, by joint); {} for a knee bent less than
    MIN_BENT_KNEE_DEG or a joint missing from either."""
    names = [f"{leg}_{j}" for j in ("hip", "knee", "ankle")]
    if not all(n in reference and n in got for n in names):
        return {}
    base = knee_bend_deg(*(reference[n] for n in names))
    if base is None or base < MIN_BENT_KNEE_DEG:
        return {}
    shares = {}
    for i, joint in enumerate(("hip", "knee", "ankle")):
        points = [got[n] if k == i else reference[n] for k, n in enumerate(names)]
        bent = knee_bend_deg(*points)
        if bent is not None:
            shares[joint] = bent - base
    return shares


def finding_cutoffs(rules_path):
    """(finding id, protocol, measurement, 'above'|'below', cut-off) for numeric findings."""
    rules = tomllib.loads(Path(rules_path).read_text())
    cutoffs = []
    for finding in rules.get("finding", []):
        when = finding.get("when", {})
        for key, direction in (("value_deg_above", "above"), ("value_deg_below", "below")):
            if key in when:
                cutoffs.append((finding["id"], finding.get("protocol"), finding["measurement"],
                                direction, float(when[key])))
    return cutoffs


def summarise(errors):
    if not errors:
        return None
    return {
        "n": len(errors),
        "mae": statistics.fmean(abs(e) for e in errors),
        "bias": statistics.fmean(errors),
        "worst": max(errors, key=abs),
        "p90_abs": sorted(abs(e) for e in errors)[max(0, math.ceil(0.9 * len(errors)) - 1)],
    }


def spearman(xs, ys):
    def ranks(v):
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2.0
            i = j + 1
        return r
    if len(xs) < 3:
        return None
    rx, ry = ranks(xs), ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    var = math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))
    return None if var == 0 else cov / var


def fmt(x, digits=1):
    return "-" if x is None else f"{x:+.{digits}f}" if digits and x < 0 else f"{x:.{digits}f}"


def subgroups(truth):
    """The render's place in each split the accuracy must hold across."""
    spec = truth.get("spec", {})
    body, camera = spec.get("body", {}), spec.get("camera", {})
    side = truth.get("facing") or truth.get("head_side")
    groups = {
        "sex": "female" if body.get("sex", 0.0) < 0.5 else "male",
        "facing" if truth["protocol"] == "standing" else "head side": side,
        "camera height": "below 1.1 m" if camera.get("height_m", 1.0) < 1.1 else "1.1 m and above",
        "clothing": spec.get("clothing", {}).get("style"),
        "weight": "below 0.5" if body.get("weight", 0.5) < 0.5 else "0.5 and above",
    }
    if truth.get("test_leg"):
        groups["test leg"] = truth["test_leg"]
    return groups


def evaluate(truths, sagitta, mediapipe, cutoffs, give_roll):
    rows = []
    for i, truth in enumerate(truths):
        proto = truth["protocol"]
        record = sagitta[i]
        analysed = record is not None and record.get("type") == "analysis"
        detected = analysed and record["protocol"]["kind"] == proto
        row = {"image": truth["_image"], "protocol": proto, "detected": detected,
               "sagitta_protocol": record["protocol"]["kind"] if analysed else None,
               "sagitta_reason": (record["protocol"].get("reason") if analysed
                                  else (record or {}).get("error", {}).get("message")),
               "measurements": {}, "findings": {}, "groups": subgroups(truth)}
        anterior, leg, other_leg = truth_frame(truth)
        w, h = truth["image"]["width"], truth["image"]["height"]
        roll = camera_roll_deg(truth) if give_roll else 0.0
        mp_angles = {}
        row["keypoints"] = {}
        if analysed:
            row["keypoints"]["sagitta"] = keypoint_offsets(
                {k["name"]: (k["x"], k["y"]) for k in record["pose"]["keypoints"]}, truth, leg)
        for name, points in (mediapipe or {}).items():
            if points[i] is not None:
                mp_angles[name] = keypoint_angles(
                    undo_roll(points[i], roll, w, h), proto, anterior, leg, other_leg)
                row["keypoints"][name] = keypoint_offsets(points[i], truth, leg)
        for m in MEASUREMENTS[proto]:
            true_3d = truth["angles_3d_deg"].get(m)
            if true_3d is None:
                continue
            entry = {"true_3d": true_3d, "true_image": truth.get("angles_image_deg", {}).get(m)}
            got = record["measurements"].get(m) if detected else None
            if got is not None and got.get("value_deg") is not None:
                entry["sagitta"] = got["value_deg"]
                entry["uncertainty"] = got.get("uncertainty_deg")
                entry["confidence"] = got.get("confidence")
            elif got is not None:
                entry["declined"] = got.get("declined")
            for name, angles in mp_angles.items():
                if m not in KEYPOINT_FREE and angles.get(m) is not None:
                    entry[name] = angles[m]
            row["measurements"][m] = entry
        fired = {f["id"] for f in record.get("findings", [])} if detected else set()
        borderline = {b["id"] for b in record.get("borderline", [])} if detected else set()
        for fid, fproto, m, direction, cut in cutoffs:
            if fproto != proto or m not in row["measurements"]:
                continue
            true_value = row["measurements"][m]["true_3d"]
            implied = true_value > cut if direction == "above" else true_value < cut
            stated = row["measurements"][m].get("uncertainty")
            row["findings"][fid] = {
                "implied": implied, "fired": fid in fired, "borderline": fid in borderline,
                "true": true_value, "cutoff": cut,
                "truth_within_uncertainty": stated is not None and abs(true_value - cut) <= stated,
            }
        rows.append(row)
    return rows


def report(rows, pipelines):
    lines = []
    by_proto = {}
    for row in rows:
        by_proto.setdefault(row["protocol"], []).append(row)
    lines.append("## Protocol detection\n")
    lines.append("| rendered protocol | renders | detected | rate |")
    lines.append("|---|---|---|---|")
    for proto, group in sorted(by_proto.items()):
        hit = sum(r["detected"] for r in group)
        lines.append(f"| {proto} | {len(group)} | {hit} | {hit / len(group):.0%} |")
    lines.append("")
    lines.append("## Angle error against the posed 3D angle (degrees; bias = measured - true)\n")
    header = ("| protocol | measurement | pipeline | n | MAE | bias | worst | p90 abs | MAE vs image angle "
              "| declined | within stated uncertainty |")
    lines.append(header)
    lines.append("|---" * (header.count("|") - 1) + "|")
    for proto, group in sorted(by_proto.items()):
        for m in MEASUREMENTS[proto]:
            entries = [r["measurements"][m] for r in group if m in r["measurements"]]
            if not entries:
                continue
            for pipe in pipelines:
                if m in KEYPOINT_FREE and pipe != "sagitta":
                    continue
                have = [e for e in entries if pipe in e]
                s = summarise([e[pipe] - e["true_3d"] for e in have])
                s_img = summarise([e[pipe] - e["true_image"] for e in have if e["true_image"] is not None])
                declined = sum("declined" in e for e in entries) if pipe == "sagitta" else len(entries) - len(have)
                covered = "-"
                if pipe == "sagitta":
                    stated = [e for e in have if e.get("uncertainty") is not None]
                    if stated:
                        inside = sum(abs(e[pipe] - e["true_3d"]) <= e["uncertainty"] for e in stated)
                        covered = f"{inside}/{len(stated)}"
                if s is None:
                    lines.append(f"| {proto} | {m} | {pipe} | 0 | - | - | - | - | - | {declined} | {covered} |")
                    continue
                lines.append(
                    f"| {proto} | {m} | {pipe} | {s['n']} | {s['mae']:.2f} | {s['bias']:+.2f} | "
                    f"{s['worst']:+.1f} | {s['p90_abs']:.1f} | {fmt(s_img and s_img['mae'], 2)} | "
                    f"{declined} | {covered} |")
    standing = [r["measurements"]["pelvic_tilt"] for r in by_proto.get("standing", [])
                if "pelvic_tilt" in r["measurements"] and "sagitta" in r["measurements"]["pelvic_tilt"]]
    if standing:
        rho = spearman([e["true_3d"] for e in standing], [e["sagitta"] for e in standing])
        lines.append("")
        lines.append(f"Pelvic-tilt estimate: Spearman rank correlation with the posed tilt "
                     f"{fmt(rho, 3)} over {len(standing)} standing renders "
                     f"(posed {min(e['true_3d'] for e in standing):.1f} to "
                     f"{max(e['true_3d'] for e in standing):.1f} deg).")
    lines.append("")
    lines.append("## sagitta's error by subgroup (MAE / bias, degrees)\n")
    lines.append("| protocol | measurement | split | group | n | MAE | bias |")
    lines.append("|---|---|---|---|---|---|---|")
    for proto, group in sorted(by_proto.items()):
        for m in SUBGROUP_MEASUREMENTS.get(proto, []):
            splits = sorted({k for r in group for k in r["groups"]})
            for split in splits:
                for value in sorted({str(r["groups"].get(split)) for r in group}):
                    errs = [r["measurements"][m]["sagitta"] - r["measurements"][m]["true_3d"]
                            for r in group if str(r["groups"].get(split)) == value
                            and "sagitta" in r["measurements"].get(m, {})]
                    s = summarise(errs)
                    if s:
                        lines.append(f"| {proto} | {m} | {split} | {value} | {s['n']} | "
                                     f"{s['mae']:.2f} | {s['bias']:+.2f} |")
    lines.append("")
    lines.append("## Keypoint placement against the true joint centre (torso lengths; mean +/- SD)\n")
    lines.append("`along`: towards the feet along the true shoulder-hip line; `front`: towards the body's front.\n")
    lines.append("| protocol | pipeline | " + " | ".join(f"{j} along | {j} front" for j in KEYPOINT_JOINTS) + " |")
    lines.append("|---|---|" + "---|---|" * len(KEYPOINT_JOINTS))
    for proto, group in sorted(by_proto.items()):
        for pipe in pipelines:
            cells = []
            for joint in KEYPOINT_JOINTS:
                for axis in (0, 1):
                    vals = [r["keypoints"][pipe][joint][axis] for r in group
                            if joint in r["keypoints"].get(pipe, {})]
                    cells.append("-" if len(vals) < 2 else
                                 f"{statistics.fmean(vals):+.3f} +/- {statistics.stdev(vals):.3f}")
            lines.append(f"| {proto} | {pipe} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("## Findings against the finding the true angle implies\n")
    lines.append("`borderline`: shown as within its uncertainty of the cut-off, neither a finding nor clearly "
                 "normal.\n")
    lines.append("| finding | renders | agree | disagree | of which the truth lies within the stated uncertainty "
                 "of the cut-off | false positives | false negatives | of which borderline |")
    lines.append("|---|---|---|---|---|---|---|---|")
    ids = sorted({fid for r in rows for fid in r["findings"]})
    for fid in ids:
        items = [r["findings"][fid] for r in rows if fid in r["findings"]]
        agree = sum(i["implied"] == i["fired"] for i in items)
        bad = [i for i in items if i["implied"] != i["fired"]]
        excused = sum(i["truth_within_uncertainty"] for i in bad)
        fp = sum(i["fired"] and not i["implied"] for i in items)
        fn = sum(i["implied"] and not i["fired"] for i in items)
        fn_borderline = sum(i["implied"] and not i["fired"] and i["borderline"] for i in items)
        lines.append(f"| {fid} | {len(items)} | {agree} | {len(bad)} | {excused} | {fp} | {fn} | {fn_borderline} |")
    missed = [r for r in rows if not r["detected"]]
    if missed:
        lines.append("")
        lines.append("## Renders whose protocol was not detected\n")
        for r in missed:
            lines.append(f"- `{Path(r['image']).name}` ({r['protocol']}): "
                         f"{r['sagitta_protocol']}: {r['sagitta_reason']}")
    return "\n".join(lines)


CURVES = ["lumbar_lordosis_depth", "lumbar_lordosis_angle", "thoracic_kyphosis_depth",
          "thoracic_kyphosis_angle", "buttock_prominence", "lower_abdomen_inclination", "pelvic_tilt"]
PELVIC_CUTS = (0.0, 23.0)  # posterior below, anterior above (assets/limits.toml, pattern.*)


def line_fit(xs, ys):
    """Least-squares line y = a + b x: (a, b)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return my - b * mx, b


def leave_one_out_residuals(xs, ys):
    """Each point's residual from the line fitted on all the others."""
    out = []
    for i in range(len(xs)):
        a, b = line_fit(xs[:i] + xs[i + 1:], ys[:i] + ys[i + 1:])
        out.append(ys[i] - (a + b * xs[i]))
    return out


def pelvic_class(tilt):
    low, high = PELVIC_CUTS
    return "posterior" if tilt < low else ("anterior" if tilt > high else "neutral")


def curve_report(truths, records):
    """The spine curves against the posed tilt, and the posture calls against the true class."""
    pairs = [(t, r) for t, r in zip(truths, records, strict=True)
             if t["protocol"] == "standing" and r and r.get("type") == "analysis"]
    if not pairs:
        return ""
    lines = ["## Spine curves and posture calls (standing renders)\n",
             "Each curve against the posed pelvic tilt: rank correlation, the least-squares line "
             "(value at 13 degrees, the prior's mean, and slope per 10 degrees), and the "
             "leave-one-out residual of that line (SD and worst): the curve's spread across bodies "
             "and clothing at a given tilt.\n",
             "| measurement | n | declined | Spearman | at 13 deg | per 10 deg | LOO residual SD | worst |",
             "|---|---|---|---|---|---|---|---|"]
    for name in CURVES:
        have = []
        declined = 0
        for t, r in pairs:
            m = r["measurements"].get(name, {})
            value = m.get("value_deg", m.get("value"))
            if value is None:
                declined += 1
            else:
                have.append((t["angles_3d_deg"]["pelvic_tilt"], value))
        if len(have) < 3:
            lines.append(f"| {name} | {len(have)} | {declined} | - | - | - | - | - |")
            continue
        tilts, values = [h[0] for h in have], [h[1] for h in have]
        a, b = line_fit(tilts, values)
        loo = leave_one_out_residuals(tilts, values)
        sd = (sum(e * e for e in loo) / len(loo)) ** 0.5
        lines.append(f"| {name} | {len(have)} | {declined} | {spearman(tilts, values):.3f} | "
                     f"{a + 13 * b:.4g} | {10 * b:+.4g} | {sd:.4g} | {max(abs(e) for e in loo):.4g} |")
    # Out of sample for the estimate: the tilt each render's estimate gives
    # through a line of the posed tilt on the estimates of the others.
    est = [(t["angles_3d_deg"]["pelvic_tilt"], r["measurements"]["pelvic_tilt"].get("value_deg"))
           for t, r in pairs]
    est = [e for e in est if e[1] is not None]
    if len(est) >= 3:
        truth, values = [e[0] for e in est], [e[1] for e in est]
        predicted = [truth[i] - res for i, res in
                     enumerate(leave_one_out_residuals(values, truth))]
        residual_sd = (sum((p - t) ** 2 for p, t in zip(predicted, truth, strict=True)) / len(truth)) ** 0.5
        lines.append("")
        lines.append(f"Pelvic estimate out of sample (leave-one-out line of the posed tilt on the "
                     f"estimate): Spearman {spearman(truth, predicted):.3f}, residual SD "
                     f"{residual_sd:.2f} deg.")
    for name, label in (("pelvic_pattern", "pelvic pattern"), ("posture_type", "posture type")):
        table = {}
        for t, r in pairs:
            m = r["measurements"].get(name, {})
            call = m.get("classification") or ("declined" if m.get("declined") else "-")
            key = (pelvic_class(t["angles_3d_deg"]["pelvic_tilt"]), call)
            table[key] = table.get(key, 0) + 1
        calls = sorted({c for _, c in table})
        lines.append("")
        lines.append(f"{label} call by the true pelvic class (rows) :\n")
        lines.append("| true class | " + " | ".join(calls) + " |")
        lines.append("|---|" + "---|" * len(calls))
        for truth_class in ("anterior", "neutral", "posterior"):
            lines.append(f"| {truth_class} | " + " | ".join(str(table.get((truth_class, c), 0))
                                                        for c in calls) + " |")
    return "\n".join(lines) + "\n"


def series_report(truths, records):
    """The estimate within one person: each tilt series (one body, clothing
    and camera, only the pelvic tilt changed) on its own."""
    people = {}
    for t, r in zip(truths, records, strict=True):
        if t["protocol"] != "standing" or not (r and r.get("type") == "analysis"):
            continue
        person = t["spec"]["name"].rsplit("_tilt", 1)[0]
        people.setdefault(person, []).append((t, r["measurements"]))
    if not people:
        return ""
    lines = ["## Tilt series: the estimate within one person\n",
             "Each person stands at every tilt of the series with nothing else changed. Per "
             "person: the rank correlation of the estimate (and of the lumbar lordosis depth) "
             "with the posed tilt, the estimate's change per degree of posed tilt (its "
             "least-squares slope) and its residual SD about that person's own line.\n",
             "| person | body | clothing | camera height m | estimates | Spearman | slope | "
             "residual SD | lordosis depth Spearman |",
             "|---|---|---|---|---|---|---|---|---|"]
    summary = {"spearman": [], "slope": [], "residual": [], "lordosis": []}
    for person, rows in sorted(people.items()):
        spec = rows[0][0]["spec"]
        body = f"{'male' if spec['body']['sex'] >= 0.5 else 'female'}, weight {spec['body']['weight']}"
        clothing = f"{spec['clothing']['style']}, {spec['clothing'].get('sleeves', 'short')} sleeves"
        pairs = [(t["angles_3d_deg"]["pelvic_tilt"], m.get("pelvic_tilt", {}).get("value_deg")) for t, m in rows]
        pairs = sorted(p for p in pairs if p[1] is not None)
        depth = [(t["angles_3d_deg"]["pelvic_tilt"], m.get("lumbar_lordosis_depth", {}).get("value"))
                 for t, m in rows]
        depth = [d for d in depth if d[1] is not None]
        cells = [person, body, clothing, f"{spec['camera']['height_m']}",
                 " ".join(f"{v:+.0f}" for _, v in pairs)]
        if len(pairs) >= 3:
            truth, values = [p[0] for p in pairs], [p[1] for p in pairs]
            a, b = line_fit(truth, values)
            residual = (sum((v - a - b * x) ** 2 for x, v in pairs) / (len(pairs) - 2)) ** 0.5
            rho = spearman(truth, values)
            summary["spearman"].append(rho)
            summary["slope"].append(b)
            summary["residual"].append(residual)
            cells += [f"{rho:.2f}", f"{b:.2f}", f"{residual:.1f}"]
        else:
            cells += ["-", "-", "-"]
        if len(depth) >= 3:
            rho = spearman([d[0] for d in depth], [d[1] for d in depth])
            summary["lordosis"].append(rho)
            cells.append(f"{rho:.2f}")
        else:
            cells.append("-")
        lines.append("| " + " | ".join(cells) + " |")
    if summary["spearman"]:
        pooled = sum(r * r for r in summary["residual"]) / len(summary["residual"])
        lines.append("")
        lines.append(f"{len(summary['spearman'])} people: estimate Spearman median "
                     f"{statistics.median(summary['spearman']):.2f} (lowest {min(summary['spearman']):.2f}), "
                     f"{sum(r >= 0.9 for r in summary['spearman'])} at 0.9 or more; slope median "
                     f"{statistics.median(summary['slope']):.2f}; residual SD pooled {pooled ** 0.5:.1f} deg; "
                     f"lordosis depth Spearman median {statistics.median(summary['lordosis']):.2f}.")
    return "\n".join(lines) + "\n"


def plumb_report(truths, records):
    """The plumb-line offsets against the rig's joints (standing renders)."""
    errors = {}
    for truth, record in zip(truths, records, strict=True):
        if truth["protocol"] != "standing" or not record or record.get("type") != "analysis":
            continue
        anterior, leg, _ = truth_frame(truth)
        roll = camera_roll_deg(truth)
        w, h = truth["image"]["width"], truth["image"]["height"]
        true_px = undo_roll({k: tuple(v) for k, v in truth["joints_px"].items()}, roll, w, h)
        ankle = true_px[f"{leg}_ankle"]
        # the ankle to the top of the head, from the ankle to the ear: the
        # ear sits about 0.88 of that height up (a scale good to a few per
        # cent, which a 0.02 figure does not feel)
        height = (ankle[1] - true_px[f"{leg}_ear"][1]) / 0.88
        for limb in ("ear", "shoulder", "hip", "knee"):
            m = record["measurements"].get(f"plumb_{limb}") or {}
            if m.get("value") is None or len(m.get("points_px", [])) != 2:
                continue
            got = undo_roll({"ankle": tuple(m["points_px"][0]), "limb": tuple(m["points_px"][1])}, roll, w, h)
            measured = (got["limb"][0] - got["ankle"][0]) * anterior[0] / height
            true = (true_px[f"{leg}_{limb}"][0] - ankle[0]) * anterior[0] / height
            errors.setdefault(limb, []).append(measured - true)
    if not errors:
        return ""
    lines = ["## Plumb offsets (standing renders)\n",
             "Each offset's error against the rig's joints as projected, in fractions of the "
             "ankle-to-head-top height: n, bias, MAE, 90th percentile of |error|.\n",
             "| offset | n | bias | MAE | p90 |", "|---|---|---|---|---|"]
    for limb, e in errors.items():
        a = sorted(abs(x) for x in e)
        p90 = a[min(len(a) - 1, math.ceil(0.9 * len(a)) - 1)]
        lines.append(f"| plumb_{limb} | {len(e)} | {statistics.mean(e):+.4f} | "
                     f"{statistics.mean(a):.4f} | {p90:.4f} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", required=True, help="folder with *.truth.json and their images")
    parser.add_argument("--sagitta", default="target/release/sagitta")
    parser.add_argument("--sagitta-arg", action="append", default=[],
                        help="extra argument for sagitta analyze (repeatable)")
    parser.add_argument("--rules", default="assets/rules.toml")
    parser.add_argument("--mediapipe", action="append", type=int, default=[],
                        help="also run MediaPipe with this model_complexity (0, 1, 2; repeatable)")
    parser.add_argument("--assume-level", action="store_true",
                        help="do not tell sagitta the camera roll (as a user who does not know it)")
    parser.add_argument("--json", help="write every render's row here")
    parser.add_argument("--series", help="folder of tilt-series renders (sweep.py --series): "
                        "report the estimate within each person")
    args = parser.parse_args()

    truths = load_truths(args.renders)
    if not truths:
        sys.exit(f"no *.truth.json under {args.renders}")
    sagitta = run_sagitta(args.sagitta, truths, args.sagitta_arg, not args.assume_level)
    names = {0: "mediapipe_lite", 1: "mediapipe_full", 2: "mediapipe_heavy"}
    mediapipe = {names[c]: run_mediapipe(truths, c) for c in args.mediapipe}
    rows = evaluate(truths, sagitta, mediapipe, finding_cutoffs(args.rules), not args.assume_level)
    roll = "not given (image vertical taken as true)" if args.assume_level else "given per render"
    print(f"{len(truths)} renders from {args.renders}; camera roll {roll}; "
          f"sagitta {' '.join(args.sagitta_arg) or 'defaults'}\n")
    print(report(rows, ["sagitta", *mediapipe]))
    print(curve_report(truths, sagitta))
    print(plumb_report(truths, sagitta))
    if args.series:
        series = [t for t in load_truths(args.series) if t["protocol"] == "standing"]
        print(series_report(series, run_sagitta(args.sagitta, series, args.sagitta_arg,
                                                not args.assume_level)))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
