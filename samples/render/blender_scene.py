"""The Blender side of the build and render steps: the figure's mesh,
materials and armature, the posed armature read back, the room, the camera
and Cycles' settings. Needs Blender's Python (bpy)."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence

import bpy
import numpy as np
from bpy_extras.object_utils import world_to_camera_view
from mathutils import Matrix, Vector

from figure import TIGHT_CLOTHES_OFFSET_M, Array, Figure, SkinWeights
from posing import Plinth, PosedFigure, Poser

Colour = tuple[float, ...]

# material slots of the figure's mesh
SKIN, TOP, BOTTOM, HAIR, EYE = range(5)
# the skin's `brow` attribute: 1 paints an eyebrow, 2 the scalp under the hair
BROW, SCALP = 1.0, 2.0


def colour_or(colour: Sequence[float] | None, default: Colour) -> Colour:
    """A spec's colour, or the default where it gives none."""
    return tuple(colour) if colour else default


def clear_scene() -> None:
    bpy.ops.wm.read_factory_settings(use_empty=True)


# ---------------------------------------------------------------- materials


def new_material(name: str, colour: Colour, rough: float = 0.5, sheen: float = 0.0) -> bpy.types.Material:
    m = bpy.data.materials.new(name)
    m.use_nodes = True
    bsdf = m.node_tree.nodes["Principled BSDF"]
    bsdf.inputs["Base Color"].default_value = (*colour, 1.0)
    bsdf.inputs["Roughness"].default_value = rough
    bsdf.inputs["Specular"].default_value = 0.3
    if sheen > 0:
        bsdf.inputs["Sheen"].default_value = sheen
    return m


def add_noise_bump(material: bpy.types.Material, scale: float, strength: float) -> None:
    nt = material.node_tree
    noise = nt.nodes.new("ShaderNodeTexNoise")
    noise.inputs["Scale"].default_value = scale
    noise.inputs["Detail"].default_value = 6
    bump = nt.nodes.new("ShaderNodeBump")
    bump.inputs["Strength"].default_value = strength
    bump.inputs["Distance"].default_value = 0.002
    nt.links.new(noise.outputs["Fac"], bump.inputs["Height"])
    nt.links.new(bump.outputs["Normal"], nt.nodes["Principled BSDF"].inputs["Normal"])


def skin_material(data: str, tone: Colour, lip_colour: Colour, hair_rgb: Colour) -> bpy.types.Material:
    """Skin with the lips tinted through MPFB's lips mask (greyscale, body UV
    layout) and the hair's colour where the `brow` attribute marks the scalp.

    The eyebrows (`brow` = BROW) are not drawn: the node that painted them
    had its output link replaced by the lips' before this module was split
    out of scene.py, so no render so far shows them. Their value still moves
    the scalp mask's edge where the two meet (the attribute is interpolated
    across faces), so it is kept until the renders are remade."""
    m = new_material("skin", tone, rough=0.45)
    nt = m.node_tree
    bsdf = nt.nodes["Principled BSDF"]
    lips_mask = nt.nodes.new("ShaderNodeTexImage")
    lips_mask.image = bpy.data.images.load(os.path.join(data, "textures", "mpfb_lips.jpg"))
    lips_mask.image.colorspace_settings.name = "Non-Color"
    with_lips = nt.nodes.new("ShaderNodeMixRGB")
    with_lips.inputs["Color1"].default_value = (*tone, 1)
    with_lips.inputs["Color2"].default_value = (*lip_colour, 1)
    nt.links.new(lips_mask.outputs["Color"], with_lips.inputs["Fac"])
    brow = nt.nodes.new("ShaderNodeAttribute")
    brow.attribute_name = "brow"
    is_scalp = nt.nodes.new("ShaderNodeMath")
    is_scalp.operation = "GREATER_THAN"
    is_scalp.inputs[1].default_value = (BROW + SCALP) / 2
    nt.links.new(brow.outputs["Fac"], is_scalp.inputs[0])
    with_scalp = nt.nodes.new("ShaderNodeMixRGB")
    with_scalp.inputs["Color2"].default_value = (*hair_rgb, 1)
    nt.links.new(is_scalp.outputs[0], with_scalp.inputs["Fac"])
    nt.links.new(with_lips.outputs["Color"], with_scalp.inputs["Color1"])
    nt.links.new(with_scalp.outputs["Color"], bsdf.inputs["Base Color"])
    add_noise_bump(m, 400.0, 0.08)
    return m


