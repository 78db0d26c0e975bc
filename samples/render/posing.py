"""The pose step: solve the bone rotations that give a spec's angles exactly,
by sagitta's own definitions, and place the posed figure on the floor or the
plinth. numpy only (no Blender).

Every bone gets a rotation about its own head in the body frame; the body
frame is then turned into the world (`body_to_world`): about the vertical by
the yaw that sets the facing, and for the Thomas test first onto its back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from figure import Array, Figure, solve_secant
from sagitta_conventions import (
    inclination_to_vertical_deg,
    pelvic_tilt_deg,
    signed_angle_deg,
    thomas_test_angles_deg,
)

SIDE_LETTERS = (("left", "L"), ("right", "R"))
SPINE = ["spine05", "spine04", "spine03", "spine02", "spine01"]
# share of the pelvic rotation each spine bone takes back (the rest of the
# trunk keeps its orientation), by the spec's `lumbar_bones`: over the three
# lowest (the default) or spread over all five, a longer, flatter curve; and
# share of the trunk lean
PELVIS_SHARES = {
    3: {"spine05": 0.6, "spine04": 0.3, "spine03": 0.1, "spine02": 0.0, "spine01": 0.0},
    5: {"spine05": 0.35, "spine04": 0.25, "spine03": 0.2, "spine02": 0.12, "spine01": 0.08},
}
LEAN_SHARE = {"spine05": 0.2, "spine04": 0.45, "spine03": 0.7, "spine02": 0.9, "spine01": 1.0}
NECK_SHARE = {"neck01": 1 / 3, "neck02": 2 / 3, "neck03": 1.0}
# The Thomas test: the hands hold the held shin this far below the knee
# (grip "shin"), or clasp the back of the thigh this far above it ("thigh").
GRIP_BELOW_KNEE_M = 0.15
GRIP_ABOVE_KNEE_M = 0.10
# Where the hip-joint centre lies past the table's end, towards the feet,
# unless the spec says (scene.hip_past_table_end_m).
HIP_PAST_TABLE_END_M = 0.02


def rotation_x(deg: float) -> Array:
    """Rotation about +X (the body's left-right axis): + turns -Y (front) towards -Z."""
    a = math.radians(deg)
    cos_a, sin_a = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, cos_a, -sin_a], [0, sin_a, cos_a]])


def rotation_z(deg: float) -> Array:
    a = math.radians(deg)
    cos_a, sin_a = math.cos(a), math.sin(a)
    return np.array([[cos_a, -sin_a, 0], [sin_a, cos_a, 0], [0, 0, 1]])


