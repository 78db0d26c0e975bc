#!/usr/bin/env python3
"""sagitta across scene factors: the Thomas test per factor level, the
standing views that invite a false refusal, and the standing tilt estimate
under two lumbar deformations.

    python3 benches/accuracy/factors.py --thomas DIR [--standing DIR] [--lumbar DIR]
        [--sagitta target/release/sagitta] [--mediapipe 1] [--json FILE]

The folders hold renders of `samples/render/sweep.py --design thomas_factors`,
`--design standing_cases` and `--design lumbar` (default places:
~/.cache/sagitta/renders/DESIGN); any of them may be partly rendered: only
renders whose truth records `render_seconds` are read.

The Thomas test: sagitta is run with each landmark model for the test
(`--thomas-model heavy`, the default, and `full`), and a fusion of the two
is formed from their keypoints (`fuse`); per factor level the table gives
n, MAE and the bias (measured - true, posed 3D angle) with its 95 %
confidence interval (Student t) for hip extension and knee flexion. The
rule that picks a model must hold on every level of every factor, so the
table also gives, per pipeline, the worst level's MAE and the worst level's
|bias|, and each test-leg keypoint's share of the knee angle's error (the
angle with that keypoint from the model and the rest from the rig's
projected joints, minus theirs). MediaPipe (`--mediapipe`, its Python pose solution) is read with
sagitta's definitions and the true test leg, as in accuracy.py.

Needs only the standard library unless `--mediapipe` is given (then run it
with the MediaPipe virtualenv's Python, see run.sh).
"""

import argparse
import json
import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import (  # noqa: E402
    camera_pitch_deg,
    camera_roll_deg,
    focal_length_35mm,
    keypoint_angles,
    keypoint_offsets,
    knee_error_shares,
    levelled,
    line_fit,
    run_mediapipe,
    run_sagitta,
    spearman,
    truth_frame,
    undo_roll,
)

THOMAS_ANGLES = ["hip_extension", "knee_flexion"]
STANDING_ANGLES = ["trunk_inclination", "standing_hip_flexion", "knee_flexion", "pelvic_tilt"]
LEG_JOINTS = ("hip", "knee", "ankle")
# Two models' keypoints are averaged where they lie within this distance of
# each other (torso lengths), else the heavy model's is kept: the full and
# heavy keypoints' own spread on the sweep is about 0.03 torso lengths
# (accuracy.py's keypoint table), so a larger gap is a disagreement, not noise.
FUSE_AGREE_TORSO = 0.08


def load_rendered(folder):
    truths = []
    for path in sorted(Path(folder).glob("*.truth.json")):
        truth = json.loads(path.read_text())
        if "render_seconds" not in truth:
            continue
        truth["_image"] = str(path.parent / truth["image"]["file"])
        truths.append(truth)
    return truths


def t975(df):
    """Student t's 97.5 % quantile (Cornish-Fisher expansion; within 0.01 for df >= 3)."""
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def stats(errors):
    """n, MAE, bias and the bias's 95 % confidence half-width."""
    n = len(errors)
    if n == 0:
        return None
    bias = statistics.fmean(errors)
    half = t975(n - 1) * statistics.stdev(errors) / math.sqrt(n) if n > 2 else float("nan")
    return {"n": n, "mae": statistics.fmean(abs(e) for e in errors), "bias": bias, "ci": half}


def percentile(values, share):
    """Linear interpolation between order statistics (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    at = (len(ordered) - 1) * share
    low = math.floor(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def points_of(record):
    return {k["name"]: (k["x"], k["y"]) for k in record["pose"]["keypoints"]}


def torso_px(points, leg):
    s, h = points.get(f"{leg}_shoulder"), points.get(f"{leg}_hip")
    return math.hypot(s[0] - h[0], s[1] - h[1]) if s and h else None


def fuse(heavy, full, leg, other):
    """The heavy model's keypoints, each leg joint averaged with the full
    model's where the two agree within FUSE_AGREE_TORSO torso lengths."""
    torso = torso_px(heavy, leg)
    fused = dict(heavy)
    for side in (leg, other):
        for joint in ("shoulder", *LEG_JOINTS):
            name = f"{side}_{joint}"
            a, b = heavy.get(name), full.get(name)
            if a and b and torso and math.hypot(a[0] - b[0], a[1] - b[1]) <= FUSE_AGREE_TORSO * torso:
                fused[name] = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    return fused