def eye_material() -> bpy.types.Material:
    """The eyes' colour comes from the `eyecol` attribute (see build_figure_object)."""
    m = bpy.data.materials.new("eye")
    m.use_nodes = True
    nt = m.node_tree
    bsdf = nt.nodes["Principled BSDF"]
    bsdf.inputs["Roughness"].default_value = 0.1
    attr = nt.nodes.new("ShaderNodeAttribute")
    attr.attribute_name = "eyecol"
    nt.links.new(attr.outputs["Color"], bsdf.inputs["Base Color"])
    return m


def figure_materials(data: str, body_spec: Mapping, clothing: Mapping) -> list[bpy.types.Material]:
    """The materials of the slots SKIN, TOP, BOTTOM, HAIR and EYE."""
    tone = colour_or(body_spec.get("skin_rgb"), (0.5, 0.3, 0.21))
    lip = tuple(np.array(tone) * np.array([0.85, 0.55, 0.55]))
    hair_rgb = colour_or(body_spec.get("hair_rgb"), (0.02, 0.012, 0.008))
    skin = skin_material(data, tone, lip, hair_rgb)
    eye = eye_material()
    hair = new_material("hair", hair_rgb, rough=0.65)
    hair.node_tree.nodes["Principled BSDF"].inputs["Specular"].default_value = 0.15
    add_noise_bump(hair, 150.0, 0.4)
    top = new_material("top", colour_or(clothing.get("top_rgb"), (0.1, 0.25, 0.5)), rough=0.8, sheen=0.3)
    add_noise_bump(top, 600.0, 0.15)
    bottom = new_material("bottom", colour_or(clothing.get("bottom_rgb"), (0.05, 0.05, 0.06)), rough=0.7, sheen=0.3)
    add_noise_bump(bottom, 600.0, 0.15)
    return [skin, top, bottom, hair, eye]


# ------------------------------------------------------------ the figure


def body_region(bone: str | None) -> str:
    """The part of the body a bone moves, for cutting the clothes."""
    if bone is None:
        return "?"
    if bone.startswith(("foot", "toe")):
        return "foot"
    if bone.startswith(("wrist", "finger", "metacarpal")):
        return "hand"
    if bone.startswith("lowerarm"):
        return "forearm"
    if bone.startswith("upperarm02"):
        return "upperarm"
    if bone.startswith(("upperleg", "lowerleg", "pelvis", "root")):
        return "leg"
    if bone.startswith(("neck", "head")):
        return "neck"
    return "trunk"


def dominant_bones(weights: SkinWeights) -> dict[int, str]:
    """Each skinned vertex's bone of the largest weight."""
    best: dict[int, tuple[str, float]] = {}
    for b, (idx, w) in weights.items():
        for i, x in zip(idx, w, strict=True):
            if x > best.get(i, (None, 0))[1]:
                best[i] = (b, x)
    return {i: b for i, (b, _) in best.items()}


# How far above the higher of the ASIS and PSIS a crop top's hem is.
CROP_TOP_ABOVE_PELVIS_M = 0.06


