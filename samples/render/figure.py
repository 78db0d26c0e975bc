"""The build step's geometry: a MakeHuman figure shaped by a spec, its
skeleton and skin weights, and the landmark vertices the ground truth is
read from. numpy only (no Blender), so it can be checked without one.

Coordinates: metres, Z up. In the body's own (rest) frame the person faces
-Y and their left side is +X.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

# A 3-vector, a 3x3 rotation or an (n, 3) array of points.
Array = np.ndarray
# bone -> (vertex indices, weights)
SkinWeights = dict[str, tuple[Array, Array]]

# The MakeHuman skin weights give the skin over the iliac crests, the sacrum
# and the lower abdomen mostly to the lumbar bones (spine05-spine03), so
# turning the pelvis bones alone leaves the ASIS, PSIS and the buttock and
# abdomen outline nearly where they were. Anatomically that skin rides on the
# pelvis: up to 1 cm above the PSIS (the higher of the two landmarks) its
# lumbar weight is handed to the pelvis (root) bone, fading out over the
# PELVIS_BLEND_M above that, where the lumbar spine takes over.
PELVIS_BLEND_M = 0.06
LUMBAR_BONES = ("spine05", "spine04", "spine03")
# How far the tights proxy stands off the skin.
TIGHT_CLOTHES_OFFSET_M = 0.006
# Loose trousers: how far the legs stand off the skin, at the crotch and at
# the hem (a straight-cut leg widens towards the hem).
TROUSERS_OFFSET_M = (0.015, 0.03)
# MakeHuman's weight slider at its maximum gives a BMI of only about 23, so a
# heavier body (the spec's `bmi`) adds these local fat targets, all with the
# same amount, past the slider's end: belly, waist, buttocks, thighs, upper arms.
ADIPOSITY_TARGETS = (
    "stomach/stomach-pregnant-incr", "torso/measure-waist-circ-incr", "buttocks/buttocks-volume-incr",
    "legs/l-upperleg-fat-incr", "legs/r-upperleg-fat-incr", "legs/measure-thigh-circ-incr",
    "arms/l-upperarm-fat-incr", "arms/r-upperarm-fat-incr",
)
# Whole-body density for the mass behind a BMI: hydrodensitometry puts adults
# between about 0.98 (obese) and 1.07 g/ml (lean); the middle value, so the
# BMI a spec asks for holds to about +/- 4 %.
BODY_DENSITY_KG_M3 = 1010.0


def solve_secant(
    f: Callable[[float], float],
    target: float,
    x0: float,
    x1: float,
    tol: float = 1e-4,
    iters: int = 30,
) -> float:
    """Solve f(x) = target by the secant method (f smooth, near-monotonic)."""
    f0, f1 = f(x0) - target, f(x1) - target
    for _ in range(iters):
        if abs(f1) < tol:
            return x1
        if f1 == f0:
            break
        x0, x1, f0 = x1, x1 - f1 * (x1 - x0) / (f1 - f0), f1
        f1 = f(x1) - target
    if abs(f1) > 0.05:
        raise RuntimeError(f"pose solve did not converge: residual {f1:.3f}")
    return x1


# ---------------------------------------------------------------- the mesh


@dataclass
class BaseMesh:
    """MakeHuman's hm08 base mesh, in metres, Z up, -Y front."""

    vertices: Array
    uvs: Array
    faces: list[list[int]]
    face_uvs: list[list[int]]
    face_groups: list[str]
    # group name -> the vertices of its faces
    vertex_groups: dict[str, set[int]]
    # the body's own vertices (no helper meshes), sorted
    body_indices: Array

    def group_centres(self, vertices: Array, prefix: str) -> dict[str, Array]:
        """The centre of every vertex group whose name starts with `prefix`."""
        return {
            g: vertices[sorted(s)].mean(axis=0)
            for g, s in self.vertex_groups.items()
            if g.startswith(prefix)
        }


def to_our_frame(makehuman: Array) -> Array:
    """MakeHuman: decimetres, Y up, +Z front. Ours: metres, Z up, -Y front."""
    v = makehuman / 10.0
    return np.stack([v[:, 0], -v[:, 2], v[:, 1]], axis=1)


