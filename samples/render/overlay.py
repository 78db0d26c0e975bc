"""Draw a render's ground-truth points on it (a check, not a product).

    blender -b --factory-startup -P overlay.py -- TRUTH.json OUT.png

Joints are red (near side) / blue (far side) squares, ASIS/PSIS green,
ears and nose yellow."""
import json
import os
import sys

import bpy
import numpy as np

truth_path, out = sys.argv[sys.argv.index("--") + 1:][:2]
with open(truth_path) as fh:
    t = json.load(fh)
img = bpy.data.images.load(os.path.join(os.path.dirname(truth_path), t["image"]["file"]))
W, H = img.size
px = np.array(img.pixels[:]).reshape(H, W, 4)  # bottom row first
near = t.get("near_side") or "left"


def dot(x, y, col, r=3):
    xi, yi = int(round(x)), int(round(H - 1 - y))
    px[max(yi - r, 0):yi + r + 1, max(xi - r, 0):xi + r + 1, :3] = col


for k, (x, y) in t["joints_px"].items():
    col = (1, 1, 0) if ("ear" in k or k == "nose") else ((1, 0, 0) if k.startswith(near) else (0, 0.3, 1))
    dot(x, y, col)
for k, (x, y) in t["landmarks_px"].items():
    dot(x, y, (0, 1, 0) if k.startswith(near) else (0, 0.5, 0), 2)
o = bpy.data.images.new("o", W, H)
o.pixels = px.ravel()
o.filepath_raw = out
o.file_format = "PNG"
o.save()
