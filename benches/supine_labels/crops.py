#!/usr/bin/env python3
"""Labelling aid for PROTOCOL.md: enlarged views of a photo with a pixel ruler.

It draws grid lines only, never a keypoint of any model, so that a labeller
can read full-image pixel coordinates off the grid. Needs Pillow.

    python3 crops.py view PHOTO X0 Y0 X1 Y1 [--scale 2] [--out view.png]
        the region X0..X1, Y0..Y1 enlarged, lines every 20 px, "x,y" labels
        every 40 px (step 2 of the protocol: rough positions)
    python3 crops.py zoom PHOTO NAME=X,Y ... [--out zoom.png]
        one 3x tile of 100 x 100 px centred on each X,Y, lines every 10 px,
        numbers every 20 px, ticks every 5 px (step 3: the placed pixel)
    python3 crops.py labels LABELS.json [--out sheet.png]
        the labeller's own points on the photos (step 5: a check for slips);
        only for the labels of the pass being checked, never a model's

Photo paths are written as in the labels, relative to the repository root
(`../shared/photos/...`); SAGITTA_SHARED=DIR reads `../shared` from DIR
instead (for a git worktree that has no ../shared beside it).

Coordinates are those of the upright image (EXIF orientation applied), as
`sagitta analyze` uses: a grid line marked N is the left (or top) edge of
pixel column (or row) N.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

REPO = Path(__file__).resolve().parents[2]


def resolve(photo: str) -> Path:
    """A photo path as the labels write it, resolved from the repository root."""
    shared = os.environ.get("SAGITTA_SHARED")
    if shared and photo.startswith("../shared/"):
        return Path(shared) / photo.removeprefix("../shared/")
    return REPO / photo


def load(photo: str) -> Image.Image:
    """The photo upright (EXIF orientation applied), as sagitta reads it."""
    path = resolve(photo)
    return ImageOps.exif_transpose(Image.open(path)).convert("RGB")


def view(photo: str, box: tuple[int, int, int, int], scale: float) -> Image.Image:
    x0, y0, x1, y1 = box
    out = load(photo).crop(box)
    out = out.resize((int((x1 - x0) * scale), int((y1 - y0) * scale)), Image.BICUBIC)
    draw = ImageDraw.Draw(out, "RGBA")
    for x in range(x0 - x0 % 20, x1, 20):
        alpha = 150 if x % 100 == 0 else 55
        draw.line([((x - x0) * scale, 0), ((x - x0) * scale, out.height)], fill=(255, 0, 0, alpha))
    for y in range(y0 - y0 % 20, y1, 20):
        alpha = 150 if y % 100 == 0 else 55
        draw.line([(0, (y - y0) * scale), (out.width, (y - y0) * scale)], fill=(0, 0, 255, alpha))
    for x in range(x0 - x0 % 40, x1, 40):
        for y in range(y0 - y0 % 40, y1, 80):
            draw.text(((x - x0) * scale + 2, (y - y0) * scale + 2), f"{x},{y}", fill=(255, 255, 0, 255))
    return out


def zoom_tile(
    image: Image.Image, label: str, centre: tuple[float, float], half: int = 50, zoom: int = 3
) -> Image.Image:
    x0, y0 = int(centre[0]) - half, int(centre[1]) - half
    tile = image.crop((x0, y0, x0 + 2 * half, y0 + 2 * half))
    tile = tile.resize((2 * half * zoom, 2 * half * zoom), Image.BICUBIC)
    draw = ImageDraw.Draw(tile, "RGBA")
    for v in range(2 * half + 1):
        gx, gy = x0 + v, y0 + v
        if gx % 10 == 0:
            draw.line([(v * zoom, 0), (v * zoom, tile.height)], fill=(255, 0, 0, 200 if gx % 50 == 0 else 110))
            if gx % 20 == 0:
                draw.text((v * zoom + 1, 1), str(gx), fill=(255, 0, 0, 255))
        elif gx % 5 == 0:
            draw.line([(v * zoom, 0), (v * zoom, 8)], fill=(255, 0, 0, 255))
        if gy % 10 == 0:
            draw.line([(0, v * zoom), (tile.width, v * zoom)], fill=(0, 0, 255, 200 if gy % 50 == 0 else 110))
            if gy % 20 == 0:
                draw.text((1, v * zoom + 1), str(gy), fill=(0, 0, 255, 255))
        elif gy % 5 == 0:
            draw.line([(0, v * zoom), (8, v * zoom)], fill=(0, 0, 255, 255))
    draw.text((4, tile.height - 14), label, fill=(255, 255, 0, 255))
    return tile


def sheet(tiles: list[Image.Image], columns: int, gap: int = 4) -> Image.Image:
    width, height = tiles[0].size
    rows = (len(tiles) + columns - 1) // columns
    out = Image.new("RGB", (columns * (width + gap), rows * (height + gap)), "white")
    for i, tile in enumerate(tiles):
        out.paste(tile, ((i % columns) * (width + gap), (i // columns) * (height + gap)))
    return out


def zoom(photo: str, points: list[str]) -> Image.Image:
    image = load(photo)
    tiles = []
    for point in points:
        label, xy = point.split("=")
        x, y = (float(v) for v in xy.split(","))
        tiles.append(zoom_tile(image, label, (x, y)))
    return sheet(tiles, min(4, len(tiles)))


COLOURS = {"shoulder": (255, 255, 0), "hip": (255, 0, 0), "knee": (0, 255, 0), "ankle": (0, 200, 255)}


def labels(path: str) -> Image.Image:
    doc = json.loads(Path(path).read_text())
    thumbs = []
    for entry in doc["photos"]:
        image = load(entry["photo"])
        draw = ImageDraw.Draw(image)
        for side in ("left", "right"):
            chain = [entry["landmarks"][f"{side}_{j}"] for j in COLOURS]
            line = [(p["x"], p["y"]) for p in chain if p]
            near = side == entry["near_side"]
            if len(line) > 1:
                draw.line(line, fill=(255, 255, 255) if near else (255, 0, 255), width=1)
            for joint, colour in COLOURS.items():
                p = entry["landmarks"][f"{side}_{joint}"]
                if p:
                    draw.ellipse((p["x"] - 4, p["y"] - 4, p["x"] + 4, p["y"] + 4), outline=colour, width=2)
        draw.text((5, 5), Path(entry["photo"]).name, fill=(255, 0, 0))
        thumbs.append(image.resize((640, int(image.height * 640 / image.width))))
    return sheet(thumbs, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    v = sub.add_parser("view")
    v.add_argument("photo")
    v.add_argument("box", nargs=4, type=int)
    v.add_argument("--scale", type=float, default=2.0)
    v.add_argument("--out", default="view.png")
    z = sub.add_parser("zoom")
    z.add_argument("photo")
    z.add_argument("points", nargs="+", metavar="NAME=X,Y")
    z.add_argument("--out", default="zoom.png")
    s = sub.add_parser("labels")
    s.add_argument("labels")
    s.add_argument("--out", default="sheet.png")
    args = parser.parse_args()
    if args.mode == "view":
        image = view(args.photo, tuple(args.box), args.scale)
    elif args.mode == "zoom":
        image = zoom(args.photo, args.points)
    else:
        image = labels(args.labels)
    image.save(args.out)
    print(f"{args.out}: {image.width} x {image.height}")


if __name__ == "__main__":
    main()