def load_base_mesh(data: str) -> BaseMesh:
    verts, uvs, faces, face_uvs, face_group = [], [], [], [], []
    groups: dict[str, int] = {}
    current = None
    with open(os.path.join(data, "3dobjs", "base.obj")) as fh:
        for line in fh:
            if line.startswith("v "):
                verts.append([float(x) for x in line.split()[1:4]])
            elif line.startswith("vt "):
                uvs.append([float(x) for x in line.split()[1:3]])
            elif line.startswith("g "):
                current = groups.setdefault(line.split()[1], len(groups))
            elif line.startswith("f "):
                vi, ti = [], []
                for tok in line.split()[1:]:
                    parts = tok.split("/")
                    vi.append(int(parts[0]) - 1)
                    ti.append(int(parts[1]) - 1 if len(parts) > 1 and parts[1] else -1)
                faces.append(vi)
                face_uvs.append(ti)
                face_group.append(current)
    names = {i: n for n, i in groups.items()}
    face_groups = [names[g] for g in face_group]
    vertex_groups: dict[str, set[int]] = {}
    for f, g in zip(faces, face_groups, strict=True):
        vertex_groups.setdefault(g, set()).update(f)
    return BaseMesh(
        vertices=to_our_frame(np.array(verts)),
        uvs=np.array(uvs),
        faces=faces,
        face_uvs=face_uvs,
        face_groups=face_groups,
        vertex_groups=vertex_groups,
        body_indices=np.array(sorted(vertex_groups["body"])),
    )


def load_target(path: str, n: int) -> Array:
    """A MakeHuman target: per-vertex offsets, in our frame."""
    d = np.zeros((n, 3))
    with gzip.open(path, "rt") as fh:
        for line in fh:
            s = line.split()
            if len(s) == 4 and not s[0].startswith("#"):
                d[int(s[0])] = [float(x) for x in s[1:]]
    return to_our_frame(d)


def slider_weights(x: float) -> dict[str, float]:
    """MakeHuman macro weights for a 0..1 slider with min/average/max targets."""
    if x < 0.5:
        return {"min": 1 - 2 * x, "average": 2 * x, "max": 0.0}
    return {"min": 0.0, "average": 2 - 2 * x, "max": 2 * x - 1}


def closed_volume_m3(v: Array, faces: list[list[int]]) -> float:
    """Volume enclosed by a closed mesh (the body group has no open edge)."""
    tris = np.array([(f[0], f[k], f[k + 1]) for f in faces for k in range(1, len(f) - 1)])
    a, b, c = v[tris[:, 0]], v[tris[:, 1]], v[tris[:, 2]]
    return abs(float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum()) / 6.0)


def shape_body_for_bmi(
    data: str, mesh: BaseMesh, body_spec: Mapping
) -> tuple[Array, float, float]:
    """shape_body, with the weight slider (and past its end, the adiposity
    targets) solved so that the body's mass (volume times BODY_DENSITY_KG_M3)
    over its height squared is body_spec['bmi']; without `bmi` the spec's
    weight slider as it is. Returns the vertices, the height target's weight
    and the body's BMI."""
    body_faces = [f for f, g in zip(mesh.faces, mesh.face_groups, strict=True) if g == "body"]
    height = float(body_spec.get("height_m", 1.70))

    def shaped(fatness: float) -> tuple[Array, float]:
        spec = dict(body_spec)
        spec["weight"] = min(max(fatness, 0.0), 1.0)
        spec["adiposity"] = max(fatness - 1.0, 0.0)
        return shape_body(data, mesh.vertices, spec, mesh.body_indices)

    def bmi_of(v: Array) -> float:
        return closed_volume_m3(v, body_faces) * BODY_DENSITY_KG_M3 / height**2

    if "bmi" not in body_spec:
        v, x = shape_body(data, mesh.vertices, body_spec, mesh.body_indices)
        return v, x, bmi_of(v)
    # bisection: the BMI rises with fatness; out of reach, the nearest end
    # (the truth file records the BMI the body has)
    lo, hi = 0.0, 3.0
    for _ in range(10):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if bmi_of(shaped(mid)[0]) < float(body_spec["bmi"]) else (lo, mid)
    v, x = shaped(0.5 * (lo + hi))
    return v, x, bmi_of(v)


