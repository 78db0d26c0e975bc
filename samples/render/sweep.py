#!/usr/bin/env python3
"""Write the accuracy sweep's pose specs (deterministic: fixed seed).

    python3 samples/render/sweep.py [--out DIR] [--seed 11] [--standing 48] [--thomas 40]
    python3 samples/render/sweep.py --series 8 [--out DIR] [--seed 11]
    python3 samples/render/sweep.py --design thomas_factors|standing_cases|lumbar [--out DIR]

The second form writes the tilt series instead: each of N people, drawn as in
the sweep, stands at the pelvic tilts in SERIES_TILTS with everything else
(body, clothing, camera, light, the rest of the pose) kept, so the estimate's
ranking within one person can be told apart from its ranking across people.
Default DIR for it: ~/.cache/sagitta/renders/series/specs.

Default DIR: ~/.cache/sagitta/renders/sweep/specs. Render them with
    bash samples/render/render.sh --batch DIR ~/.cache/sagitta/renders/sweep

The designs (`--design`, default DIR ~/.cache/sagitta/renders/DESIGN/specs):
thomas_factors, the Thomas test across scene factors (THOMAS_FACTORS), each
factor's levels balanced over the renders and shuffled independently of the
other factors', so every level gets len/levels renders and any factor's
subsets can be compared; standing_cases, the standing views that invite a
false refusal (far foot hidden, feet cut by the frame, arms folded, loose
trousers); lumbar, the tilt series under two lumbar deformations (the
counter-rotation over three spine bones and over five).

In the sweep every parameter is drawn independently; the clinically interesting ones
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


# The Thomas test's scene factors: name -> levels. A level is what the spec
# gets; ranges are drawn uniformly inside the level.
THOMAS_FACTORS = {
    "table_height_m": [0.62, 0.75, 0.9],
    "table_length_m": [1.6, 1.9, 2.2],
    # + = the hip-joint centre past the table's end (buttocks at the edge)
    "hip_past_table_end_m": [-0.04, 0.02, 0.08],
    "grip": ["shin", "thigh"],
    "legs": ["shorts", "leggings", "trousers"],
    "camera_height_m": [0.5, 0.85, 1.2],
    "focal_mm": [26.0, 40.0, 60.0],
    "lighting": ["front_soft", "side_hard", "overhead_warm"],
    "background": ["light", "dark", "like_clothing"],
    "height_m": [(1.50, 1.65), (1.65, 1.80), (1.80, 1.95)],
    "bmi": [(18.0, 22.0), (22.0, 28.0), (28.0, 35.0)],
    "test_leg_side": ["near", "far"],
    "head_side": ["image_left", "image_right"],
}
LIGHT_WALLS = [[0.72, 0.7, 0.64], [0.8, 0.78, 0.74], [0.62, 0.66, 0.7], [0.75, 0.72, 0.68]]
DARK_WALLS = [[0.1, 0.1, 0.12], [0.18, 0.13, 0.1], [0.09, 0.13, 0.11], [0.14, 0.14, 0.16]]
LIGHT_FLOORS = [[0.5, 0.45, 0.38], [0.45, 0.43, 0.4], [0.55, 0.5, 0.42]]
DARK_FLOORS = [[0.15, 0.1, 0.07], [0.08, 0.08, 0.09], [0.2, 0.14, 0.1]]


def lighting(rng, level):
    """The key, fill and ambient of a lighting level: a soft key from the
    camera's side; a small hard key grazing from the head or the feet, high;
    a warm light from overhead with a bright room."""
    side = rng.choice([-1, 1])
    if level == "front_soft":
        return {"key_azimuth_deg": r1(side * rng.uniform(15, 45), 1), "key_elevation_deg": r1(rng.uniform(25, 45), 1),
                "key_watts": r1(rng.uniform(380, 520), 0), "key_size_m": 1.5, "fill_watts": r1(rng.uniform(90, 160), 0),
                "ambient": r1(rng.uniform(0.2, 0.3)), "exposure": r1(rng.uniform(-0.3, 0.1))}
    if level == "side_hard":
        return {"key_azimuth_deg": r1(side * rng.uniform(75, 105), 1), "key_elevation_deg": r1(rng.uniform(45, 65), 1),
                "key_watts": r1(rng.uniform(500, 700), 0), "key_size_m": 0.35, "fill_watts": r1(rng.uniform(20, 50), 0),
                "ambient": r1(rng.uniform(0.06, 0.12)), "exposure": r1(rng.uniform(-0.2, 0.2))}
    return {"key_azimuth_deg": r1(side * rng.uniform(0, 30), 1), "key_elevation_deg": r1(rng.uniform(75, 85), 1),
            "key_watts": r1(rng.uniform(300, 420), 0), "key_size_m": 2.0, "key_rgb": [1.0, 0.78, 0.55],
            "fill_watts": r1(rng.uniform(40, 80), 0), "ambient": r1(rng.uniform(0.3, 0.45)),
            "ambient_rgb": [0.6, 0.5, 0.4], "exposure": r1(rng.uniform(-0.4, 0.0))}


def background(rng, level, bottom_rgb):
    """Wall and floor of a background level: light, dark, or a wall the
    colour of the legs' clothing (the outline of the thigh against the wall
    is what the hip keypoint has to find)."""
    if level == "light":
        return {"wall_rgb": rng.choice(LIGHT_WALLS), "floor_rgb": rng.choice(LIGHT_FLOORS)}
    if level == "dark":
        return {"wall_rgb": rng.choice(DARK_WALLS), "floor_rgb": rng.choice(DARK_FLOORS)}
    k = rng.uniform(0.85, 1.15)
    return {"wall_rgb": [r1(min(c * k, 0.9), 3) for c in bottom_rgb], "floor_rgb": rng.choice(FLOOR)}


def balanced_levels(rng, factors, n):
    """For every factor, its levels repeated to n (n a multiple of each
    factor's level count) and shuffled on its own: each level gets n/k
    renders and the factors are drawn independently of each other."""
    design = {}
    for name, levels in factors.items():
        if n % len(levels):
            raise SystemExit(f"{n} renders do not divide among the {len(levels)} levels of {name}")
        column = [i % len(levels) for i in range(n)]
        rng.shuffle(column)
        design[name] = column
    return [{name: factors[name][design[name][i]] for name in factors} for i in range(n)]


def thomas_factor_specs(seed, n, samples):
    """The Thomas test over THOMAS_FACTORS, n renders (a multiple of 6), the
    angles spread evenly (stratified) over the sweep's ranges; the spec
    records each render's levels under `factors`."""
    rng = random.Random(seed * 1000 + 900)
    rows = balanced_levels(rng, THOMAS_FACTORS, n)
    hips = stratified(rng, -15.0, 25.0, n)
    knees = stratified(rng, 45.0, 100.0, n)
    specs = []
    for i, f in enumerate(rows):
        sex = rng.choice([0.0, 1.0]) if rng.random() < 0.8 else r1(rng.random())
        body = {
            "sex": sex,
            "height_m": r1(rng.uniform(*f["height_m"])),
            "bmi": r1(rng.uniform(*f["bmi"]), 1),
            "muscle": r1(rng.uniform(0.3, 0.7)),
            "hair": rng.choice(["short", "long"]),
            "skin_rgb": rng.choice(SKIN),
            "hair_rgb": rng.choice(HAIR),
        }
        top, bottom = rng.sample(CLOTH, 2)
        clothing = {"style": rng.choice(["tight", "loose"]), "legs": f["legs"], "top_rgb": top, "bottom_rgb": bottom,
                    "sleeves": rng.choice(["short", "short", "long"])}
        scene = {**lighting(rng, f["lighting"]), **background(rng, f["background"], bottom),
                 "wall_distance_m": r1(rng.uniform(0.8, 2.5)), "table_rgb": rng.choice(TABLE),
                 "table_height_m": f["table_height_m"], "table_length_m": f["table_length_m"],
                 "hip_past_table_end_m": f["hip_past_table_end_m"]}
        # the near side is the body's left when the head is on the image's right
        near = "left" if f["head_side"] == "image_right" else "right"
        far = "right" if near == "left" else "left"
        specs.append({
            "name": f"thomasf_{i:03d}",
            "seed": seed * 1000 + 900 + i,
            "protocol": "thomas_test",
            "factors": {k: (list(v) if isinstance(v, tuple) else v) for k, v in f.items()},
            "body": body,
            "clothing": clothing,
            "pose": {
                "head_side": f["head_side"],
                "test_leg": near if f["test_leg_side"] == "near" else far,
                "grip": f["grip"],
                "hip_extension_deg": r1(hips[i]),
                "knee_flexion_deg": r1(knees[i]),
                "pelvic_tilt_deg": r1(rng.uniform(-5, 15)),
                "held_hip_flexion_deg": r1(rng.uniform(105, 130)),
                "held_knee_flexion_deg": r1(rng.uniform(115, 145)),
            },
            "camera": {
                "width": 864, "height": 576,
                "height_m": f["camera_height_m"],
                "focal_mm": f["focal_mm"],
                "fill": r1(rng.uniform(0.7, 0.88)),
                "roll_deg": r1(rng.uniform(-3, 3), 1),
                "view_yaw_deg": r1(rng.uniform(-6, 6), 1),
            },
            "scene": scene,
            "render": {"samples": samples},
        })
    return specs


# The standing views that invite a false refusal for the legs, and what each
# changes from a plain sweep spec.
STANDING_CASES = ("far_foot_hidden", "feet_cut", "arms_folded", "loose_trousers")


def standing_case_specs(seed, per_case, samples):
    """per_case standing renders of each of STANDING_CASES, both feet flat on
    the floor; the rest drawn as in the sweep."""
    specs = []
    for c, case in enumerate(STANDING_CASES):
        rng = random.Random(seed * 1000 + 800 + c)
        tilts = stratified(rng, -15.0, 25.0, per_case)
        for i in range(per_case):
            spec = standing_spec(rng, i, f"standcase_{case}_{i:02d}", seed * 1000 + 800 + 10 * c + i, tilts[i],
                                 samples)
            spec["case"] = case
            if case == "far_foot_hidden":
                # a true side view: the far foot right behind the near one
                spec["camera"]["view_yaw_deg"] = 0.0
                spec["camera"]["roll_deg"] = r1(rng.uniform(-2, 2), 1)
            elif case == "feet_cut":
                # the aim raised with the body filling the frame: its bottom
                # edge from the feet up to the thighs (with the camera's
                # height and lens)
                spec["camera"]["fill"] = 1.0
                spec["camera"]["aim_offset_m"] = r1(rng.uniform(0.08, 0.28))
            elif case == "arms_folded":
                spec["pose"]["arms"] = "folded"
            else:
                spec["clothing"]["style"] = "loose"
                spec["clothing"]["legs"] = "trousers"
            specs.append(spec)
    return specs


LUMBAR_TILTS = [-12.0, -2.0, 8.0, 18.0]


def lumbar_specs(seed, people, samples):
    """Each of `people` (drawn as in the tilt series, their own stream) at
    every tilt of LUMBAR_TILTS, with the pelvis's counter-rotation spread over
    three spine bones and over five."""
    specs = []
    for k in range(people):
        person = standing_spec(random.Random(seed * 1000 + 700 + k), k, "", 0, 0.0, samples)
        for bones in (3, 5):
            for tilt in LUMBAR_TILTS:
                spec = json.loads(json.dumps(person))
                spec["name"] = f"lumbar{bones}_{k:02d}_tilt{tilt:+03.0f}"
                spec["seed"] = seed * 1000 + 700 + k
                spec["pose"]["pelvic_tilt_deg"] = tilt
                spec["pose"]["lumbar_bones"] = bones
                specs.append(spec)
    return specs


# The marker design's factors (SAPO-style raised balls on the near ASIS and
# PSIS): name -> levels, balanced like THOMAS_FACTORS. `arms` repeats
# "folded" so that half of the renders have the arms clear of the hips.
MARKER_FACTORS = {
    "diameter_mm": [10, 20],
    "colour": ["red", "green", "blue", "yellow"],
    # on bare skin (a crop top), on a tight top of a contrasting colour, on a
    # tight top of a darker shade of the marker's own hue
    "surface": ["skin", "clothing", "clothing_like_marker"],
    # the camera swung this far off the true side view (degrees, a range)
    "view_yaw_deg": [(-10.0, -5.0), (-5.0, 0.0), (0.0, 5.0), (5.0, 10.0)],
    # arms folded across the chest (clear of the hips, as a marker protocol
    # asks), hanging at the sides (an arm may pass in front of a marker), or
    # the near hand on the hip (over or near the ASIS)
    "arms": ["folded", "folded", "hanging", "hand_on_hip"],
}
# sagitta's named marker colours (src/measure/markers.rs, sRGB) as linear RGB
# albedo, so that `--marker-color NAME` names what was painted.
MARKER_RGB = {
    "red": [0.716, 0.012, 0.012],
    "green": [0.012, 0.456, 0.045],
    "blue": [0.012, 0.08, 0.716],
    "yellow": [0.871, 0.716, 0.012],
}
# A top close to each marker colour: its hue, darker and less saturated.
CLOTH_LIKE_MARKER = {
    "red": [0.4, 0.035, 0.025],
    "green": [0.035, 0.25, 0.05],
    "blue": [0.03, 0.07, 0.4],
    "yellow": [0.6, 0.47, 0.06],
}
# Tops that contrast with every marker colour: black, grey, white, a muted purple.
CLOTH_CONTRASTING = [[0.05, 0.05, 0.06], [0.3, 0.3, 0.32], [0.7, 0.7, 0.68], [0.3, 0.2, 0.32]]


def marker_specs(seed, n, samples, width, height, hip_region=None):
    """n standing renders (a multiple of 12) with marker balls on the near
    ASIS and PSIS over MARKER_FACTORS; the rest drawn as in the sweep, the
    tilt stratified over its range, tight clothing, the roll within 2 degrees;
    the spec records each render's levels under `factors`."""
    rng = random.Random(seed * 1000 + 600)
    rows = balanced_levels(rng, MARKER_FACTORS, n)
    tilts = stratified(rng, -15.0, 25.0, n)
    specs = []
    for i, f in enumerate(rows):
        spec = standing_spec(rng, i, f"markers_{i:03d}", seed * 1000 + 600 + i, tilts[i], samples)
        spec["factors"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in f.items()}
        clothing = spec["clothing"]
        clothing["style"] = "tight"
        if f["surface"] == "skin":
            clothing["top"] = "crop"
        elif f["surface"] == "clothing":
            clothing["top_rgb"] = rng.choice(CLOTH_CONTRASTING)
        else:
            clothing["top_rgb"] = CLOTH_LIKE_MARKER[f["colour"]]
        spec["markers"] = {"diameter_m": f["diameter_mm"] / 1000, "rgb": MARKER_RGB[f["colour"]],
                           "colour": f["colour"], "landmarks": ["asis", "psis"]}
        spec["pose"]["arms"] = f["arms"]
        if f["arms"] == "hand_on_hip":
            # from a hand over the ASIS's ball to one just above it
            spec["pose"]["hand_above_crest_m"] = r1(rng.uniform(0.05, 0.1), 3)
        camera = spec["camera"]
        camera.update({"width": width, "height": height, "view_yaw_deg": r1(rng.uniform(*f["view_yaw_deg"]), 1),
                       "roll_deg": r1(rng.uniform(-2, 2), 1), "fill": r1(rng.uniform(0.75, 0.88)),
                       "height_m": r1(rng.uniform(0.8, 1.3))})
        if hip_region:
            camera["render_hip_region_torso"] = hip_region
        specs.append(spec)
    return specs


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
    ap.add_argument("--design", choices=["thomas_factors", "standing_cases", "lumbar", "markers"])
    ap.add_argument("--count", type=int, default=0,
                    help="renders of the design: thomas_factors 48, standing_cases 8 a case, lumbar 4 people, "
                         "markers 24")
    ap.add_argument("--size", default="1512x2016", help="markers: the image's width x height in pixels")
    ap.add_argument("--hip-region", type=float,
                    help="markers: render only the square this many torso lengths either side of the near "
                         "hip (see composite_region.py)")
    args = ap.parse_args()
    folder = args.design or ("series" if args.series else "sweep")
    args.out = args.out or os.path.expanduser(f"~/.cache/sagitta/renders/{folder}/specs")
    os.makedirs(args.out, exist_ok=True)
    if args.design == "thomas_factors":
        write(thomas_factor_specs(args.seed, args.count or 48, args.samples), args.out)
        return
    if args.design == "standing_cases":
        write(standing_case_specs(args.seed, args.count or 8, args.samples), args.out)
        return
    if args.design == "markers":
        width, height = (int(x) for x in args.size.split("x"))
        write(marker_specs(args.seed, args.count or 24, args.samples, width, height, args.hip_region), args.out)
        return
    if args.design == "lumbar":
        write(lumbar_specs(args.seed, args.count or 4, args.samples), args.out)
        return
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