def thomas_rows(truths, runs, mediapipe):
    """Per render: its factor levels and each pipeline's Thomas angles."""
    rows = []
    for i, truth in enumerate(truths):
        anterior, leg, other = truth_frame(truth)
        w, h = truth["image"]["width"], truth["image"]["height"]
        roll = camera_roll_deg(truth)
        row = {"name": truth["spec"]["name"], "factors": truth["spec"].get("factors", {}),
               "true": {m: truth["angles_3d_deg"][m] for m in THOMAS_ANGLES},
               "true_image": {m: truth["angles_image_deg"][m] for m in THOMAS_ANGLES}, "got": {}, "offsets": {},
               "knee_shares": {}, "protocol": {}}
        true_px = {k: tuple(v) for k, v in truth["joints_px"].items()}
        records = {}
        for pipe, records_of in runs.items():
            record = records_of[i]
            ok = record is not None and record.get("type") == "analysis"
            row["protocol"][pipe] = record["protocol"]["kind"] if ok else "error"
            if not ok or record["protocol"]["kind"] != "thomas_test":
                continue
            records[pipe] = record
            row["got"][pipe] = {m: (record["measurements"].get(m) or {}).get("value_deg") for m in THOMAS_ANGLES}
            row["offsets"][pipe] = keypoint_offsets(points_of(record), truth, leg)
            row["knee_shares"][pipe] = knee_error_shares(true_px, points_of(record), leg)
        if "heavy" in records and "full" in records:
            # sagitta's own test-leg decision, as the heavy run made it
            said = records["heavy"]["protocol"].get("test_leg") or leg
            said_other = "left" if said == "right" else "right"
            fused = fuse(points_of(records["heavy"]), points_of(records["full"]), said, said_other)
            angles = keypoint_angles(undo_roll(fused, roll, w, h), "thomas_test", anterior, said, said_other)
            row["got"]["fuse"] = {m: angles.get(m) for m in THOMAS_ANGLES}
            row["offsets"]["fuse"] = keypoint_offsets(fused, truth, leg)
            row["protocol"]["fuse"] = "thomas_test"
        # The photo's own limit: the true joint centres as the camera projects
        # them, read with sagitta's definitions. Against the posed 3D angle
        # this is the perspective error no keypoint model can remove.
        row["got"]["true_joints"] = dict(row["true_image"])
        row["protocol"]["true_joints"] = "thomas_test"
        # The same with the camera's pitch levelled, as --camera-pitch-deg
        # does: what remains is the leg's own departure from a plane square
        # to the lens.
        level = levelled(undo_roll(true_px, roll, w, h), camera_pitch_deg(truth), focal_length_35mm(truth), w, h)
        angles = keypoint_angles(level, "thomas_test", anterior, leg, other)
        row["got"]["true_joints_levelled"] = {m: angles.get(m) for m in THOMAS_ANGLES}
        row["protocol"]["true_joints_levelled"] = "thomas_test"
        for name, points in (mediapipe or {}).items():
            if points[i] is not None:
                angles = keypoint_angles(undo_roll(points[i], roll, w, h), "thomas_test", anterior, leg, other)
                row["got"][name] = {m: angles.get(m) for m in THOMAS_ANGLES}
                row["offsets"][name] = keypoint_offsets(points[i], truth, leg)
        rows.append(row)
    return rows


def knee_share_report(rows, pipes):
    """Per pipeline: each test-leg keypoint's share of the knee angle's error
    against the rig's joints as the camera projects them (median degrees over
    the knees bent 20 degrees or more; negative reads the knee straighter)."""
    lines = ["## Each keypoint's share of the knee angle's error (degrees, median; n renders)\n",
             "| pipeline | hip | knee | ankle |", "|---|---|---|---|"]
    for pipe in pipes:
        shares = {"hip": [], "knee": [], "ankle": []}
        for r in rows:
            for joint, share in r["knee_shares"].get(pipe, {}).items():
                shares[joint].append(share)
        if any(shares.values()):
            lines.append(f"| {pipe} | " + " | ".join(
                f"{statistics.median(v):+.2f} (n {len(v)})" if v else "-" for v in shares.values()) + " |")
    return "\n".join(lines) + "\n"


def level_key(value):
    return "-".join(str(v) for v in value) if isinstance(value, list) else str(value)