def face_materials(figure: Figure, body_spec: Mapping, clothing: Mapping) -> dict[int, int]:
    """The faces the figure's mesh keeps, each with its material slot: the
    body; the tights cut into a top and leggings, shorts or trousers (the
    spec's `legs`; no feet, hands or neck, sleeves as the spec says); the hair (never over the face;
    `short` cut at ear level); the eyes."""
    mesh, v, heads = figure.mesh, figure.vertices, figure.heads
    faces = mesh.faces
    bone_of = dominant_bones(figure.weights)
    sleeves = clothing.get("sleeves", "short")
    legs = clothing.get("legs", "leggings")
    shorts_hem_z = 0.5 * (heads["upperleg01.L"][2] + heads["lowerleg01.L"][2])
    neck_cut_z = heads["neck01"][2] - 0.03
    waist_z = heads["spine04"][2] - 0.03
    # a crop top (`top` "crop") ends this far above the pelvis's landmarks,
    # baring the skin over the ASIS and PSIS between it and the waistband
    pelvis_z = max(v[figure.landmarks[k], 2].mean() for k in ("left_asis", "right_asis", "left_psis", "right_psis"))
    top_hem_z = pelvis_z + CROP_TOP_ABOVE_PELVIS_M if clothing.get("top") == "crop" else -np.inf
    hair_style = body_spec.get("hair", "short")
    eye_z = v[sorted(mesh.vertex_groups["helper-l-eye"]), 2].mean()
    ear_y = v[figure.landmarks["left_ear"], 1].mean()
    ear_z = v[figure.landmarks["left_ear"], 2].mean()

    def tights_part(f: list[int]) -> int | None:
        regions = [body_region(bone_of.get(x)) for x in f]
        z_centre = np.mean(v[f, 2])
        if "foot" in regions or "hand" in regions:
            return None
        if "forearm" in regions and sleeves != "long":
            return None
        if "neck" in regions or z_centre > neck_cut_z:
            return None
        if "upperarm" in regions and sleeves == "short":
            return None
        if z_centre < waist_z:
            # below the waist: leggings and loose trousers to above the ankle
            # bone (trousers to the ankle bone), shorts to mid-thigh
            lowest = min(v[x, 2] for x in f)
            if lowest < heads["foot.L"][2] + (0.0 if legs == "trousers" else 0.06):
                return None
            if legs == "shorts" and lowest < shorts_hem_z:
                return None
            return BOTTOM
        return TOP if z_centre > top_hem_z else None

    def hair_kept(f: list[int]) -> bool:
        centre = v[f].mean(axis=0)
        # no fringe over the face: in front of the ears only above the brows
        if centre[1] < ear_y + 0.01 and centre[2] < eye_z + 0.045:
            return False
        return not (hair_style == "short" and centre[2] < ear_z - 0.02)

    slots: dict[int, int] = {}
    for i, group in enumerate(mesh.face_groups):
        if group == "body":
            slots[i] = SKIN
        elif group == "helper-tights":
            part = tights_part(faces[i])
            if part is not None:
                slots[i] = part
        elif group == "helper-hair":
            if hair_kept(faces[i]):
                slots[i] = HAIR
        elif group in ("helper-l-eye", "helper-r-eye"):
            slots[i] = EYE
    return slots


def build_mesh(
    name: str, figure: Figure, slots: Mapping[int, int], materials: Sequence[bpy.types.Material]
) -> bpy.types.Object:
    """A mesh object of the figure's rest vertices and the faces in `slots`."""
    mesh = figure.mesh
    kept = list(slots)
    me = bpy.data.meshes.new(name)
    me.from_pydata([tuple(v) for v in figure.vertices], [], [mesh.faces[i] for i in kept])
    uv_layer = me.uv_layers.new(name="UVMap")
    k = 0
    for i in kept:
        for t in mesh.face_uvs[i]:
            uv_layer.data[k].uv = mesh.uvs[t] if t >= 0 else (0.0, 0.0)
            k += 1
    for m in materials:
        me.materials.append(m)
    me.polygons.foreach_set("material_index", [slots[i] for i in kept])
    me.polygons.foreach_set("use_smooth", [True] * len(kept))
    me.update()
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    return ob


def brows_and_scalp(figure: Figure, slots: Mapping[int, int]) -> Array:
    """Per-vertex values of the skin's `brow` attribute: BROW on the skin
    above each eye, from its inner corner to past its outer one; SCALP on
    the head under the hair strips (so no skin shows through their gaps)."""
    mesh, v = figure.mesh, figure.vertices
    n = len(v)
    values = np.zeros(n)
    on_body = np.zeros(n, bool)
    on_body[mesh.body_indices] = True
    for group, x_sign in (("helper-l-eye", 1), ("helper-r-eye", -1)):
        idx = sorted(mesh.vertex_groups[group])
        centre = v[idx].mean(axis=0)
        radius = np.ptp(v[idx][:, 0]) / 2
        xs = v[:, 0] * x_sign
        across = (xs > centre[0] * x_sign - 1.2 * radius) & (xs < centre[0] * x_sign + 1.6 * radius)
        arch = 0.25 * radius * (1 - ((xs - centre[0] * x_sign) / (1.5 * radius)) ** 2)
        dz = v[:, 2] - (centre[2] + 1.55 * radius + arch)
        brow = across & (np.abs(dz) < 0.32 * radius) & (v[:, 1] < centre[1] + 0.3 * radius)
        values[brow & on_body] = BROW
    hair_faces = [i for i in slots if slots[i] == HAIR]
    hair_vertices = np.array(sorted({x for i in hair_faces for x in mesh.faces[i]}))
    if len(hair_vertices):
        ear_y = v[figure.landmarks["left_ear"], 1].mean()
        ear_z = v[figure.landmarks["left_ear"], 2].mean()
        eye_z = v[sorted(mesh.vertex_groups["helper-l-eye"]), 2].mean()
        head = mesh.body_indices[v[mesh.body_indices, 2] > ear_z - 0.03]
        nearest = np.full(len(head), 9.0)
        for k in range(0, len(hair_vertices), 200):
            chunk = v[hair_vertices[k : k + 200]]
            nearest = np.minimum(nearest, np.linalg.norm(v[head][:, None, :] - chunk[None, :, :], axis=2).min(axis=1))
        face = (v[head, 1] < ear_y + 0.01) & (v[head, 2] < eye_z + 0.05)
        values[head[(nearest < 0.02) & ~face]] = SCALP
    return values