def shape_body(data: str, base: Array, body_spec: Mapping, body_indices: Array) -> tuple[Array, float]:
    """Apply the macro targets (young adult) and solve the height target so
    that the body (head top to sole) is body_spec['height_m'] tall. Returns
    the shaped vertices and the height target's weight."""
    n = len(base)
    macros = os.path.join(data, "targets", "macrodetails")
    sex = float(body_spec.get("sex", 0.0))
    sex_weights = {"female": 1 - sex, "male": sex}
    muscle_weights = slider_weights(float(body_spec.get("muscle", 0.5)))
    weight_weights = slider_weights(float(body_spec.get("weight", 0.5)))
    races = body_spec.get("race", {"caucasian": 1 / 3, "african": 1 / 3, "asian": 1 / 3})

    def universal_blend() -> Iterable[tuple[str, str, str, float]]:
        """(sex, muscle, weight, share) of every universal target in the blend."""
        for sex_name, a in sex_weights.items():
            if a <= 0:
                continue
            for muscle, c in muscle_weights.items():
                for weight, e in weight_weights.items():
                    share = a * c * e
                    if share > 0:
                        yield sex_name, muscle, weight, share

    v = base.copy()
    for sex_name, a in sex_weights.items():
        if a <= 0:
            continue
        for race, b in races.items():
            if b > 0:
                v += a * b * load_target(os.path.join(macros, f"{race}-{sex_name}-young.target.gz"), n)
        for muscle, c in muscle_weights.items():
            for weight, e in weight_weights.items():
                share = a * c * e
                if share > 0:
                    stem = f"universal-{sex_name}-young-{muscle}muscle-{weight}weight.target.gz"
                    v += share * load_target(os.path.join(macros, stem), n)
    adiposity = float(body_spec.get("adiposity", 0.0))
    if adiposity > 0:
        for stem in ADIPOSITY_TARGETS:
            v += adiposity * load_target(os.path.join(data, "targets", stem + ".target.gz"), n)
    # height targets: one delta each way, blended like the universal ones
    taller = np.zeros_like(v)
    shorter = np.zeros_like(v)
    for sex_name, muscle, weight, share in universal_blend():
        stem = os.path.join(macros, "height", f"{sex_name}-young-{muscle}muscle-{weight}weight")
        taller += share * load_target(stem + "-maxheight.target.gz", n)
        shorter += share * load_target(stem + "-minheight.target.gz", n)

    def with_height(x: float) -> Array:
        return v + (taller * x if x >= 0 else -shorter * x)

    def height(x: float) -> float:
        z = with_height(x)[body_indices, 2]
        return z.max() - z.min()

    want = float(body_spec.get("height_m", 1.70))
    x = solve_secant(height, want, 0.0, 0.1 if want > height(0.0) else -0.1, tol=1e-5)
    x = max(-1.0, min(1.0, x))
    return with_height(x), x


# ---------------------------------------------------------------- the rig


def joint_positions(rig: Mapping, v: Array, cube_centres: Mapping[str, Array]) -> tuple[dict, dict]:
    """Every bone's head and tail on the shaped mesh, by the rig's rules."""
    heads: dict[str, Array] = {}
    tails: dict[str, Array] = {}
    for name, bone in rig.items():
        for key, out in (("head", heads), ("tail", tails)):
            s = bone[key]
            if s["strategy"] == "CUBE":
                out[name] = cube_centres[s["cube_name"]]
            elif s["strategy"] == "VERTEX":
                out[name] = v[s["vertex_index"]].copy()
            elif s["strategy"] == "MEAN":
                out[name] = v[s["vertex_indices"]].mean(axis=0)
            else:
                raise ValueError(f"unknown strategy {s['strategy']} for {name}")
    return heads, tails


