#!/usr/bin/env python3
"""Phone-resolution marker renders without rendering the whole phone frame.

    python3 samples/render/composite_region.py --small DIR --region DIR --out DIR

`--region` holds renders of specs whose camera sets
`render_hip_region_torso` (`sweep.py --design markers --hip-region 0.7`):
the full-size frame with only the square around the near hip rendered (its
truth records `rendered_region_px`). `--small` holds the same specs rendered
whole at a smaller size. Each output image is the small render scaled up to
the full size (Lanczos) with the rendered square pasted in, and the region's
truth beside it: the pose model sees the whole body (it reads a 256-pixel
crop, so the scaled-up body gives it what a full render would), and the
marker search sees the rendered pixels, which lie within the square
(`pelvis.marker_search_torso` is 0.6 torso lengths). JPEG quality 92, as the
renderer writes.
"""

import argparse
import json
from pathlib import Path

from PIL import Image


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", required=True)
    ap.add_argument("--region", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    made = 0
    for truth_path in sorted(Path(args.region).glob("*.truth.json")):
        truth = json.loads(truth_path.read_text())
        region = truth.get("rendered_region_px")
        name = truth_path.name.removesuffix(".truth.json")
        small_path = Path(args.small) / f"{name}.jpg"
        if region is None or "render_seconds" not in truth or not small_path.is_file():
            continue
        with Image.open(truth_path.with_name(f"{name}.jpg")) as rendered, Image.open(small_path) as small:
            frame = small.convert("RGB").resize(rendered.size, Image.LANCZOS)
            box = (max(0, region[0]), max(0, region[1]),
                   min(rendered.width, region[2]), min(rendered.height, region[3]))
            frame.paste(rendered.convert("RGB").crop(box), box[:2])
        frame.save(out / f"{name}.jpg", quality=92)
        truth["composited_from"] = {"small": str(small_path), "region_px": list(box)}
        (out / truth_path.name).write_text(json.dumps(truth, indent=1))
        made += 1
    print(f"{made} composited into {out}")


if __name__ == "__main__":
    main()
