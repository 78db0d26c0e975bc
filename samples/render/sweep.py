#!/usr/bin/env python3
"""Write the accuracy sweep's pose specs (deterministic: fixed seed).

    python3 samples/render/sweep.py [--out DIR] [--seed 11] [--standing 48] [--thomas 40]
    python3 samples/render/sweep.py --series 8 [--out DIR] [--seed 11]

The second form writes the tilt series instead: each of N people, drawn as in
the sweep, stands at the pelvic tilts in SERIES_TILTS with everything else
(body, clothing, camera, light, the rest of the pose) kept, so the estimate's
ranking within one person can be told apart from its ranking across people.
Default DIR for it: ~/.cache/sagitta/renders/series/specs.

Default DIR: ~/.cache/sagitta/renders/sweep/specs. Render them with
    bash samples/render/render.sh --batch DIR ~/.cache/sagitta/renders/sweep

Every parameter is drawn independently; the clinically interesting ones
(pelvic tilt, Thomas-test hip extension and knee flexion) are spread evenly
over their range (stratified), the rest uniformly. Facing, test leg, head
side, sex and clothing are balanced by cycling.
"""

import argparse
import json
import os
import random

SKIN = [  # linear RGB albedo, light to dark
    [0.56, 0.36, 0.26],
    [0.5, 0.31, 0.22],
    [0.42, 0.25, 0.16],
    [0.3, 0.17, 0.1],
    [0.16, 0.09, 0.055],
]
HAIR = [[0.02, 0.012, 0.008], [0.05, 0.03, 0.015], [0.12, 0.07, 0.03], [0.25, 0.17, 0.08], [0.015, 0.015, 0.015]]
CLOTH = [
    [0.08, 0.22, 0.45], [0.5, 0.08, 0.06], [0.05, 0.05, 0.06], [0.3, 0.3, 0.32], [0.1, 0.3, 0.12],
    [0.6, 0.45, 0.1], [0.02, 0.08, 0.2], [0.45, 0.2, 0.3], [0.7, 0.7, 0.68], [0.25, 0.12, 0.05],
]
WALL = [
    [0.72, 0.7, 0.64], [0.62, 0.66, 0.7], [0.55, 0.5, 0.42], [0.8, 0.78, 0.74], [0.35, 0.4, 0.35], [0.6, 0.45, 0.35],
]
FLOOR = [[0.3, 0.22, 0.15], [0.4, 0.38, 0.35], [0.15, 0.1, 0.07], [0.5, 0.45, 0.38], [0.2, 0.2, 0.22]]
TABLE = [[0.1, 0.15, 0.25], [0.05, 0.05, 0.05], [0.35, 0.2, 0.1], [0.15, 0.3, 0.3]]


# Pelvic tilts of each person in the tilt series: the sweep's range, -15 to
# +25 degrees, in steps of 8.
SERIES_TILTS = [-15.0, -7.0, 1.0, 9.0, 17.0, 25.0]


def stratified(rng, lo, hi, n):
    """n values, one from each of n equal bins of [lo, hi], shuffled."""
    vals = [lo + (hi - lo) * (i + rng.random()) / n for i in range(n)]
    rng.shuffle(vals)
    return vals


def r1(x, nd=2):
    return round(x, nd)