def parents_first(rig: Mapping) -> list[str]:
    """The bones in an order where each parent comes before its children."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(bone: str) -> None:
        if bone in seen:
            return
        parent = rig[bone]["parent"]
        if parent:
            visit(parent)
        seen.add(bone)
        order.append(bone)

    for bone in sorted(rig):
        visit(bone)
    return order


class Skeleton:
    """Forward kinematics on the rest joints: each bone gets a world rotation
    (about its own head); a bone without one keeps its parent's."""

    def __init__(self, rig: Mapping, heads: Mapping[str, Array], weights: SkinWeights) -> None:
        self.rig = rig
        self.order = parents_first(rig)
        self.heads = heads
        self.weights = weights
        self.vertex_weights: dict[int, list[tuple[str, float]]] = {}

    def forward(
        self,
        body_rotations: Mapping[str, Array],
        body_to_world: Array | None = None,
        root_pivot: Array | None = None,
    ) -> tuple[dict[str, Array], dict[str, Array]]:
        """Each bone's world rotation and world head position. root_pivot (a
        rest point) stays fixed in the body frame while the root turns."""
        to_world = np.eye(3) if body_to_world is None else body_to_world
        rotation: dict[str, Array] = {}
        head: dict[str, Array] = {}
        for b in self.order:
            parent = self.rig[b]["parent"]
            if parent:
                rotation[b] = body_rotations.get(b, rotation[parent])
                head[b] = rotation[parent] @ (self.heads[b] - self.heads[parent]) + head[parent]
            else:
                rotation[b] = body_rotations.get(b, np.eye(3))
                pivot = self.heads[b] if root_pivot is None else root_pivot
                head[b] = pivot + rotation[b] @ (self.heads[b] - pivot)
        world_rotations = {b: to_world @ rotation[b] for b in self.order}
        world_heads = {b: to_world @ head[b] for b in self.order}
        return world_rotations, world_heads

    def index_vertex_weights(self, wanted: Iterable[int]) -> None:
        """Gather the weights of the vertices skin_points will be asked for."""
        new: dict[int, list[tuple[str, float]]] = {i: [] for i in wanted if i not in self.vertex_weights}
        for b, (idx, w) in self.weights.items():
            for i, x in zip(idx, w, strict=True):
                if i in new:
                    new[i].append((b, x))
        self.vertex_weights.update(new)

    def skin_points(
        self,
        indices: Iterable[int],
        rest_vertices: Array,
        world_rotations: Mapping[str, Array],
        world_heads: Mapping[str, Array],
    ) -> Array:
        """Linear-blend skinning of a few rest vertices (as Blender does:
        weights normalised by their sum)."""
        out = []
        for i in indices:
            acc = np.zeros(3)
            total = 0.0
            for b, w in self.vertex_weights[i]:
                acc += w * (world_rotations[b] @ (rest_vertices[i] - self.heads[b]) + world_heads[b])
                total += w
            out.append(acc / total)
        return np.array(out)


def pelvis_reweight(weights: SkinWeights, v: Array, z_lo: float, z_hi: float) -> SkinWeights:
    """Hand the lumbar bones' weight below z_lo to the pelvis (root) bone,
    fading back to the lumbar bones up to z_hi (see PELVIS_BLEND_M)."""
    n = len(v)
    dense = {b: np.zeros(n) for b in weights}
    for b, (idx, w) in weights.items():
        dense[b][idx] = w
    share = np.clip((z_hi - v[:, 2]) / (z_hi - z_lo), 0.0, 1.0)
    moved = np.zeros(n)
    for b in LUMBAR_BONES:
        take = dense[b] * share
        dense[b] -= take
        moved += take
    dense["root"] = dense.get("root", np.zeros(n)) + moved
    out = {}
    for b, d in dense.items():
        idx = np.nonzero(d > 1e-6)[0]
        out[b] = (idx, d[idx])
    return out


# ------------------------------------------------------- landmark selection

SIDES = (("left", "l", 1), ("right", "r", -1))  # name, MakeHuman letter, sign of x


def select_landmarks(data: str, base: Array, body_indices: Array) -> tuple[dict, dict]:
    """Vertex indices on the (unshaped) base mesh of the ears, nose, heels
    and toes, and how each was chosen. Rules, not hand picks, so that the
    definition can be stated; the indices are written to the truth."""
    n = len(base)
    out: dict[str, list[int]] = {}
    why: dict[str, str] = {}
    body = np.zeros(n, bool)
    body[body_indices] = True
    # ears: the pinna = vertices that the ear-translation target moves by
    # (nearly) its full amount
    for side, letter, _ in SIDES:
        target = f"ears/{letter}-ear-trans-backward"
        shift = np.linalg.norm(load_target(os.path.join(data, "targets", f"{target}.target.gz"), n), axis=1)
        idx = np.where(body & (shift >= 0.99 * shift.max()))[0]
        out[f"{side}_ear"] = idx.tolist()
        why[f"{side}_ear"] = (
            f"centroid of the {len(idx)} pinna vertices (those the MakeHuman target "
            f"{target} moves by >= 99% of its largest shift)"
        )
    # nose: most anterior midline vertex of the head
    head = body & (base[:, 2] > 0.6) & (np.abs(base[:, 0]) < 0.005)
    i = int(np.where(head)[0][np.argmin(base[head, 1])])
    out["nose"] = [i]
    why["nose"] = f"base-mesh vertex {i}: the most anterior midline vertex of the head (nose tip)"
    for side, _, x_sign in SIDES:
        foot = body & (base[:, 0] * x_sign > 0.05) & (base[:, 2] < -0.76)
        fi = np.where(foot)[0]
        i_heel = int(fi[np.argmax(base[fi, 1] - 0.5 * (base[fi, 2] - base[fi, 2].min()))])
        out[f"{side}_heel"] = [i_heel]
        why[f"{side}_heel"] = f"base-mesh vertex {i_heel}: the most posterior point of the heel near the sole"
        i_toe = int(fi[np.argmin(base[fi, 1])])
        out[f"{side}_foot_index"] = [i_toe]
        why[f"{side}_foot_index"] = f"base-mesh vertex {i_toe}: the most anterior point of the toes"
    return out, why