def build_figure_object(figure: Figure, data: str, body_spec: Mapping, clothing: Mapping) -> bpy.types.Object:
    """The figure's mesh with its materials and colour attributes."""
    materials = figure_materials(data, body_spec, clothing)
    slots = face_materials(figure, body_spec, clothing)
    ob = build_mesh("human", figure, slots, materials)
    me = ob.data
    # The eyes keep the attribute's default white. scene.py used to compute
    # sclera, iris and pupil colours (from the spec's iris_rgb) but wrote them
    # through a reference that creating the next attribute had made stale, so
    # no render has them; applying them would change every render.
    me.color_attributes.new("eyecol", "FLOAT_COLOR", "POINT")
    brow = me.attributes.new("brow", "FLOAT", "POINT")
    brow.data.foreach_set("value", brows_and_scalp(figure, slots))
    return ob


def build_armature(figure: Figure, human: bpy.types.Object) -> bpy.types.Object:
    """The rig as a Blender armature, skinning the human with the figure's
    weights through an Armature modifier."""
    rig, order = figure.rig, figure.skeleton.order
    arm = bpy.data.armatures.new("rig")
    ob = bpy.data.objects.new("rig", arm)
    bpy.context.scene.collection.objects.link(ob)
    bpy.context.view_layer.objects.active = ob
    bpy.ops.object.mode_set(mode="EDIT")
    for b in order:
        eb = arm.edit_bones.new(b)
        eb.head = Vector(figure.heads[b])
        eb.tail = Vector(figure.tails[b])
        if (eb.tail - eb.head).length < 1e-5:
            eb.tail = eb.head + Vector((0, 0, 0.01))
        eb.roll = rig[b]["roll"]
        eb.use_connect = False
        eb.use_inherit_rotation = True
        eb.use_local_location = True
    for b in order:
        parent = rig[b]["parent"]
        if parent:
            arm.edit_bones[b].parent = arm.edit_bones[parent]
    bpy.ops.object.mode_set(mode="OBJECT")
    for b, (idx, w) in figure.weights.items():
        group = human.vertex_groups.new(name=b)
        for i, x in zip(idx.tolist(), w.tolist(), strict=True):
            group.add([i], x, "REPLACE")
    modifier = human.modifiers.new("armature", "ARMATURE")
    modifier.object = ob
    human.parent = ob
    return ob


def set_pose(armature: bpy.types.Object, figure: Figure, posed: PosedFigure) -> None:
    """Set every pose bone's matrix_basis from its world rotation and head
    position (the armature object at the identity)."""
    rest = {b: np.array(armature.data.bones[b].matrix_local) for b in figure.skeleton.order}
    pose: dict[str, Array] = {}
    for b in figure.skeleton.order:
        m = np.eye(4)
        m[:3, :3] = posed.world_rotations[b] @ rest[b][:3, :3]
        m[:3, 3] = posed.world_heads[b]
        pose[b] = m
        parent = figure.rig[b]["parent"]
        if parent:
            basis = np.linalg.inv(rest[b]) @ rest[parent] @ np.linalg.inv(pose[parent]) @ m
        else:
            basis = np.linalg.inv(rest[b]) @ m
        armature.pose.bones[b].matrix_basis = Matrix(basis.tolist())
    bpy.context.view_layer.update()