def thomas_report(rows, pipes, against="true"):
    """Per factor level and pipeline: MAE and bias against the posed 3D
    angle (`true`) or the angle as projected into the image (`true_image`:
    keypoint placement alone, without the camera's perspective)."""
    what = "posed 3D angle" if against == "true" else "angle as projected into the image"
    lines = [f"## Thomas test per scene factor ({len(rows)} renders), against the {what}\n",
             f"Error = measured - {what}, degrees. Each cell: MAE / bias [95 % CI of the bias]. "
             "`-` where the pipeline gave no angle (another protocol, or declined); n is per pipeline.\n"]
    worst = {p: {m: {"mae": 0.0, "bias": 0.0, "where": ""} for m in THOMAS_ANGLES} for p in pipes}
    overall = {}
    for m in THOMAS_ANGLES:
        lines.append(f"### {m}\n")
        lines.append("| factor | level | " + " | ".join(pipes) + " |")
        lines.append("|---|---|" + "---|" * len(pipes))
        cells = []
        for pipe in pipes:
            errs = [r["got"][pipe][m] - r[against][m] for r in rows
                    if r["got"].get(pipe, {}).get(m) is not None]
            overall[(pipe, m)] = stats(errs)
            cells.append(cell(overall[(pipe, m)]))
        lines.append("| all | all | " + " | ".join(cells) + " |")
        factors = sorted({f for r in rows for f in r["factors"]})
        for factor in factors:
            for level in sorted({level_key(r["factors"].get(factor)) for r in rows}):
                subset = [r for r in rows if level_key(r["factors"].get(factor)) == level]
                cells = []
                for pipe in pipes:
                    errs = [r["got"][pipe][m] - r[against][m] for r in subset
                            if r["got"].get(pipe, {}).get(m) is not None]
                    s = stats(errs)
                    cells.append(cell(s))
                    if s and s["n"] >= 4:
                        w = worst[pipe][m]
                        if s["mae"] > w["mae"]:
                            w["mae"], w["mae_where"] = s["mae"], f"{factor}={level}"
                        if abs(s["bias"]) > abs(w["bias"]):
                            w["bias"], w["where"] = s["bias"], f"{factor}={level}"
                lines.append(f"| {factor} | {level} | " + " | ".join(cells) + " |")
        lines.append("")
    lines.append("### Worst factor level per pipeline\n")
    lines.append("| pipeline | measurement | all: n, MAE, bias | 90th percentile of the absolute error "
                 "| worst level MAE | worst level bias |")
    lines.append("|---|---|---|---|---|---|")
    for pipe in pipes:
        for m in THOMAS_ANGLES:
            w, o = worst[pipe][m], overall[(pipe, m)]
            errs = [abs(r["got"][pipe][m] - r[against][m]) for r in rows
                    if r["got"].get(pipe, {}).get(m) is not None]
            levels = (f"{w['mae']:.2f} ({w['mae_where']}) | {w['bias']:+.2f} ({w['where']})"
                      if "mae_where" in w else "- | -")  # renders without factor levels
            lines.append(f"| {pipe} | {m} | {cell(o, with_n=True)} | {percentile(errs, 0.9):.2f} | {levels} |")
    lines.append("")
    if against != "true":
        return "\n".join(lines) + "\n", worst, overall
    lines.append("Protocol read (renders read as the Thomas test / all):  " + ", ".join(
        f"{p} {sum(r['protocol'].get(p) == 'thomas_test' for r in rows)}/{len(rows)}" for p in pipes
        if not p.startswith("mediapipe") and p != "true_joints"))
    lines.append("")
    lines.append("Test-leg keypoints against the true joint centres (torso lengths, mean +/- SD; "
                 "`front` = towards the body's front, upward for a body on its back):\n")
    lines.append("| pipeline | hip along | hip front | knee along | knee front | ankle along | ankle front |")
    lines.append("|---|---|---|---|---|---|---|")
    for pipe in (p for p in pipes if p != "true_joints"):
        cells = []
        for joint in LEG_JOINTS:
            for axis in (0, 1):
                vals = [r["offsets"][pipe][joint][axis] for r in rows if joint in r["offsets"].get(pipe, {})]
                cells.append("-" if len(vals) < 2 else
                             f"{statistics.fmean(vals):+.3f} +/- {statistics.stdev(vals):.3f}")
        lines.append(f"| {pipe} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n", worst, overall


def cell(s, with_n=False):
    if s is None:
        return "-"
    n = f"n {s['n']}, " if with_n else ""
    ci = "" if math.isnan(s["ci"]) else f" [{s['bias'] - s['ci']:+.1f}, {s['bias'] + s['ci']:+.1f}]"
    return f"{n}{s['mae']:.2f} / {s['bias']:+.2f}{ci}"


def standing_report(truths, records):
    """False refusals and errors on the standing views that invite them."""
    cases = {}
    for truth, record in zip(truths, records, strict=True):
        cases.setdefault(truth["spec"].get("case", "-"), []).append((truth, record))
    lines = [f"## Standing views that invite a false refusal ({len(truths)} renders, both feet flat)\n",
             "`refused`: not assessed as standing (another protocol, or an error); `legs declined`: "
             "assessed, knee flexion declined (right where the feet are out of the frame, a false "
             "refusal of the legs elsewhere). Errors: MAE / bias against the posed 3D angle.\n",
             "| case | renders | refused | legs declined | " + " | ".join(STANDING_ANGLES) + " | refusal reasons |",
             "|---|---|---|---|" + "---|" * len(STANDING_ANGLES) + "---|"]
    for case, items in sorted(cases.items()):
        refused = legs = 0
        errs = {m: [] for m in STANDING_ANGLES}
        reasons = []
        for truth, record in items:
            ok = record is not None and record.get("type") == "analysis"
            if not ok or record["protocol"]["kind"] != "standing":
                refused += 1
                reasons.append(record["protocol"].get("reason", "")[:70] if ok else "error")
                continue
            knee = record["measurements"].get("knee_flexion") or {}
            if knee.get("value_deg") is None:
                legs += 1
            for m in STANDING_ANGLES:
                got = (record["measurements"].get(m) or {}).get("value_deg")
                if got is not None and m in truth["angles_3d_deg"]:
                    errs[m].append(got - truth["angles_3d_deg"][m])
        cells = []
        for m in STANDING_ANGLES:
            s = stats(errs[m])
            cells.append("-" if s is None else f"{s['mae']:.1f} / {s['bias']:+.1f} (n {s['n']})")
        why = "; ".join(sorted(set(reasons)))[:200] or "-"
        lines.append(f"| {case} | {len(items)} | {refused} | {legs} | " + " | ".join(cells) + f" | {why} |")
    return "\n".join(lines) + "\n"


def lumbar_report(truths, records):
    """The tilt estimate per person under each lumbar deformation."""
    groups = {}
    covered = {}
    for truth, record in zip(truths, records, strict=True):
        if not (record and record.get("type") == "analysis" and record["protocol"]["kind"] == "standing"):
            continue
        tilt = record["measurements"].get("pelvic_tilt") or {}
        value = tilt.get("value_deg")
        if value is None:
            continue
        name = truth["spec"]["name"]
        deformation, person = name.split("_")[0], name.rsplit("_tilt", 1)[0].split("_", 1)[1]
        true_tilt = truth["angles_3d_deg"]["pelvic_tilt"]
        groups.setdefault(deformation, {}).setdefault(person, []).append((true_tilt, value))
        inside = covered.setdefault(deformation, [0, 0])
        inside[0] += abs(value - true_tilt) <= (tilt.get("uncertainty_deg") or 0.0)
        inside[1] += 1
    lines = ["## Standing tilt estimate under two lumbar deformations\n",
             "`lumbar3`: the pelvis's counter-rotation taken back over three spine bones (60/30/10 %); "
             "`lumbar5`: over five (35/25/20/12/8 %). Per person: estimates at each posed tilt, the "
             "least-squares slope (degrees of estimate per degree of tilt) and Spearman.\n",
             "| deformation | person | estimates (posed tilt: estimate) | slope | Spearman |",
             "|---|---|---|---|---|"]
    summary = {}
    for deformation, people in sorted(groups.items()):
        for person, pairs in sorted(people.items()):
            pairs.sort()
            if len(pairs) < 3:
                continue
            a, b = line_fit([p[0] for p in pairs], [p[1] for p in pairs])
            rho = spearman([p[0] for p in pairs], [p[1] for p in pairs])
            summary.setdefault(deformation, []).append((b, rho, a, pairs))
            shown = ", ".join(f"{t:+.0f}: {v:+.1f}" for t, v in pairs)
            lines.append(f"| {deformation} | {person} | {shown} | {b:.2f} | {rho:.2f} |")
    lines.append("")
    for deformation, items in sorted(summary.items()):
        slopes = [s[0] for s in items]
        all_pairs = [p for s in items for p in s[3]]
        a, b = line_fit([p[0] for p in all_pairs], [p[1] for p in all_pairs])
        lines.append(f"- {deformation}: {len(items)} people, slope median {statistics.median(slopes):.2f} "
                     f"(range {min(slopes):.2f} to {max(slopes):.2f}), pooled line: estimate = "
                     f"{a:+.1f} + {b:.2f} x tilt; Spearman median "
                     f"{statistics.median(s[1] for s in items):.2f}; pairs ordered "
                     f"{ordered_pairs(items)}; the truth within the stated uncertainty "
                     f"{covered[deformation][0]}/{covered[deformation][1]}")
    lines += deformation_lines(groups)
    return "\n".join(lines) + "\n", summary


def deformation_lines(groups):
    """Where the two deformations part: per person and tilt, the difference
    of the estimates (five bones minus three), its line on the tilt, the
    within-person slopes b3 and b5 (mean over people) and the gain factor
    2 b3 / (b3 + b5) a calibration halfway between them would take, and the
    RMS of the half-differences: the spread left by a calibration that sits
    between the two deformations."""
    three, five = groups.get("lumbar3", {}), groups.get("lumbar5", {})
    diffs, b3s, b5s = [], [], []
    for person in sorted(set(three) & set(five)):
        # the posed tilts agree to the solve's tolerance, not to the bit
        a = {round(t, 1): v for t, v in three[person]}
        b = {round(t, 1): v for t, v in five[person]}
        common = sorted(set(a) & set(b))
        if len(common) < 3:
            continue
        diffs += [(t, b[t] - a[t]) for t in common]
        b3s.append(line_fit(common, [a[t] for t in common])[1])
        b5s.append(line_fit(common, [b[t] for t in common])[1])
    if len(diffs) < 3:
        return []
    alpha, c = line_fit([d[0] for d in diffs], [d[1] for d in diffs])
    b3, b5 = statistics.fmean(b3s), statistics.fmean(b5s)
    half_rms = math.sqrt(statistics.fmean((d[1] / 2) ** 2 for d in diffs))
    return ["",
            f"Five bones minus three, {len(b3s)} people, {len(diffs)} tilts in all: differences "
            + ", ".join(f"{d[1]:+.1f}" for d in diffs)
            + f"; their line on the tilt {alpha:+.2f} {c:+.3f} x tilt; within-person slope three bones "
            f"{b3:.3f}, five {b5:.3f} (a calibration between them scales the gain by "
            f"{2 * b3 / (b3 + b5):.3f}); RMS of the half-differences (the spread a calibration between "
            f"the two deformations leaves): {half_rms:.2f} deg."]


def ordered_pairs(items):
    good = total = 0
    for _, _, _, pairs in items:
        for i in range(len(pairs)):
            for j in range(i + 1, len(pairs)):
                total += 1
                good += pairs[j][1] > pairs[i][1]
    return f"{good}/{total}"


def main():
    cache = Path.home() / ".cache" / "sagitta" / "renders"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--thomas", default=str(cache / "thomas_factors"))
    ap.add_argument("--standing", default=str(cache / "standing_cases"))
    ap.add_argument("--lumbar", default=str(cache / "lumbar"))
    ap.add_argument("--sagitta", default="target/release/sagitta")
    ap.add_argument("--mediapipe", action="append", type=int, default=[])
    ap.add_argument("--json", help="write the per-render Thomas rows here")
    args = ap.parse_args()

    out = []
    thomas = load_rendered(args.thomas) if Path(args.thomas).is_dir() else []
    if thomas:
        runs = {model: run_sagitta(args.sagitta, thomas, ["--thomas-model", model], True)
                for model in ("heavy", "full")}
        # The default again, told the camera's pitch as a phone's level gives it.
        runs["heavy_levelled"] = run_sagitta(args.sagitta, thomas, ["--thomas-model", "heavy"], True, give_pitch=True)
        names = {0: "mediapipe_lite", 1: "mediapipe_full", 2: "mediapipe_heavy"}
        mediapipe = {names[c]: run_mediapipe(thomas, c) for c in args.mediapipe}
        rows = thomas_rows(thomas, runs, mediapipe)
        pipes = ["heavy", "heavy_levelled", "full", "fuse", *mediapipe]
        out.append(thomas_report(rows, [*pipes, "true_joints", "true_joints_levelled"])[0])
        out.append(thomas_report(rows, pipes, "true_image")[0])
        out.append(knee_share_report(rows, ["heavy", "full"]))
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1))
    standing = load_rendered(args.standing) if Path(args.standing).is_dir() else []
    if standing:
        out.append(standing_report(standing, run_sagitta(args.sagitta, standing, [], True)))
    lumbar = load_rendered(args.lumbar) if Path(args.lumbar).is_dir() else []
    if lumbar:
        out.append(lumbar_report(lumbar, run_sagitta(args.sagitta, lumbar, [], True))[0])
    if not out:
        sys.exit("no finished renders in any of the folders")
    print("\n".join(out))


if __name__ == "__main__":
    main()
