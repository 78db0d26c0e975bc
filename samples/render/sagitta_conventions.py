"""sagitta's angle definitions and signs, in Python (standard library only).

A port of src/measure/conventions.rs for the scripts that need sagitta's
angles without running it: the renderer (samples/render/scene.py) writes its
ground truth with them and the accuracy benchmark (benches/accuracy/) reads
MediaPipe's keypoints with them. `cargo test` checks this module against the
Rust measuring code (tests/measure.rs, `the_python_conventions_agree_with_the_measuring_code`),
so a change of a formula or a sign on either side fails it.

Points are (x, y) pairs in image coordinates, y pointing down. Angles are in
degrees. `anterior` is the direction the front of the body faces in the
image: (-1, 0) facing image left, (1, 0) facing image right, UP for a person
lying on their back. A function returns None where sagitta declines
("the keypoints coincide"): a zero-length segment or reference.

Run as a script it reads a JSON list of cases from stdin and writes their
angles as a JSON list to stdout (the Rust test's way in):

    [{"protocol": "standing", "anterior": [-1, 0],
      "points": {"shoulder": [x, y], "hip": ..., "knee": ..., "ankle": ...,
                 "ear": ..., "asis": ..., "psis": ...}},
     {"protocol": "thomas_test",
      "points": {"shoulder": ..., "hip": ..., "knee": ..., "ankle": ...,
                 "held_shoulder": ..., "held_hip": ..., "held_knee": ...}}]
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence

Point = Sequence[float]

UP = (0.0, -1.0)
DOWN = (0.0, 1.0)
# A vector shorter than this has no direction (as Vec2::normalized).
MIN_LENGTH = 1e-9


def difference(a: Point, b: Point) -> tuple[float, float]:
    """The vector from b to a."""
    return (a[0] - b[0], a[1] - b[1])


def unit(v: Point) -> tuple[float, float] | None:
    """v scaled to length 1; None when it is (nearly) zero or not finite.
    (Rust takes hypot and multiplies by the reciprocal; the square root and
    the division here are the arithmetic of numpy, which the renderer used
    before, so its ground truth stays the same to the last bit.)"""
    length = math.sqrt(v[0] * v[0] + v[1] * v[1])
    if not (length > MIN_LENGTH and math.isfinite(length)):
        return None
    return (v[0] / length, v[1] / length)


def _dot(a: Point, b: Point) -> float:
    # Summed from +0.0, as numpy's dot does: an exact zero angle comes out
    # as 0.0, never -0.0.
    return 0.0 + a[0] * b[0] + a[1] * b[1]


def signed_angle_deg(v: Point, zero: Point, positive: Point) -> float | None:
    """Angle of v measured from the direction `zero` towards `positive`
    (which needs only to lie on the positive side of `zero`), in (-180, 180]."""
    e1 = unit(zero)
    if e1 is None:
        return None
    along = _dot(positive, e1)
    e2 = unit((positive[0] - e1[0] * along, positive[1] - e1[1] * along))
    v = unit(v)
    if e2 is None or v is None:
        return None
    return math.degrees(math.atan2(_dot(v, e2), _dot(v, e1)))


def inclination_to_vertical_deg(start: Point, end: Point, anterior: Point) -> float | None:
    """The segment start -> end against straight up, positive when `end` lies anterior."""
    return signed_angle_deg(difference(end, start), UP, anterior)


def hip_flexion_deg(shoulder: Point, hip: Point, knee: Point, anterior: Point) -> float | None:
    """The thigh against the trunk line continued past the hip, positive
    when the thigh swings anterior."""
    return signed_angle_deg(difference(knee, hip), difference(hip, shoulder), anterior)


def knee_flexion_deg(hip: Point, knee: Point, ankle: Point, anterior: Point) -> float | None:
    """The shank against the thigh line continued past the knee, positive
    when the shank swings posterior (a bent knee), negative when hyperextended."""
    posterior = (-anterior[0], -anterior[1])
    return signed_angle_deg(difference(ankle, knee), difference(knee, hip), posterior)


def below_horizontal_deg(start: Point, end: Point, towards: Point) -> float | None:
    """The segment start -> end against the horizontal that points the way
    of `towards` (along the body, e.g. to the feet), positive below it."""
    if towards[0] == 0.0:
        return None
    return signed_angle_deg(difference(end, start), (math.copysign(1.0, towards[0]), 0.0), DOWN)


def pelvic_tilt_deg(asis: Point, psis: Point, anterior: Point) -> float | None:
    """The PSIS -> ASIS line against the anterior horizontal, positive when
    the ASIS is lower (anterior tilt); None when the ASIS is not anterior of
    the PSIS."""
    line = difference(asis, psis)
    if _dot(line, anterior) <= 0.0:
        return None
    return signed_angle_deg(line, (math.copysign(1.0, anterior[0]), 0.0), DOWN)


def standing_angles_deg(points: Mapping[str, Point], anterior: Point) -> dict[str, float | None]:
    """The standing angles of one side: `points` holds its shoulder, hip,
    knee, ankle and ear, and, for pelvic_tilt (listed first), asis and psis."""
    angles: dict[str, float | None] = {}
    if "asis" in points and "psis" in points:
        angles["pelvic_tilt"] = pelvic_tilt_deg(points["asis"], points["psis"], anterior)
    shoulder, hip, knee = points["shoulder"], points["hip"], points["knee"]
    angles["trunk_inclination"] = inclination_to_vertical_deg(hip, shoulder, anterior)
    angles["standing_hip_flexion"] = hip_flexion_deg(shoulder, hip, knee, anterior)
    angles["knee_flexion"] = knee_flexion_deg(hip, knee, points["ankle"], anterior)
    angles["head_forward"] = inclination_to_vertical_deg(shoulder, points["ear"], anterior)
    return angles


def thomas_test_angles_deg(points: Mapping[str, Point]) -> dict[str, float | None]:
    """The Thomas-test angles: `points` holds the test side's shoulder, hip,
    knee and ankle, and the held side's held_shoulder, held_hip and held_knee.
    The person lies on their back, so the front faces up."""
    anterior = UP
    shoulder, hip, knee = points["shoulder"], points["hip"], points["knee"]
    feet = difference(hip, shoulder)
    return {
        "hip_extension": below_horizontal_deg(hip, knee, feet),
        "knee_flexion": knee_flexion_deg(hip, knee, points["ankle"], anterior),
        "contralateral_hip_flexion": hip_flexion_deg(
            points["held_shoulder"], points["held_hip"], points["held_knee"], anterior
        ),
        "trunk_tilt": below_horizontal_deg(shoulder, hip, feet),
    }


def angles_of_case(case: Mapping) -> dict[str, float | None]:
    """The angles of one case of the script's input (see the module's doc)."""
    if case["protocol"] == "standing":
        return standing_angles_deg(case["points"], case["anterior"])
    if case["protocol"] == "thomas_test":
        return thomas_test_angles_deg(case["points"])
    raise ValueError(f"unknown protocol {case['protocol']!r}")


if __name__ == "__main__":
    json.dump([angles_of_case(case) for case in json.load(sys.stdin)], sys.stdout)
    sys.stdout.write("\n")