# How far a bone head Blender evaluates may be from the solve.
MAX_JOINT_READ_BACK_M = 1e-4
# How far a landmark of Blender's evaluated mesh may be from our skinning
# before a warning.
MAX_LANDMARK_SKINNING_M = 5e-4


def read_back(
    armature: bpy.types.Object, human: bpy.types.Object, figure: Figure, posed: PosedFigure
) -> tuple[dict[str, Array], Array, float, dict[str, float]]:
    """What Blender evaluates: the joints (bone heads), the mesh landmarks
    and the posed body vertices; with the joints' largest distance from the
    solve and each landmark's distance from our skinning where it exceeds
    MAX_LANDMARK_SKINNING_M (metres)."""
    depsgraph = bpy.context.evaluated_depsgraph_get()
    solved = Poser.joints(posed.world_heads)
    points: dict[str, Array] = {}
    for side, s in (("left", "L"), ("right", "R")):
        for joint, bone in (("shoulder", "upperarm01"), ("hip", "upperleg01"), ("knee", "lowerleg01"),
                            ("ankle", "foot"), ("elbow", "lowerarm01"), ("wrist", "wrist")):
            points[f"{side}_{joint}"] = np.array(armature.matrix_world @ armature.pose.bones[f"{bone}.{s}"].head)
    joint_error = max(np.linalg.norm(points[k] - solved[k]) for k in points)
    evaluated = human.evaluated_get(depsgraph)
    em = evaluated.to_mesh()
    co = np.zeros(len(em.vertices) * 3)
    em.vertices.foreach_get("co", co)
    co = co.reshape(-1, 3)
    if human.matrix_world != Matrix.Identity(4):
        co = np.array([list(human.matrix_world @ Vector(c)) for c in co])
    evaluated.to_mesh_clear()
    mismatches = {}
    for k, idx in figure.landmarks.items():
        points[k] = co[idx].mean(axis=0)
        ours = figure.skeleton.skin_points(idx, figure.vertices, posed.world_rotations, posed.world_heads).mean(axis=0)
        if np.linalg.norm(ours - points[k]) > MAX_LANDMARK_SKINNING_M:
            mismatches[k] = float(np.linalg.norm(ours - points[k]))
    return points, co[figure.mesh.body_indices], joint_error, mismatches


# ------------------------------------------------------------ the room


def box(name: str, lo: Sequence[float], hi: Sequence[float], material: bpy.types.Material) -> bpy.types.Object:
    lo, hi = np.array(lo), np.array(hi)
    vs = [(x, y, z) for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])]
    fs = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    me = bpy.data.meshes.new(name)
    me.from_pydata(vs, [], fs)
    me.materials.append(material)
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    bevel = ob.modifiers.new("bevel", "BEVEL")
    bevel.width = min(0.015, 0.3 * float(np.min(hi - lo)))
    bevel.segments = 3
    return ob