def common(rng, i):
    sex = [0.0, 1.0][i % 2] if rng.random() < 0.7 else r1(rng.random())
    male = sex >= 0.5
    body = {
        "sex": sex,
        "height_m": r1(rng.uniform(1.68, 1.95) if male else rng.uniform(1.52, 1.80)),
        "weight": r1(rng.uniform(0.2, 0.9)),
        "muscle": r1(rng.uniform(0.3, 0.8)),
        "hair": "short" if male and rng.random() < 0.8 else rng.choice(["short", "long"]),
        "skin_rgb": rng.choice(SKIN),
        "hair_rgb": rng.choice(HAIR),
    }
    top, bottom = rng.sample(CLOTH, 2)
    clothing = {"style": ["tight", "loose"][(i // 2) % 2], "top_rgb": top, "bottom_rgb": bottom,
                "sleeves": rng.choice(["short", "short", "long"])}
    scene = {
        "wall_rgb": rng.choice(WALL),
        "floor_rgb": rng.choice(FLOOR),
        "wall_distance_m": r1(rng.uniform(0.8, 2.5)),
        "key_azimuth_deg": r1(rng.uniform(-70, 70), 1),
        "key_elevation_deg": r1(rng.uniform(20, 60), 1),
        "key_watts": r1(rng.uniform(300, 700), 0),
        "fill_watts": r1(rng.uniform(50, 200), 0),
        "ambient": r1(rng.uniform(0.12, 0.4)),
        "exposure": r1(rng.uniform(-0.8, 0.2)),
    }
    return body, clothing, scene


def standing_spec(rng, i, name, seed, tilt, samples):
    """One standing person drawn from `rng`, at pelvic tilt `tilt`."""
    body, clothing, scene = common(rng, i)
    return {
        "name": name,
        "seed": seed,
        "protocol": "standing",
        "body": body,
        "clothing": clothing,
        "pose": {
            "facing": ["image_left", "image_right"][(i // 4) % 2],
            "pelvic_tilt_deg": r1(tilt),
            "trunk_inclination_deg": r1(rng.uniform(-6, 10)),
            "knee_flexion_deg": r1(rng.uniform(-8, 20)),
            "head_forward_deg": r1(rng.uniform(0, 30)),
            "arm_out": r1(rng.uniform(0.08, 0.2)),
        },
        "camera": {
            "width": 540, "height": 720,
            "height_m": r1(rng.uniform(0.6, 1.6)),
            "focal_mm": r1(rng.uniform(26, 85), 1),
            "fill": r1(rng.uniform(0.6, 0.85)),
            "roll_deg": r1(rng.uniform(-6, 6), 1),
            "view_yaw_deg": r1(rng.uniform(-8, 8), 1),
        },
        "scene": scene,
        "render": {"samples": samples},
    }


def series_specs(seed, people, samples):
    """Each person drawn once (their own random stream, apart from the
    sweep's), then posed at every tilt of SERIES_TILTS."""
    specs = []
    for k in range(people):
        person = standing_spec(random.Random(seed * 1000 + 700 + k), k, "", 0, 0.0, samples)
        for tilt in SERIES_TILTS:
            spec = json.loads(json.dumps(person))
            spec["name"] = f"series_{k:02d}_tilt{tilt:+03.0f}"
            spec["seed"] = seed * 1000 + 700 + k
            spec["pose"]["pelvic_tilt_deg"] = tilt
            specs.append(spec)
    return specs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out")
    ap.add_argument("--series", type=int, default=0, metavar="N",
                    help="write the tilt series of N people instead of the sweep")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--standing", type=int, default=48)
    ap.add_argument("--thomas", type=int, default=40)
    ap.add_argument("--samples", type=int, default=16)
    args = ap.parse_args()
    folder = "series" if args.series else "sweep"
    args.out = args.out or os.path.expanduser(f"~/.cache/sagitta/renders/{folder}/specs")
    os.makedirs(args.out, exist_ok=True)
    if args.series:
        write(series_specs(args.seed, args.series, args.samples), args.out)
        return
    rng = random.Random(args.seed)
    specs = []

    n = args.standing
    tilts = stratified(rng, -15.0, 25.0, n)
    for i in range(n):
        specs.append(standing_spec(rng, i, f"sweep_standing_{i:03d}", args.seed * 1000 + i,
                                   tilts[i], args.samples))

    n = args.thomas
    hips = stratified(rng, -15.0, 25.0, n)
    knees = stratified(rng, 45.0, 100.0, n)
    for i in range(n):
        body, clothing, scene = common(rng, i)
        scene["table_rgb"] = rng.choice(TABLE)
        scene["table_height_m"] = r1(rng.uniform(0.65, 0.8))
        specs.append({
            "name": f"sweep_thomas_{i:03d}",
            "seed": args.seed * 1000 + 500 + i,
            "protocol": "thomas_test",
            "body": body,
            "clothing": clothing,
            "pose": {
                "head_side": ["image_left", "image_right"][i % 2],
                "test_leg": ["left", "right"][(i // 2) % 2],
                "hip_extension_deg": r1(hips[i]),
                "knee_flexion_deg": r1(knees[i]),
                "pelvic_tilt_deg": r1(rng.uniform(-5, 15)),
                "held_hip_flexion_deg": r1(rng.uniform(105, 130)),
                "held_knee_flexion_deg": r1(rng.uniform(115, 145)),
            },
            "camera": {
                "width": 864, "height": 576,
                "height_m": r1(rng.uniform(0.8, 1.6)),
                "focal_mm": r1(rng.uniform(26, 70), 1),
                "fill": r1(rng.uniform(0.7, 0.88)),
                "roll_deg": r1(rng.uniform(-5, 5), 1),
                "view_yaw_deg": r1(rng.uniform(-8, 8), 1),
            },
            "scene": scene,
            "render": {"samples": args.samples},
        })

    write(specs, args.out)


def write(specs, out):
    for s in specs:
        with open(os.path.join(out, s["name"] + ".json"), "w") as fh:
            json.dump(s, fh, indent=1)
    print(f"wrote {len(specs)} specs to {out}")


if __name__ == "__main__":
    main()