def select_pelvis(base: Array, cube: Mapping[str, Array], body_indices: Array) -> tuple[dict, dict]:
    """ASIS and PSIS skin points, chosen on the rest base mesh.

    ASIS: Bell et al.'s regression puts the hip joint centre 30% of the
    inter-ASIS width W below, 14% W medial and 22% W posterior of the ASIS.
    Inverting it from the joint-cube hip centres (W = 2*(|x_hip| + 0.14 W))
    gives a point just under the skin; the ASIS is the mean of the 3 front
    skin vertices nearest to it.
    PSIS: the sacral dimples, 4.5 cm either side of the midline; their height
    is set 3.5 cm above the ASIS (a neutral standing pelvis tilts the
    ASIS-PSIS line about 10-13 degrees anterior), and the PSIS is the mean of
    the 3 most posterior skin vertices within 1.5 cm of that line."""
    out: dict[str, list[int]] = {}
    why: dict[str, str] = {}
    body = np.zeros(len(base), bool)
    body[body_indices] = True
    bi = np.where(body)[0]
    for side, letter, x_sign in SIDES:
        hip_centre = cube[f"joint-{letter}-upper-leg"]
        width = 2 * abs(hip_centre[0]) / (1 - 0.28)
        target = hip_centre + np.array([x_sign * 0.14 * width, -0.22 * width, 0.30 * width])
        front = bi[(base[bi, 1] < hip_centre[1]) & (np.abs(base[bi, 2] - target[2]) < 0.06)]
        dist = np.linalg.norm(base[front] - target, axis=1)
        asis = front[np.argsort(dist)[:3]]
        out[f"{side}_asis"] = sorted(int(i) for i in asis)
        why[f"{side}_asis"] = (
            f"mean of base-mesh vertices {out[side + '_asis']}: the 3 front skin vertices "
            f"nearest to the ASIS that Bell's hip-joint regression implies from the "
            f"joint-{letter}-upper-leg cube (inter-ASIS width {width:.3f} m)"
        )
        z_psis = base[asis, 2].mean() + 0.035
        band = bi[
            (np.abs(base[bi, 0] - x_sign * 0.045) < 0.015)
            & (np.abs(base[bi, 2] - z_psis) < 0.015)
            & (base[bi, 1] > hip_centre[1])
        ]
        psis = band[np.argsort(-base[band, 1])[:3]]
        out[f"{side}_psis"] = sorted(int(i) for i in psis)
        why[f"{side}_psis"] = (
            f"mean of base-mesh vertices {out[side + '_psis']}: the 3 most posterior skin "
            f"vertices 4.5 cm {side} of the midline, 3.5 cm above the ASIS (sacral dimple)"
        )
    return out, why


# ------------------------------------------------------------- the clothes


def vertex_normals(v: Array, faces: list[list[int]], face_indices: Iterable[int]) -> Array:
    """Area-weighted vertex normals of the given faces (zero elsewhere)."""
    n = np.zeros_like(v)
    for i in face_indices:
        f = faces[i]
        p = v[f]
        fn = np.cross(p[1] - p[0], p[2] - p[0])
        if len(f) == 4:
            fn = fn + np.cross(p[2] - p[0], p[3] - p[0])
        n[f] += fn
    length = np.linalg.norm(n, axis=1)
    ok = length > 0
    n[ok] /= length[ok][:, None]
    return n