def build_room(scn: Mapping, plinth: Plinth | None, bb_min: Array, bb_max: Array) -> None:
    """Floor, wall with skirting board, the plinth if any, and the lights: a
    large soft key from the camera side, a dimmer fill and the room's ambient."""
    floor_m = new_material("floor", colour_or(scn.get("floor_rgb"), (0.35, 0.3, 0.25)), rough=0.6)
    add_noise_bump(floor_m, 30.0, 0.05)
    wall_m = new_material("wall", colour_or(scn.get("wall_rgb"), (0.75, 0.74, 0.7)), rough=0.9)
    add_noise_bump(wall_m, 80.0, 0.03)
    wall_x = -float(scn.get("wall_distance_m", 1.2))
    box("floor", (-8, -8, -0.05), (8, 8, 0.0), floor_m)
    box("wall", (wall_x - 0.1, -8, 0.0), (wall_x, 8, 4.0), wall_m)
    if scn.get("skirting", True):
        skirting_m = new_material("skirting", (0.85, 0.85, 0.82), rough=0.5)
        box("skirting", (wall_x, -8, 0.0), (wall_x + 0.015, 8, 0.09), skirting_m)
    if plinth is not None:
        top_m = new_material("plinth", colour_or(scn.get("table_rgb"), (0.12, 0.2, 0.3)), rough=0.55)
        leg_m = new_material("plinth_frame", (0.6, 0.6, 0.62), rough=0.35)
        half_width, top = plinth.width / 2, plinth.top_z
        y0 = plinth.end_y
        y1 = y0 + plinth.direction * plinth.length
        ylo, yhi = min(y0, y1), max(y0, y1)
        box("plinth_top", (-half_width, ylo, top - 0.1), (half_width, yhi, top), top_m)
        for xs in (-1, 1):
            x = xs * half_width - xs * 0.1
            for ys in (ylo + 0.08, yhi - 0.08):
                box("plinth_leg", (x - 0.025, ys - 0.025, 0), (x + 0.025, ys + 0.025, top - 0.1), leg_m)
    azimuth = math.radians(float(scn.get("key_azimuth_deg", 30)))
    elevation = math.radians(float(scn.get("key_elevation_deg", 35)))
    centre = (bb_min + bb_max) / 2
    key_position = centre + 3.5 * np.array(
        [math.cos(elevation) * math.cos(azimuth), math.cos(elevation) * math.sin(azimuth), math.sin(elevation)]
    )
    key = bpy.data.lights.new("key", "AREA")
    key.energy = float(scn.get("key_watts", 450))
    key.size = float(scn.get("key_size_m", 1.5))
    key.color = colour_or(scn.get("key_rgb"), (1.0, 0.96, 0.9))
    add_light(key, key_position, centre)
    fill = bpy.data.lights.new("fill", "AREA")
    fill.energy = float(scn.get("fill_watts", 120))
    fill.size = 2.0
    add_light(fill, centre + 3.0 * np.array([0.8, -math.copysign(0.6, math.sin(azimuth) or 1), 0.3]), centre)
    world = bpy.data.worlds.new("world")
    world.use_nodes = True
    background = world.node_tree.nodes["Background"]
    background.inputs["Color"].default_value = (*colour_or(scn.get("ambient_rgb"), (0.55, 0.55, 0.6)), 1)
    background.inputs["Strength"].default_value = float(scn.get("ambient", 0.25))
    bpy.context.scene.world = world


def add_light(light: bpy.types.Light, position: Array, aim: Array) -> None:
    ob = bpy.data.objects.new(light.name, light)
    ob.location = Vector(position)
    ob.rotation_euler = (Vector(aim) - Vector(position)).to_track_quat("-Z", "Y").to_euler()
    bpy.context.scene.collection.objects.link(ob)


# ------------------------------------------------------------ markers

# Points on a marker ball whose view from the camera is checked, for the
# share of it that is hidden.
MARKER_SAMPLES = 400


def landmark_normal(human: bpy.types.Object, figure: Figure, name: str, centre_of_pelvis: Array) -> Array:
    """The outward surface normal at a mesh landmark of the posed body: the
    mean of its vertices' normals, turned away from the pelvis's centre."""
    depsgraph = bpy.context.evaluated_depsgraph_get()
    evaluated = human.evaluated_get(depsgraph)
    em = evaluated.to_mesh()
    normal = np.zeros(3)
    point = np.zeros(3)
    for i in figure.landmarks[name]:
        normal += np.array(human.matrix_world.to_3x3() @ em.vertices[i].normal)
        point += np.array(human.matrix_world @ em.vertices[i].co)
    evaluated.to_mesh_clear()
    normal /= np.linalg.norm(normal)
    point /= len(figure.landmarks[name])
    return normal if np.dot(normal, point - centre_of_pelvis) >= 0 else -normal


def add_markers(
    markers: Mapping, human: bpy.types.Object, figure: Figure, points: Mapping[str, Array], near: str, clothed: bool
) -> dict[str, dict]:
    """Raised marker balls on the near side's landmarks (`markers.landmarks`,
    default ASIS and PSIS): each sits on the surface, its centre pushed out
    along the surface normal by its radius (and by the tights' offset where
    the clothing covers the point). Returns each ball's object and centre."""
    radius = float(markers.get("diameter_m", 0.015)) / 2
    material = new_material("marker", colour_or(markers.get("rgb"), (0.72, 0.012, 0.012)), rough=0.3)
    material.node_tree.nodes["Principled BSDF"].inputs["Specular"].default_value = 0.5
    pelvis_centre = np.mean([points[f"{s}_{k}"] for s in ("left", "right") for k in ("asis", "psis")], axis=0)
    placed = {}
    for landmark in markers.get("landmarks", ["asis", "psis"]):
        name = f"{near}_{landmark}"
        normal = landmark_normal(human, figure, name, pelvis_centre)
        lift = radius + (TIGHT_CLOTHES_OFFSET_M if clothed else 0.0)
        centre = points[name] + lift * normal
        bpy.ops.mesh.primitive_uv_sphere_add(segments=32, ring_count=16, radius=radius, location=tuple(centre))
        ball = bpy.context.active_object
        ball.name = f"marker_{landmark}"
        bpy.ops.object.shade_smooth()
        ball.data.materials.append(material)
        placed[landmark] = {"object": ball, "centre": centre, "radius": radius, "normal": normal}
    bpy.context.view_layer.update()
    return placed


