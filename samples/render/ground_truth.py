"""The ground truth of a render (NAME.truth.json): every joint and landmark
in 3D and in the image, and sagitta's angles from both, as
samples/render/README.md describes it. numpy only: the projection into the
image is handed in."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from figure import Array, Figure
from posing import PosedFigure, to_sagittal_plane
from sagitta_conventions import standing_angles_deg, thomas_test_angles_deg

TRUTH_VERSION = 1
JOINT_NAMES = [
    "nose", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
    "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
]
LANDMARK_NAMES = ["left_asis", "right_asis", "left_psis", "right_psis"]
# the joint-cube centres and the bone whose head each is
JOINT_CUBES = {
    "hip": ("upper-leg", "upperleg01", ""),
    "knee": ("knee", "lowerleg01", ""),
    "ankle": ("ankle", "foot", ""),
    "shoulder": ("shoulder", "upperarm01", "glenohumeral joint; "),
    "elbow": ("elbow", "lowerarm01", ""),
    "wrist": ("hand", "wrist", ""),
}


def joint_definitions() -> dict[str, str]:
    """How each joint of the rig is defined, for landmark_definitions."""
    out = {}
    for side, s in (("left", "l"), ("right", "r")):
        for joint, (cube, bone, note) in JOINT_CUBES.items():
            out[f"{side}_{joint}"] = f"centre of the joint-{s}-{cube} cube ({note}head of bone {bone}.{s.upper()})"
    return out


def undo_roll(p: list[float], roll_deg: float, width: int, height: int) -> Array:
    """A pixel point turned back by the camera roll about the image centre
    (R clockwise -> R anticlockwise), as sagitta's --camera-roll-deg does."""
    a = math.radians(-roll_deg)
    c, s = math.cos(a), math.sin(a)
    q = np.array(p) - np.array([width / 2, height / 2])
    return np.array([c * q[0] - s * q[1], s * q[0] + c * q[1]])


def truth_angles(posed: PosedFigure, points: Mapping[str, Array], anterior: Array | None) -> dict[str, float | None]:
    """sagitta's angles of the measured side (standing: the near side; the
    Thomas test: the test leg, the held leg as held_*) from 2D points."""
    if posed.protocol == "standing":
        near = posed.near_side
        sides = {"shoulder": near, "hip": near, "knee": near, "ankle": near, "ear": near, "asis": near, "psis": near}
        return standing_angles_deg({k: points[f"{side}_{k}"] for k, side in sides.items()}, anterior)
    test = posed.test_leg
    held = "right" if test == "left" else "left"
    sides = {"shoulder": test, "hip": test, "knee": test, "ankle": test}
    picked = {k: points[f"{side}_{k}"] for k, side in sides.items()}
    for k in ("shoulder", "hip", "knee"):
        picked[f"held_{k}"] = points[f"{held}_{k}"]
    return thomas_test_angles_deg(picked)


def rounded(values: Mapping[str, float | None], digits: int) -> dict[str, float | None]:
    return {k: (round(x, digits) if x is not None else None) for k, x in values.items()}


def ground_truth(
    spec: Mapping,
    image_file: str,
    figure: Figure,
    posed: PosedFigure,
    points_3d: Mapping[str, Array],
    body_points: Array,
    camera_info: Mapping,
    project: Callable[[Array], list[float]],
    width: int,
    height: int,
) -> dict:
    """The truth document (without render_seconds, added once rendered)."""
    protocol = posed.protocol
    joints_3d = {k: [round(float(x), 5) for x in points_3d[k]] for k in JOINT_NAMES}
    joints_px = {k: [round(x, 2) for x in project(points_3d[k])] for k in JOINT_NAMES}
    landmarks_3d = {k: [round(float(x), 5) for x in points_3d[k]] for k in LANDMARK_NAMES}
    landmarks_px = {k: [round(x, 2) for x in project(points_3d[k])] for k in LANDMARK_NAMES}
    # the angles are read from the rounded points, as a reader of the file would
    roll = float(camera_info["roll_deg"])
    in_image = {k: undo_roll(p, roll, width, height) for k, p in {**joints_px, **landmarks_px}.items()}
    in_sagittal_plane = {k: to_sagittal_plane(np.array(p)) for k, p in {**joints_3d, **landmarks_3d}.items()}
    if protocol == "standing":
        facing = to_sagittal_plane(posed.body_to_world @ np.array([0, -1.0, 0]))
        anterior_3d = np.array([math.copysign(1, facing[0]), 0.0])
        anterior_image = np.array([-1.0, 0.0]) if posed.facing == "image_left" else np.array([1.0, 0.0])
        angles_3d = truth_angles(posed, in_sagittal_plane, anterior_3d)
        angles_image = truth_angles(posed, in_image, anterior_image)
    else:
        angles_3d = truth_angles(posed, in_sagittal_plane, None)
        angles_image = truth_angles(posed, in_image, None)
        angles_3d["held_knee_flexion"] = posed.held_knee_flexion_deg
    body = spec.get("body", {})
    truth = {
        "truth_version": TRUTH_VERSION,
        "image": {"file": image_file, "width": width, "height": height},
        "spec": spec,
        "protocol": protocol,
        "facing": posed.facing,
        "head_side": posed.head_side,
        "near_side": posed.near_side,
        "test_leg": posed.test_leg,
        "camera": camera_info,
        "joints_3d_m": joints_3d,
        "joints_px": joints_px,
        "landmarks_3d_m": landmarks_3d,
        "landmarks_px": landmarks_px,
        "landmark_definitions": {**figure.landmark_definitions, **joint_definitions()},
        "landmark_vertices": dict(figure.landmarks),
        "angles_3d_deg": rounded(angles_3d, 3),
        "angles_image_deg": rounded(angles_image, 3),
        "angle_notes": (
            "angles_3d_deg: joints projected onto the world YZ plane (the body's sagittal plane); "
            "angles_image_deg: from the pixel positions after turning them back by camera.roll_deg, "
            "with sagitta's definitions (src/measure/conventions.rs). "
            + ("Standing angles are for the near side." if protocol == "standing" else
               "Thomas-test angles are for the test leg; held_knee_flexion is the held leg.")
        ),
        "body": {
            "height_m": round(
                float(body_points[:, 2].max() - body_points[:, 2].min())
                if protocol == "standing" else float(body.get("height_m", 1.7)), 4
            ),
            "height_target_weight": round(float(figure.height_target_weight), 4),
            "bmi": round(float(figure.bmi), 2),
        },
        "solve": {k: (round(x, 4) if isinstance(x, float) else x) for k, x in posed.solve.items()},
    }
    if protocol == "standing":
        head_top = body_points[np.argmax(body_points[:, 2])]
        truth["body"]["head_top_px"] = [round(x, 2) for x in project(head_top)]
    return truth