def rotation_between(a: Array, b: Array) -> Array:
    """Smallest rotation taking direction a to direction b."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    if np.linalg.norm(v) < 1e-12:
        if c > 0:
            return np.eye(3)
        axis = np.cross(a, [1, 0, 0])
        if np.linalg.norm(axis) < 1e-6:
            axis = np.cross(a, [0, 1, 0])
        axis /= np.linalg.norm(axis)
        return 2 * np.outer(axis, axis) - np.eye(3)
    k = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + k + k @ k * (1 / (1 + c))


def sagittal_angle_deg(v: Array) -> float:
    """Sagittal angle of a body-frame/world vector: from straight down,
    positive towards -Y (the rest body's front)."""
    return math.degrees(math.atan2(-v[1], -v[2]))


def to_sagittal_plane(p: Array) -> Array:
    """World point -> 2D in the YZ (sagittal) plane, y down like an image."""
    return np.array([p[1], -p[2]])


def two_link_elbow(shoulder: Array, wrist: Array, upper: float, lower: float, pole: Array) -> tuple[Array, Array]:
    """Elbow and (reachable) wrist of an arm of segment lengths upper and
    lower reaching from shoulder to wrist, the elbow bent towards pole."""
    d = wrist - shoulder
    dist = np.linalg.norm(d)
    reach = (upper + lower) * 0.995
    if dist > reach:
        wrist = shoulder + d / dist * reach
        d = wrist - shoulder
        dist = reach
    u = d / dist
    a = (upper * upper - lower * lower + dist * dist) / (2 * dist)
    out = math.sqrt(max(upper * upper - a * a, 0.0))
    n = pole - u * np.dot(pole, u)
    n /= np.linalg.norm(n)
    return shoulder + a * u + out * n, wrist


def held_knee_flexion_deg(body_heads: Mapping[str, Array], held: str) -> float | None:
    """The held knee's flexion, in the body's own (upright) sagittal plane:
    the shank against the thigh line continued, positive towards the back of
    the thigh. (sagitta's knee_flexion takes a fixed 'anterior' for the sign,
    which is the same thing while the thigh points downwards but flips for a
    hip flexed past 90 degrees, so it is not used for the held leg.)"""
    letter = held[0].upper()
    hip, knee, ankle = (to_sagittal_plane(body_heads[f"{b}.{letter}"]) for b in ("upperleg01", "lowerleg01", "foot"))
    d = knee - hip
    back_of_thigh = np.array([d[1], -d[0]])  # thigh straight down -> posterior (+x)
    return signed_angle_deg(ankle - knee, d, back_of_thigh)


class Poser:
    """Turns a figure's bones and reads its joints and landmarks back."""

    def __init__(self, figure: Figure) -> None:
        self.skeleton = figure.skeleton
        self.heads = figure.heads
        self.rest_vertices = figure.vertices
        self.landmarks = figure.landmarks
        self.hip_mid = 0.5 * (self.heads["upperleg01.L"] + self.heads["upperleg01.R"])

    def forward(self, rotations: Mapping[str, Array], body_to_world: Array) -> tuple[dict, dict]:
        """World rotations and head positions, the hips' midpoint kept in place."""
        return self.skeleton.forward(rotations, body_to_world, root_pivot=self.hip_mid)

    @staticmethod
    def joints(world_heads: Mapping[str, Array]) -> dict[str, Array]:
        """The keypoint joints (sagitta's names) from the bone heads."""
        joints = {}
        for side, letter in SIDE_LETTERS:
            joints[f"{side}_shoulder"] = world_heads[f"upperarm01.{letter}"]
            joints[f"{side}_hip"] = world_heads[f"upperleg01.{letter}"]
            joints[f"{side}_knee"] = world_heads[f"lowerleg01.{letter}"]
            joints[f"{side}_ankle"] = world_heads[f"foot.{letter}"]
            joints[f"{side}_elbow"] = world_heads[f"lowerarm01.{letter}"]
            joints[f"{side}_wrist"] = world_heads[f"wrist.{letter}"]
        return joints

    def landmark(self, name: str, world_rotations: Mapping[str, Array], world_heads: Mapping[str, Array]) -> Array:
        """A skin landmark, posed: the centroid of its skinned vertices."""
        return self.skeleton.skin_points(
            self.landmarks[name], self.rest_vertices, world_rotations, world_heads
        ).mean(axis=0)

    @staticmethod
    def trunk_rotations(
        pelvis_deg: float, lean_deg: float, neck_deg: float, head_pitch_deg: float, lumbar_bones: int = 3
    ) -> dict[str, Array]:
        """The pelvis turned about the hip axis (the spine bones taking part
        of it back, over `lumbar_bones` bones), the trunk leant, the neck
        flexed and the head nodded."""
        bone_rotations = {}
        share = PELVIS_SHARES[lumbar_bones]
        for b in ("root", "pelvis.L", "pelvis.R"):
            bone_rotations[b] = rotation_x(pelvis_deg)
        for b in SPINE:
            bone_rotations[b] = rotation_x(share[b] * pelvis_deg + LEAN_SHARE[b] * lean_deg)
        for b, k in NECK_SHARE.items():
            bone_rotations[b] = rotation_x(lean_deg + k * neck_deg)
        bone_rotations["head"] = rotation_x(head_pitch_deg)
        return bone_rotations

    def adduction(self, letter: str) -> Array:
        """Rotation about the body's front-back axis that brings the rest
        (A-pose) leg's knee and ankle in under the hip, feet ~15 cm apart."""
        heads = self.heads
        v = heads[f"foot.{letter}"] - heads[f"upperleg01.{letter}"]
        want = np.array([math.copysign(0.07, v[0]) - heads[f"upperleg01.{letter}"][0], 0.0, v[2]])
        a = math.atan2(v[0], -v[2]) - math.atan2(want[0], -want[2])
        c, sn = math.cos(a), math.sin(a)
        return np.array([[c, 0, sn], [0, 1, 0], [-sn, 0, c]])

    def rest_leg_angles_deg(self, letter: str) -> tuple[float, float]:
        """The sagittal angles of the adducted rest thigh and shank."""
        heads, a = self.heads, self.adduction(letter)
        thigh = sagittal_angle_deg(a @ (heads[f"lowerleg01.{letter}"] - heads[f"upperleg01.{letter}"]))
        shank = sagittal_angle_deg(a @ (heads[f"foot.{letter}"] - heads[f"lowerleg01.{letter}"]))
        return thigh, shank

    def set_leg(
        self,
        bone_rotations: dict[str, Array],
        letter: str,
        thigh_deg: float,
        shank_deg: float,
        foot: Array | None = None,
    ) -> None:
        """Adduct the leg and turn its thigh and shank about the body's
        left-right axis (which changes their sagittal angles by exactly that)."""
        adduction = self.adduction(letter)
        for b in (f"upperleg01.{letter}", f"upperleg02.{letter}"):
            bone_rotations[b] = rotation_x(thigh_deg) @ adduction
        for b in (f"lowerleg01.{letter}", f"lowerleg02.{letter}"):
            bone_rotations[b] = rotation_x(shank_deg) @ adduction
        if foot is not None:
            bone_rotations[f"foot.{letter}"] = foot

    def set_arm(
        self, bone_rotations: dict[str, Array], letter: str, body_to_world: Array, upper_arm: Array, forearm: Array
    ) -> None:
        """Point the upper arm and forearm along the given world directions."""
        heads = self.heads
        upper_rest = heads[f"lowerarm01.{letter}"] - heads[f"upperarm01.{letter}"]
        fore_rest = heads[f"wrist.{letter}"] - heads[f"lowerarm01.{letter}"]
        world_to_body = body_to_world.T
        upper_rotation = rotation_between(upper_rest, world_to_body @ upper_arm)
        fore_rotation = rotation_between(fore_rest, world_to_body @ forearm)
        for b in (f"upperarm01.{letter}", f"upperarm02.{letter}"):
            bone_rotations[b] = upper_rotation
        for b in (f"lowerarm01.{letter}", f"lowerarm02.{letter}"):
            bone_rotations[b] = fore_rotation


def pose_standing(poser: Poser, pose: Mapping, yaw_deg: float, near: str) -> tuple[dict, Array, dict]:
    """Standing: pelvic tilt, trunk inclination and head forward solved on the
    near side (repeated, as they interact a little), knees and thighs set
    directly, arms hanging. Returns the bone rotations, body_to_world and the
    solve's record: dp (pelvis turn), tau (trunk lean), nu (neck flexion)."""
    body_to_world = rotation_z(yaw_deg)
    facing = to_sagittal_plane(body_to_world @ np.array([0, -1.0, 0]))
    anterior = np.array([math.copysign(1, facing[0]), 0.0])
    knee = float(pose.get("knee_flexion_deg", 0.0))
    thigh = knee / 2.0 + float(pose.get("thigh_forward_deg", 0.0))
    shank = thigh - knee
    rest = {letter: poser.rest_leg_angles_deg(letter) for letter in "LR"}
    solve = {"dp": 0.0, "tau": 0.0, "nu": 0.0}

    def rotations() -> dict[str, Array]:
        bone_rotations = poser.trunk_rotations(
            solve["dp"], solve["tau"], solve["nu"], pose.get("head_pitch_deg", 0.0), int(pose.get("lumbar_bones", 3))
        )
        for letter in "LR":
            rest_thigh, rest_shank = rest[letter]
            poser.set_leg(bone_rotations, letter, -(thigh - rest_thigh), -(shank - rest_shank), foot=np.eye(3))
        return bone_rotations

    def measure(name: str) -> float | None:
        world_rotations, world_heads = poser.forward(rotations(), body_to_world)
        joints = poser.joints(world_heads)
        if name == "pelvic_tilt":
            asis = to_sagittal_plane(poser.landmark(f"{near}_asis", world_rotations, world_heads))
            psis = to_sagittal_plane(poser.landmark(f"{near}_psis", world_rotations, world_heads))
            return pelvic_tilt_deg(asis, psis, anterior)
        shoulder = to_sagittal_plane(joints[f"{near}_shoulder"])
        if name == "trunk":
            return inclination_to_vertical_deg(to_sagittal_plane(joints[f"{near}_hip"]), shoulder, anterior)
        ear = to_sagittal_plane(poser.landmark(f"{near}_ear", world_rotations, world_heads))
        return inclination_to_vertical_deg(shoulder, ear, anterior)

    targets = {
        "pelvic_tilt": float(pose.get("pelvic_tilt_deg", 10.0)),
        "trunk": float(pose.get("trunk_inclination_deg", 0.0)),
        "head": float(pose.get("head_forward_deg", 8.0)),
    }
    for _ in range(3):  # the three interact a little: repeat
        for key, name in (("dp", "pelvic_tilt"), ("tau", "trunk"), ("nu", "head")):

            def angle_at(x: float, key: str = key, name: str = name) -> float | None:
                solve[key] = x
                return measure(name)

            solve[key] = solve_secant(angle_at, targets[name], solve[key], solve[key] + 1.0)
    bone_rotations = rotations()
    if pose.get("arms") == "folded":
        fold_arms(poser, bone_rotations, body_to_world)
        return bone_rotations, body_to_world, solve
    # arms hang under gravity, a little out from the side, elbows slightly bent
    out = float(pose.get("arm_out", 0.12))
    hand_on_hip = pose.get("arms") == "hand_on_hip"
    for side, letter in SIDE_LETTERS:
        if hand_on_hip and side == near:
            put_hand_on_hip(poser, bone_rotations, body_to_world, side, pose)
            continue
        lateral = body_to_world @ np.array([1.0 if letter == "L" else -1.0, 0, 0])
        forward = body_to_world @ np.array([0, -1.0, 0])
        upper = -np.array([0, 0, 1.0]) + out * lateral + 0.02 * forward
        fore = -np.array([0, 0, 1.0]) + 0.8 * out * lateral + 0.2 * forward
        poser.set_arm(bone_rotations, letter, body_to_world, upper / np.linalg.norm(upper), fore / np.linalg.norm(fore))
    return bone_rotations, body_to_world, solve


def put_hand_on_hip(
    poser: Poser, bone_rotations: dict[str, Array], body_to_world: Array, side: str, pose: Mapping
) -> None:
    """The hand on the side of the hip, the wrist `hand_above_crest_m` above
    the iliac crest (between ASIS and PSIS), fingers forward and 10 degrees
    down towards the ASIS, elbow out and back (hands on hips): a hand that
    may cover part of a marker on the ASIS."""
    world_rotations, world_heads = poser.forward(bone_rotations, body_to_world)
    joints = poser.joints(world_heads)
    heads = poser.heads
    letter = side[0].upper()
    forward = body_to_world @ np.array([0, -1.0, 0])
    up = np.array([0, 0, 1.0])
    lateral = body_to_world @ np.array([1.0 if letter == "L" else -1.0, 0, 0])
    asis = poser.landmark(f"{side}_asis", world_rotations, world_heads)
    psis = poser.landmark(f"{side}_psis", world_rotations, world_heads)
    hip = joints[f"{side}_hip"]
    # the wrist over the lateral iliac crest, behind the ASIS and above it,
    # standing off the side of the body by half a hand's thickness
    crest = 0.45 * asis + 0.55 * psis
    wrist = (crest - np.dot(crest - hip, lateral) * lateral + (abs(np.dot(asis - hip, lateral)) + 0.06) * lateral
             + float(pose.get("hand_above_crest_m", 0.07)) * up)
    shoulder = joints[f"{side}_shoulder"]
    upper = np.linalg.norm(heads[f"lowerarm01.{letter}"] - heads[f"upperarm01.{letter}"])
    lower = np.linalg.norm(heads[f"wrist.{letter}"] - heads[f"lowerarm01.{letter}"])
    elbow, wrist = two_link_elbow(shoulder, wrist, upper, lower, lateral - 0.6 * forward)
    poser.set_arm(
        bone_rotations, letter, body_to_world, (elbow - shoulder) / np.linalg.norm(elbow - shoulder),
        (wrist - elbow) / np.linalg.norm(wrist - elbow),
    )
    # the hand along the body's side, forward and 10 degrees down
    hand_rest = heads[f"finger3-1.{letter}"] - heads[f"wrist.{letter}"]
    hand = math.cos(math.radians(10)) * forward - math.sin(math.radians(10)) * up
    bone_rotations[f"wrist.{letter}"] = rotation_between(hand_rest, body_to_world.T @ hand)


def fold_arms(poser: Poser, bone_rotations: dict[str, Array], body_to_world: Array) -> None:
    """Arms folded across the chest: each wrist in front of the lower chest,
    past the midline towards the other elbow, the elbows down and out; the
    left forearm a little in front of the right so they do not meet."""
    joints = poser.joints(poser.forward(bone_rotations, body_to_world)[1])
    heads = poser.heads
    forward = body_to_world @ np.array([0, -1.0, 0])
    up = body_to_world @ np.array([0, 0, 1.0])
    chest = 0.5 * (joints["left_shoulder"] + joints["right_shoulder"]) - 0.24 * up
    for side, letter in SIDE_LETTERS:
        lateral = body_to_world @ np.array([1.0 if letter == "L" else -1.0, 0, 0])
        shoulder = joints[f"{side}_shoulder"]
        upper = np.linalg.norm(heads[f"lowerarm01.{letter}"] - heads[f"upperarm01.{letter}"])
        lower = np.linalg.norm(heads[f"wrist.{letter}"] - heads[f"lowerarm01.{letter}"])
        in_front = 0.14 if letter == "L" else 0.11
        wrist = chest - 0.12 * lateral + in_front * forward + (0.03 if letter == "L" else -0.01) * up
        pole = 0.6 * lateral - up + 0.3 * forward
        elbow, wrist = two_link_elbow(shoulder, wrist, upper, lower, pole)
        poser.set_arm(
            bone_rotations, letter, body_to_world, (elbow - shoulder) / np.linalg.norm(elbow - shoulder),
            (wrist - elbow) / np.linalg.norm(wrist - elbow),
        )


def pose_thomas(poser: Poser, pose: Mapping, yaw_deg: float) -> tuple[dict, Array, dict]:
    """The Thomas test: the body on its back, the pelvis tilt read as if
    standing, then the test thigh and shank and the held thigh and shank
    solved for their angles, the hands on the held shin. Returns the bone
    rotations, body_to_world and the solve's record: dp (pelvis turn), t and
    tk (test thigh and shank turns), h and hk (held thigh and shank turns),
    test_leg."""
    body_to_world = rotation_z(yaw_deg) @ rotation_x(-90.0)
    test = pose.get("test_leg", "left")
    held = "right" if test == "left" else "left"
    test_letter, held_letter = test[0].upper(), held[0].upper()
    solve = {"dp": 0.0, "t": 0.0, "tk": 0.0, "h": 0.0, "hk": 0.0}

    def rotations() -> dict[str, Array]:
        bone_rotations = poser.trunk_rotations(
            solve["dp"], 0.0, float(pose.get("neck_flex_deg", 0.0)), float(pose.get("head_pitch_deg", 0.0))
        )
        poser.set_leg(bone_rotations, test_letter, solve["t"], solve["tk"])
        poser.set_leg(bone_rotations, held_letter, solve["h"], solve["hk"])
        return bone_rotations

    def measure(name: str) -> float | None:
        bone_rotations = rotations()
        if name == "pelvic_tilt":
            # upright and facing image left, whatever the spec says
            world_rotations, world_heads = poser.forward(bone_rotations, np.eye(3))
            asis = to_sagittal_plane(poser.landmark("left_asis", world_rotations, world_heads))
            psis = to_sagittal_plane(poser.landmark("left_psis", world_rotations, world_heads))
            return pelvic_tilt_deg(asis, psis, np.array([-1.0, 0.0]))
        if name == "held_knee":
            return held_knee_flexion_deg(poser.forward(bone_rotations, np.eye(3))[1], held)
        joints = poser.joints(poser.forward(bone_rotations, body_to_world)[1])
        points = {"shoulder": joints[f"{test}_shoulder"], "hip": joints[f"{test}_hip"], "knee": joints[f"{test}_knee"],
                  "ankle": joints[f"{test}_ankle"], "held_shoulder": joints[f"{held}_shoulder"],
                  "held_hip": joints[f"{held}_hip"], "held_knee": joints[f"{held}_knee"]}
        return thomas_test_angles_deg({k: to_sagittal_plane(p) for k, p in points.items()})[name]

    targets = [
        ("dp", "pelvic_tilt", float(pose.get("pelvic_tilt_deg", 10.0))),
        ("t", "hip_extension", float(pose.get("hip_extension_deg", 10.0))),
        ("tk", "knee_flexion", float(pose.get("knee_flexion_deg", 70.0))),
        ("h", "contralateral_hip_flexion", float(pose.get("held_hip_flexion_deg", 120.0))),
        ("hk", "held_knee", float(pose.get("held_knee_flexion_deg", 135.0))),
    ]
    for key, name, want in targets:

        def angle_at(x: float, key: str = key, name: str = name) -> float | None:
            solve[key] = x
            return measure(name)

        solve[key] = solve_secant(angle_at, want, 0.0, 2.0)
    bone_rotations = rotations()
    joints = poser.joints(poser.forward(bone_rotations, body_to_world)[1])
    # both hands hold the held shin just below the knee, or clasp the back
    # of the held thigh just above it
    knee, ankle = joints[f"{held}_knee"], joints[f"{held}_ankle"]
    shin = (ankle - knee) / np.linalg.norm(ankle - knee)
    grip = knee + GRIP_BELOW_KNEE_M * shin
    if pose.get("grip", "shin") == "thigh":
        thigh = knee - joints[f"{held}_hip"]
        thigh /= np.linalg.norm(thigh)
        back = body_to_world @ np.array([0, 1.0, 0])
        behind = back - thigh * np.dot(back, thigh)
        behind /= np.linalg.norm(behind)
        # the wrists at the back of the thigh (its radius is about 7 cm)
        grip = knee - GRIP_ABOVE_KNEE_M * thigh + 0.06 * behind - np.array([0, 0, 0.02])
    heads = poser.heads
    for side, letter in SIDE_LETTERS:
        lateral = body_to_world @ np.array([1.0 if letter == "L" else -1.0, 0, 0])
        shoulder = joints[f"{side}_shoulder"]
        upper = np.linalg.norm(heads[f"lowerarm01.{letter}"] - heads[f"upperarm01.{letter}"])
        lower = np.linalg.norm(heads[f"wrist.{letter}"] - heads[f"lowerarm01.{letter}"])
        # wrists either side of the shin, a little above it (palms wrap it)
        wrist = grip + 0.075 * lateral + np.array([0, 0, 0.02])
        pole = lateral * 1.0 - np.array([0, 0, 0.4])
        elbow, wrist = two_link_elbow(shoulder, wrist, upper, lower, pole)
        poser.set_arm(
            bone_rotations, letter, body_to_world, (elbow - shoulder) / np.linalg.norm(elbow - shoulder),
            (wrist - elbow) / np.linalg.norm(wrist - elbow),
        )
    solve["test_leg"] = test
    return bone_rotations, body_to_world, solve


@dataclass
class Plinth:
    """The Thomas test's table: its end at the hip, running towards the head."""

    top_z: float
    end_y: float
    # +1 or -1: the way from the end to the head, along Y
    direction: float
    length: float
    width: float


@dataclass
class PosedFigure:
    protocol: str
    # bone -> rotation in the body frame, and the body frame's turn into the world
    rotations: dict[str, Array]
    body_to_world: Array
    # bone -> world rotation, and world head position on the floor or plinth
    world_rotations: dict[str, Array]
    world_heads: dict[str, Array]
    solve: dict
    near_side: str
    # standing: where the nose points in the image; the Thomas test: None
    facing: str | None
    # the Thomas test: the side of the image the head is on; standing: None
    head_side: str | None
    test_leg: str | None
    # the Thomas test: the held knee's flexion in the body's own frame
    held_knee_flexion_deg: float | None
    plinth: Plinth | None


def pose_figure(figure: Figure, spec: Mapping) -> PosedFigure:
    """Solve the spec's pose and put the figure on the floor (standing) or on
    the plinth, high enough for the hanging foot to clear the floor by 8 cm."""
    protocol = spec.get("protocol", "standing")
    pose = spec.get("pose", {})
    poser = Poser(figure)
    facing = head_side = None
    if protocol == "standing":
        facing = pose.get("facing", "image_left")
        yaw = 0.0 if facing == "image_left" else 180.0
        near = "left" if facing == "image_left" else "right"
        bone_rotations, body_to_world, solve = pose_standing(poser, pose, yaw, near)
    else:
        head_side = pose.get("head_side", "image_right")
        yaw = 0.0 if head_side == "image_right" else 180.0
        near = "left" if head_side == "image_right" else "right"
        bone_rotations, body_to_world, solve = pose_thomas(poser, pose, yaw)
    world_rotations, world_heads = poser.forward(bone_rotations, body_to_world)

    mesh = figure.mesh
    base = mesh.vertices
    sole = [i for i in mesh.body_indices if base[i, 2] < -0.74]
    back = [
        i for i in mesh.body_indices
        if -0.15 < base[i, 2] < 0.62 and base[i, 1] > 0.0 and abs(base[i, 0]) < 0.2
    ]
    skeleton = figure.skeleton
    skeleton.index_vertex_weights(set(sole) | set(back))

    def skinned(indices: list[int]) -> Array:
        return skeleton.skin_points(indices, figure.vertices, world_rotations, world_heads)

    plinth = None
    test_leg = held_knee = None
    if protocol == "standing":
        sole_z = skinned(sole)[:, 2].min()
        ankles = 0.5 * (world_heads["foot.L"] + world_heads["foot.R"])
        shift = np.array([-ankles[0], -ankles[1], -sole_z])
    else:
        test_leg = solve["test_leg"]
        held = "right" if test_leg == "left" else "left"
        held_knee = held_knee_flexion_deg(poser.forward(bone_rotations, np.eye(3))[1], held)
        back_z = skinned(back)[:, 2].min()
        sole_z = skinned(sole)[:, 2].min()
        top_z = max(float(spec.get("scene", {}).get("table_height_m", 0.7)), back_z - sole_z + 0.08)
        test_hip = world_heads[f"upperleg01.{test_leg[0].upper()}"]
        hips_x = 0.5 * (world_heads["upperleg01.L"][0] + world_heads["upperleg01.R"][0])
        shift = np.array([-hips_x, -test_hip[1], top_z - back_z])
        towards_head = np.sign((world_heads["head"] - test_hip)[1])
        plinth = Plinth(
            top_z=round(top_z, 4),
            end_y=0.0 + towards_head * float(spec.get("scene", {}).get("hip_past_table_end_m", HIP_PAST_TABLE_END_M)),
            direction=towards_head,
            length=float(spec.get("scene", {}).get("table_length_m", 1.9)),
            width=0.65,
        )
    return PosedFigure(
        protocol=protocol,
        rotations=bone_rotations,
        body_to_world=body_to_world,
        world_rotations=world_rotations,
        world_heads={b: p + shift for b, p in world_heads.items()},
        solve=solve,
        near_side=near,
        facing=facing,
        head_side=head_side,
        test_leg=test_leg,
        held_knee_flexion_deg=held_knee,
        plinth=plinth,
    )