def hidden_share(camera: bpy.types.Object, ball: bpy.types.Object, centre: Array, radius: float) -> float:
    """The share of a ball's camera-facing surface that something else hides:
    points spread evenly over the ball (a Fibonacci lattice), those facing
    the camera each checked with a ray from the camera; a hit on the surface
    the ball sits on, within one radius of the point, does not hide it."""
    scene = bpy.context.scene
    depsgraph = bpy.context.evaluated_depsgraph_get()
    eye = np.array(camera.matrix_world.translation)
    facing = hidden = 0
    golden = math.pi * (3 - math.sqrt(5))
    for k in range(MARKER_SAMPLES):
        z = 1 - 2 * (k + 0.5) / MARKER_SAMPLES
        r = math.sqrt(1 - z * z)
        direction = np.array([r * math.cos(golden * k), r * math.sin(golden * k), z])
        point = centre + 0.999 * radius * direction
        towards = point - eye
        if np.dot(direction, towards) >= 0:
            continue
        facing += 1
        distance = float(np.linalg.norm(towards))
        hit, where, _, _, obj, _ = scene.ray_cast(depsgraph, Vector(eye), Vector(towards / distance), distance=distance)
        # the skin the ball sits on, within a radius of it, does not count
        if hit and obj is not None and obj.name != ball.name and np.linalg.norm(np.array(where) - point) > radius:
            hidden += 1
    return hidden / facing if facing else 1.0


def marker_truth(
    placed: Mapping[str, dict], camera: bpy.types.Object, project: Callable[[Array], list[float]]
) -> dict[str, dict]:
    """Each ball's centre in 3D and in the image, its radius in pixels (from
    the projection of a point one radius off its centre across the view) and
    the share of it hidden from the camera."""
    out = {}
    right = np.array(camera.matrix_world.to_3x3() @ Vector((1.0, 0.0, 0.0)))
    for landmark, m in placed.items():
        centre_px = project(m["centre"])
        edge_px = project(m["centre"] + m["radius"] * right)
        hidden = hidden_share(camera, m["object"], m["centre"], m["radius"])
        out[landmark] = {
            "centre_3d_m": [round(float(x), 5) for x in m["centre"]],
            "centre_px": [round(x, 2) for x in centre_px],
            "radius_px": round(math.dist(centre_px, edge_px), 2),
            "surface_normal": [round(float(x), 4) for x in m["normal"]],
            "hidden_share": round(hidden, 3),
            "partly_hidden": hidden >= PARTLY_HIDDEN_SHARE,
        }
    return out


# A ball counts as partly hidden when at least this share of its
# camera-facing side is covered.
PARTLY_HIDDEN_SHARE = 0.05


# ------------------------------------------------------------ the camera

SENSOR_WIDTH_MM = 36.0


def image_size(cam: Mapping) -> tuple[int, int]:
    return int(cam.get("width", 720)), int(cam.get("height", 960))


def set_resolution(width: int, height: int) -> None:
    render = bpy.context.scene.render
    render.resolution_x, render.resolution_y = width, height
    render.resolution_percentage = 100


