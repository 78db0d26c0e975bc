#!/usr/bin/env python3
"""MediaPipe's legacy pose solution over a list of photos, as a user would
run it: one process, one Pose object reused, photos read with cv2.

    python mediapipe_batch.py PHOTO...

Settings match sagitta's default pipeline: static_image_mode=True (every
photo from the detector, no tracking), model_complexity=1 (full model),
enable_segmentation=True (sagitta keeps the mask too). cv2.imread applies
the EXIF orientation, as sagitta does.

Prints one line per photo as soon as it is done ({"type": "result", ...}, so
a caller can time the results from outside), then one summary line with the
in-process timings. Run by benches/peer/compare.py.
"""

import json
import os
import sys
import time

started = time.perf_counter()
import cv2  # noqa: E402  (the import is part of what is timed)
import mediapipe as mp  # noqa: E402


def main() -> int:
    imported = time.perf_counter()
    pose = mp.solutions.pose.Pose(
        static_image_mode=True,
        model_complexity=1,
        enable_segmentation=True,
    )
    loaded = time.perf_counter()

    images = []
    threads = 0
    for path in sys.argv[1:]:
        t0 = time.perf_counter()
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        if bgr is None:
            raise SystemExit(f"cannot read {path}")
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        t1 = time.perf_counter()
        results = pose.process(rgb)
        t2 = time.perf_counter()
        found = results.pose_landmarks is not None
        print(json.dumps({"type": "result", "found": found}), flush=True)
        images.append({"decode_s": t1 - t0, "process_s": t2 - t1, "found": found})
        # The graph starts its worker threads lazily: count them while it runs.
        threads = max(threads, len(os.listdir("/proc/self/task")))
    pose.close()

    print(
        json.dumps(
            {
                "type": "summary",
                "import_s": imported - started,
                "load_s": loaded - imported,
                "loop_s": time.perf_counter() - loaded,
                "threads": threads,
                "images": images,
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