def dress(mesh: BaseMesh, v: Array, heads: Mapping[str, Array], style: str, legs: str) -> Array:
    """The vertices with the tights proxy pushed off the skin: 6 mm for
    `tight`; for `loose` the top stands 2-3 cm off (more towards the hem)
    and the legs 1 cm; `trousers` legs stand TROUSERS_OFFSET_M off, widening
    from the crotch to the hem."""
    tights_faces = [i for i, g in enumerate(mesh.face_groups) if g == "helper-tights"]
    tv = sorted(mesh.vertex_groups["helper-tights"])
    normals = vertex_normals(v, mesh.faces, tights_faces)
    # make the normals point outwards, away from the vertical axis through
    # the tights' centre
    axis = np.array([v[tv][:, 0].mean(), v[tv][:, 1].mean(), 0])
    out_sign = np.sign(np.mean(np.sum(normals[tv] * (v[tv] - np.array([0, 0, 1]) * v[tv][:, 2:3] - axis), axis=1)))
    normals *= out_sign if out_sign != 0 else 1
    v = v.copy()
    push = np.full(len(v), TIGHT_CLOTHES_OFFSET_M)
    if style == "loose":
        z_waist = heads["spine04"][2]
        z = v[:, 2]
        hem_ward = np.clip((heads["spine02"][2] - z) / 0.3, 0, 1)
        push = np.where(z > z_waist - 0.12, 0.018 + 0.012 * hem_ward, 0.010)
    if legs == "trousers":
        z_crotch = heads["upperleg01.L"][2] - 0.05
        z_hem = heads["foot.L"][2]
        down = np.clip((z_crotch - v[:, 2]) / (z_crotch - z_hem), 0, 1)
        near, far = TROUSERS_OFFSET_M
        push = np.where(v[:, 2] < z_crotch, near + (far - near) * down, push)
    v[tv] += normals[tv] * push[tv][:, None]
    return v


# ------------------------------------------------------------- the figure


@dataclass
class Figure:
    """A shaped, rigged and dressed figure in its rest pose."""

    mesh: BaseMesh
    # shaped and dressed (the tights pushed off the skin)
    vertices: Array
    height_target_weight: float
    # mass (volume x BODY_DENSITY_KG_M3) over height squared, kg/m^2
    bmi: float
    rig: dict
    heads: dict[str, Array]
    tails: dict[str, Array]
    weights: SkinWeights
    skeleton: Skeleton
    # landmark name -> base-mesh vertex indices (their centroid is the point)
    landmarks: dict[str, list[int]]
    landmark_definitions: dict[str, str]


def build_figure(data: str, body_spec: Mapping, clothing: Mapping, rig_weights: bool) -> Figure:
    """Shape the base mesh, rig it, choose the landmarks and dress it.
    rig_weights keeps the rig's own pelvis weights (for the deformation check)."""
    mesh = load_base_mesh(data)
    base = mesh.vertices
    landmarks, why = select_landmarks(data, base, mesh.body_indices)
    pelvis, pelvis_why = select_pelvis(base, mesh.group_centres(base, "joint-"), mesh.body_indices)
    landmarks.update(pelvis)
    why.update(pelvis_why)

    v, height_weight, bmi = shape_body_for_bmi(data, mesh, body_spec)
    rig_dir = os.path.join(data, "rigs", "standard")
    with open(os.path.join(rig_dir, "rig.default.json")) as fh:
        rig = json.load(fh)
    heads, tails = joint_positions(rig, v, mesh.group_centres(v, "joint-"))
    with open(os.path.join(rig_dir, "weights.default.json")) as fh:
        rig_weight_lists = json.load(fh)["weights"]
    weights = {
        b: (np.array([i for i, _ in pairs], int), np.array([w for _, w in pairs]))
        for b, pairs in rig_weight_lists.items()
        if b in rig
    }
    if not rig_weights:
        z_of = lambda name: v[landmarks[name], 2].mean()  # noqa: E731
        z_pelvis = float(np.mean([z_of(k) for k in ("left_psis", "right_psis", "left_asis", "right_asis")]))
        z_from = max(z_pelvis, float(np.mean([z_of(k) for k in ("left_psis", "right_psis")]))) + 0.01
        weights = pelvis_reweight(weights, v, z_from, z_from + PELVIS_BLEND_M)
    skeleton = Skeleton(rig, heads, weights)
    skeleton.index_vertex_weights({i for idx in landmarks.values() for i in idx})
    return Figure(
        mesh=mesh,
        vertices=dress(mesh, v, heads, clothing.get("style", "tight"), clothing.get("legs", "leggings")),
        height_target_weight=height_weight,
        bmi=bmi,
        rig=rig,
        heads=heads,
        tails=tails,
        weights=weights,
        skeleton=skeleton,
        landmarks=landmarks,
        landmark_definitions=why,
    )