def build_camera(cam: Mapping, protocol: str, bb_min: Array, bb_max: Array) -> tuple[bpy.types.Object, dict]:
    """The camera, aimed at the body's mid-plane from the side, and the truth's
    record of it. The scene's resolution must be set first: the roll check
    projects through it."""
    scene = bpy.context.scene
    width, height = image_size(cam)
    focal_mm = float(cam.get("focal_mm", 35.0))
    sensor_height = SENSOR_WIDTH_MM * height / width
    centre = (bb_min + bb_max) / 2
    aim = np.array([0.0, centre[1], centre[2] + float(cam.get("aim_offset_m", 0.0))])
    if protocol == "standing":
        extent, across = bb_max[2] - bb_min[2], sensor_height
        if cam.get("aim_m"):
            aim = np.array(cam["aim_m"], float)
    else:
        extent, across = bb_max[1] - bb_min[1], SENSOR_WIDTH_MM
    distance = cam.get("distance_m")
    if distance is None:
        # fit the body's extent along the body (height or length) to `fill`
        # of the frame, and make sure the other extent fits too
        fill = float(cam.get("fill", 0.72))
        if protocol == "standing":
            other, other_across = bb_max[1] - bb_min[1], SENSOR_WIDTH_MM
        else:
            other, other_across = bb_max[2] - bb_min[2], sensor_height
        distance = max(extent * focal_mm / (fill * across), other * focal_mm / (0.9 * other_across))
    distance = float(distance)
    yaw = math.radians(float(cam.get("view_yaw_deg", 0.0)))
    position = aim + distance * np.array([math.cos(yaw), math.sin(yaw), 0.0])
    position[2] = float(cam.get("height_m", 1.0))
    data = bpy.data.cameras.new("camera")
    data.lens = focal_mm
    data.sensor_width = SENSOR_WIDTH_MM
    data.sensor_fit = "HORIZONTAL"
    ob = bpy.data.objects.new("camera", data)
    scene.collection.objects.link(ob)
    look = (Vector(aim) - Vector(position)).to_track_quat("-Z", "Y")
    roll = float(cam.get("roll_deg", 0.0))
    # roll R: true vertical appears turned R degrees clockwise in the image,
    # i.e. the camera turns R anticlockwise about its viewing axis
    rotation = look.to_matrix().to_4x4() @ Matrix.Rotation(math.radians(roll), 4, "Z")
    ob.matrix_world = Matrix.Translation(Vector(position)) @ rotation
    scene.camera = ob
    bpy.context.view_layer.update()
    euler = ob.matrix_world.to_euler()
    info = {
        "location_m": [round(float(x), 5) for x in position],
        "rotation_euler_deg": [round(math.degrees(x), 4) for x in euler],
        "focal_mm": focal_mm,
        "sensor_width_mm": SENSOR_WIDTH_MM,
        "roll_deg": roll,
        "height_m": round(float(position[2]), 5),
        "distance_m": round(float(distance), 5),
        "view_yaw_deg": float(cam.get("view_yaw_deg", 0.0)),
        "aim_m": [round(float(x), 5) for x in aim],
    }
    # check the roll's sense: a true vertical through the aim point
    a = world_to_camera_view(scene, ob, Vector(aim))
    b = world_to_camera_view(scene, ob, Vector(aim) + Vector((0, 0, 0.5)))
    up_in_image = np.array([(b.x - a.x) * width, -(b.y - a.y) * height])  # y down
    # angle of image "up" turned clockwise (towards +x) from straight up
    info["vertical_appears_turned_cw_deg"] = round(math.degrees(math.atan2(up_in_image[0], -up_in_image[1])), 3)
    return ob, info


def projector(camera: bpy.types.Object, width: int, height: int) -> Callable[[Array], list[float]]:
    """World point -> image pixels (origin top-left, y down)."""
    scene = bpy.context.scene

    def project(p: Array) -> list[float]:
        c = world_to_camera_view(scene, camera, Vector(p))
        return [c.x * width, (1 - c.y) * height]

    return project


# ------------------------------------------------------------ rendering


def render_settings(spec: Mapping) -> str:
    """Cycles on the CPU with the spec's samples, no denoiser; returns the
    image file's extension."""
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


def render(path: str, region_px: Sequence[float] | None = None) -> None:
    """Render to `path`; with `region_px` ([x0, y0, x1, y1], pixels from the
    top-left) only that part of the frame, the rest left black, at the
    frame's full size (so that pixel coordinates keep their meaning)."""
    render_ = bpy.context.scene.render
    render_.filepath = path
    if region_px is not None:
        width, height = render_.resolution_x, render_.resolution_y
        x0, y0, x1, y1 = region_px
        render_.use_border, render_.use_crop_to_border = True, False
        # Blender's border is in fractions of the frame, y from the bottom
        render_.border_min_x, render_.border_max_x = max(0.0, x0 / width), min(1.0, x1 / width)
        render_.border_min_y, render_.border_max_y = max(0.0, 1 - y1 / height), min(1.0, 1 - y0 / height)
    bpy.ops.render.render(write_still=True)
