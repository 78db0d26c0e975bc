#!/usr/bin/env python3
"""Write golden BlazePose keypoints from an independent implementation.

Runs MediaPipe's legacy pose solution (PyPI mediapipe==0.10.21,
mediapipe.solutions.pose, static_image_mode=True, model_complexity=1,
enable_segmentation=False) on every samples/*.jpg and on three photos from
../shared/photos/free_exercise_db_stretches/, and writes
tests/golden/<image-stem>.json for each.

Run through tests/golden/make_golden.sh, which builds the virtualenv.
Paths are relative to the repository root (the script changes to it).
"""

import hashlib
import json
import os
import sys
from pathlib import Path

import cv2
import mediapipe as mp

REPO_ROOT = Path(__file__).resolve().parents[2]
GOLDEN_DIR = Path("tests/golden")
MODEL_COMPLEXITY = 1

EXTRA_IMAGES = [
    "../shared/photos/free_exercise_db_stretches/Standing_Pelvic_Tilt__0.jpg",
    "../shared/photos/free_exercise_db_stretches/Standing_Pelvic_Tilt__1.jpg",
    "../shared/photos/free_exercise_db_stretches/On-Your-Back_Quad_Stretch__0.jpg",
]

# BlazePose's 33 landmarks, in model output order.
LANDMARK_NAMES = [
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear",
    "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_pinky", "right_pinky",
    "left_index", "right_index",
    "left_thumb", "right_thumb",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    os.chdir(REPO_ROOT)

    enum_names = [lm.name.lower() for lm in mp.solutions.pose.PoseLandmark]
    if enum_names != LANDMARK_NAMES:
        raise SystemExit(f"landmark names differ from mediapipe's: {enum_names}")

    images = sorted(str(p) for p in Path("samples").glob("*.jpg")) + EXTRA_IMAGES
    stems = [Path(p).stem for p in images]
    if len(set(stems)) != len(stems):
        raise SystemExit(f"duplicate image stems: {stems}")

    not_found = []
    for rel in images:
        path = Path(rel)
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise SystemExit(f"cannot read {rel}")
        height, width = bgr.shape[:2]
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

        # A fresh graph per image, so no state carries over between images.
        with mp.solutions.pose.Pose(
            static_image_mode=True,
            model_complexity=MODEL_COMPLEXITY,
            enable_segmentation=False,
        ) as pose:
            result = pose.process(rgb)

        doc = {
            "source_image": rel,
            "source_sha256": sha256_of(path),
            "width": width,
            "height": height,
            "generator": "mediapipe.solutions.pose.Pose (legacy solution)",
            "mediapipe_version": mp.__version__,
            "opencv_version": cv2.__version__,
            "static_image_mode": True,
            "model_complexity": MODEL_COMPLEXITY,
            "enable_segmentation": False,
            "coordinates": "x, y in original image pixels (normalised * width/height); "
                           "z as given by mediapipe (normalised, roughly the scale of x); "
                           "visibility as given (already a probability); presence null "
                           "where mediapipe leaves it unset",
        }
        if result.pose_landmarks is None:
            doc["person_found"] = False
            not_found.append(rel)
        else:
            lms = result.pose_landmarks.landmark
            if len(lms) != len(LANDMARK_NAMES):
                raise SystemExit(f"{rel}: expected 33 landmarks, got {len(lms)}")
            doc["person_found"] = True
            doc["landmarks"] = [
                {
                    "index": i,
                    "name": name,
                    "x": round(lm.x * width, 3),
                    "y": round(lm.y * height, 3),
                    "z": round(lm.z, 6),
                    "visibility": round(lm.visibility, 6) if lm.HasField("visibility") else None,
                    # The legacy solution's graph leaves `presence` unset
                    # (proto default 0.0); write null rather than a fake 0.
                    "presence": round(lm.presence, 6) if lm.HasField("presence") else None,
                }
                for i, (name, lm) in enumerate(zip(LANDMARK_NAMES, lms, strict=True))
            ]

        out = GOLDEN_DIR / f"{path.stem}.json"
        out.write_text(json.dumps(doc, indent=2) + "\n")
        status = "person found" if doc["person_found"] else "NO PERSON FOUND"
        print(f"{out}: {rel} {width}x{height}: {status}", file=sys.stderr)

    if not_found:
        print(f"no person found in: {', '.join(not_found)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
