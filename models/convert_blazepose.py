#!/usr/bin/env python3
"""Convert the MediaPipe BlazePose TFLite models to ONNX and check the result.

Run through models/convert.sh, which prepares the pinned virtualenv and the
source .tflite files.  Two sub-commands:

  convert --kind {detector,landmark} SRC.tflite DST.onnx
      tf2onnx, opset 13.  If the model contains DENSIFY ops (the detector
      does: 38 block-sparse fp16 weight tensors), their dense values are read
      from the TFLite interpreter and handed to tf2onnx in place of the
      sparse constants, and DENSIFY itself becomes Identity.

  check --kind {detector,landmark} --image IMG SRC.tflite DST.onnx
      Checks the ONNX input/output names and shapes against the expected
      spec, runs both models on the same preprocessed real image (TFLite
      reference kernels vs. onnxruntime CPU) and fails if any output differs
      by more than its tolerance (see SPEC and cmd_check()).
"""

import argparse
import contextlib
import os
import re
import sys
import warnings

import numpy as np

# Quieten TensorFlow's start-up chatter; errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")

OPSET = 13

# Expected tensor spec.  Each output also says how the check compares it:
# (name, shape, compared as, tolerance, what the tolerance is in).  See
# cmd_check() for why these tolerances.
SPEC = {
    "detector": {
        "inputs": [("input_1", [1, 224, 224, 3])],
        "outputs": [
            ("Identity", [1, 2254, 12], "raw", 2e-2, "px of the 224 input (box/keypoint offsets)"),
            ("Identity_1", [1, 2254, 1], "sigmoid", 1e-3, "score probability"),
        ],
    },
    "landmark": {
        "inputs": [("input_1", [1, 256, 256, 3])],
        "outputs": [
            ("Identity", [1, 195], "raw", 1e-2, "px of the 256 crop (x, y, z) / logit"),
            ("Identity_1", [1, 1], "raw", 1e-3, "presence probability"),
            ("Identity_2", [1, 256, 256, 1], "sigmoid", 5e-3, "mask probability"),
            ("Identity_3", [1, 64, 64, 39], "raw", 1e-2, "heatmap value"),
            ("Identity_4", [1, 117], "raw", 1e-3, "metres (world landmarks)"),
        ],
    },
}


def fail(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


# --------------------------------------------------------------------------
# TFLite interpreter
# --------------------------------------------------------------------------

def make_interpreter(path, preserve_all_tensors=False):
    """A TFLite interpreter using the built-in reference kernels (no XNNPACK).

    TensorFlow's own tf.lite.Interpreter is preferred; the standalone
    ai-edge-litert package is accepted as a fallback when TF lacks it.
    """
    try:
        import tensorflow as tf

        interp_cls = tf.lite.Interpreter
        resolver = tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    except (ImportError, AttributeError):
        from ai_edge_litert import interpreter as litert

        interp_cls = litert.Interpreter
        resolver = litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    interp = interp_cls(
        model_path=path,
        experimental_op_resolver_type=resolver,
        experimental_preserve_all_tensors=preserve_all_tensors,
    )
    interp.allocate_tensors()
    return interp


# --------------------------------------------------------------------------
# DENSIFY workaround
# --------------------------------------------------------------------------

class _DenseBuffer:
    """Stands in for a tflite.Buffer, holding the dense bytes of a tensor."""

    def __init__(self, array):
        self._bytes = np.ascontiguousarray(array).reshape(-1).view(np.uint8)

    def DataIsNone(self):  # noqa: N802 (flatbuffers naming)
        return False

    def DataLength(self):  # noqa: N802
        return self._bytes.size

    def DataAsNumpy(self):  # noqa: N802
        return self._bytes


class _ModelWithDenseBuffers:
    """Wraps a tflite.Model so that chosen buffers read as dense arrays."""

    def __init__(self, model, replacements):
        self._model = model
        self._replacements = replacements

    def Buffers(self, index):  # noqa: N802
        if index in self._replacements:
            return self._replacements[index]
        return self._model.Buffers(index)

    def __getattr__(self, name):
        return getattr(self._model, name)


def densified_buffers(tflite_path):
    """Map buffer index -> _DenseBuffer for every sparse tensor fed to DENSIFY.

    The dense values are what the TFLite runtime itself produces: the model is
    run once with all intermediate tensors preserved, and each DENSIFY output
    is read back.  Returns an empty dict for models without DENSIFY.
    """
    from tf2onnx import tflite_utils

    graphs, opcodes, model, _ = tflite_utils.read_tflite_model(tflite_path)
    if model.SubgraphsLength() != 1:
        fail(f"{tflite_path}: expected one subgraph, found {model.SubgraphsLength()}")
    graph = graphs[0]
    pairs = []  # (sparse input tensor index, dense output tensor index)
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        if opcodes[op.OpcodeIndex()] == "DENSIFY":
            pairs.append((op.Inputs(0), op.Outputs(0)))
    if not pairs:
        return {}

    interp = make_interpreter(tflite_path, preserve_all_tensors=True)
    for detail in interp.get_input_details():
        interp.set_tensor(detail["index"], np.zeros(detail["shape"], detail["dtype"]))
    interp.invoke()
    details = {d["index"]: d for d in interp.get_tensor_details()}

    buffer_users = {}
    for t in range(graph.TensorsLength()):
        buffer_users.setdefault(graph.Tensors(t).Buffer(), []).append(t)

    replacements = {}
    for src, dst in pairs:
        src_t, dst_t = graph.Tensors(src), graph.Tensors(dst)
        if src_t.Sparsity() is None:
            fail(f"DENSIFY input {src_t.Name().decode()} has no sparsity data")
        # Tensor indices are shared with the flatbuffer; TF's interpreter
        # renames DENSIFY outputs to "Densify_output", so accept that name too.
        if details[dst]["name"] not in (dst_t.Name().decode(), "Densify_output"):
            fail(f"interpreter tensor {dst} is {details[dst]['name']}, expected {dst_t.Name().decode()}")
        dense = interp.get_tensor(dst)
        if list(dense.shape) != src_t.ShapeAsNumpy().tolist():
            fail(f"dense shape {dense.shape} != declared {src_t.ShapeAsNumpy().tolist()}")
        if src_t.Type() != dst_t.Type():
            fail(f"DENSIFY changes the type of {src_t.Name().decode()}")
        # The non-zero values must be exactly those stored in the sparse buffer.
        stored = model.Buffers(src_t.Buffer()).DataAsNumpy().view(dense.dtype)
        if not np.array_equal(np.sort(stored[stored != 0]), np.sort(dense[dense != 0])):
            fail(f"densified values of {src_t.Name().decode()} do not match its sparse buffer")
        if buffer_users[src_t.Buffer()] != [src]:
            fail(f"buffer of {src_t.Name().decode()} is shared; cannot replace it")
        replacements[src_t.Buffer()] = _DenseBuffer(dense)
    print(f"densified {len(replacements)} sparse weight tensors via the TFLite interpreter")
    return replacements


@contextlib.contextmanager
def dense_constants(replacements):
    """Let tf2onnx see dense constants in place of sparse ones, DENSIFY as Identity."""
    from tf2onnx import tflite_utils
    from tf2onnx.handler import tfl_op

    if not replacements:
        yield
        return

    @tfl_op("TFL_DENSIFY", tf_op="Identity")
    class _TflDensify:  # pylint: disable=unused-variable
        @classmethod
        def to_tf(cls, ctx, node, **kwargs):
            pass

    original = tflite_utils.read_tflite_model

    def patched(path):
        graphs, opcodes, model, shapes = original(path)
        return graphs, opcodes, _ModelWithDenseBuffers(model, replacements), shapes

    tflite_utils.read_tflite_model = patched
    try:
        yield
    finally:
        tflite_utils.read_tflite_model = original


# --------------------------------------------------------------------------
# Deterministic output
# --------------------------------------------------------------------------

_GENERATED = re.compile(r"__\d+")


def canonicalize(model):
    """Give tf2onnx's generated names a stable numbering, so that the bytes
    of the .onnx file do not change from run to run.

    tf2onnx numbers the nodes and constants it creates (e.g.
    "const_fold_opt__1064") in an order that depends on set iteration over
    Python objects, so two runs give the same graph under different names.
    Every name containing such a "__<number>" is renumbered in order of
    first appearance in the (deterministic) node list; names taken from the
    TFLite model, and the graph inputs and outputs, are kept.  Initializers
    and value_info are put in the same first-use order.
    """
    g = model.graph
    keep = {v.name for v in g.input} | {v.name for v in g.output}
    tensors, nodes = {}, {}

    def renamed(table, name):
        if not name or name in keep or not _GENERATED.search(name):
            return name
        if name not in table:
            table[name] = f"{_GENERATED.sub('', name)}__{len(table)}"
        return table[name]

    order = {}
    for node in g.node:
        node.name = renamed(nodes, node.name)
        for field in (node.input, node.output):
            for i, name in enumerate(field):
                field[i] = renamed(tensors, name)
                order.setdefault(field[i], len(order))
        if any(a.type in (a.GRAPH, a.GRAPHS) for a in node.attribute):
            fail("canonicalize() does not handle subgraphs")
    for seq in (g.initializer, g.value_info):
        items = list(seq)
        for item in items:
            item.name = renamed(tensors, item.name)
        items.sort(key=lambda item: (order.get(item.name, len(order)), item.name))
        del seq[:]
        seq.extend(items)
    return model


# --------------------------------------------------------------------------
# Sub-commands
# --------------------------------------------------------------------------

def cmd_convert(args):
    import onnx
    from tf2onnx import convert as tf2onnx_convert

    replacements = densified_buffers(args.tflite)
    with dense_constants(replacements):
        model_proto, _ = tf2onnx_convert.from_tflite(args.tflite, opset=OPSET)

    foreign = sorted({n.op_type for n in model_proto.graph.node if n.domain not in ("", "ai.onnx")}
                     | {n.op_type for n in model_proto.graph.node if n.op_type.startswith("TFL_")})
    if foreign:
        fail(f"unconverted ops left in the graph: {foreign}")
    canonicalize(model_proto)
    # Apache-2.0 section 4(b): say in the file itself that it was changed.
    model_proto.doc_string = (
        "MediaPipe BlazePose, converted from TFLite to ONNX (tf2onnx, opset 13; fp16 "
        "weights stored as fp32" + ("; block-sparse weights densified" if replacements else "")
        + ") by sagitta's models/convert.sh. Original Copyright The MediaPipe Authors "
        "(Google LLC), Apache License 2.0."
    )
    meta = {"license": "Apache-2.0", "copyright": "The MediaPipe Authors (Google LLC)"}
    if args.source:
        meta["source"] = args.source
    for key, value in meta.items():
        model_proto.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(model_proto, full_check=True)
    onnx.save(model_proto, args.onnx)
    ops = sorted({n.op_type for n in model_proto.graph.node})
    print(f"wrote {args.onnx} (opset {OPSET}); ops: {', '.join(ops)}")


def _dims(value_info):
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?")
            for d in value_info.type.tensor_type.shape.dim]


def check_io_spec(onnx_path, kind):
    import onnx

    model = onnx.load(onnx_path)
    got_in = [(v.name, _dims(v)) for v in model.graph.input]
    got_out = [(v.name, _dims(v)) for v in model.graph.output]
    want_out = [(name, shape) for name, shape, *_ in SPEC[kind]["outputs"]]
    for label, got, want in (("inputs", got_in, SPEC[kind]["inputs"]),
                             ("outputs", got_out, want_out)):
        print(f"  {label}: " + ", ".join(f"{n} {s}" for n, s in got))
        if got != want:
            fail(f"{onnx_path}: {label} {got} differ from the expected {want}")
    elem = model.graph.input[0].type.tensor_type.elem_type
    if elem != onnx.TensorProto.FLOAT:
        fail(f"{onnx_path}: input is not float32")


def load_input(image_path, kind):
    """The real-image input each model expects (NHWC, RGB, float32)."""
    from PIL import Image

    img = Image.open(image_path).convert("RGB")
    if kind == "detector":
        # Letterbox the whole image into 224x224 (keep aspect, black bars,
        # centred), then scale to [-1, 1].
        side = 224
        scale = side / max(img.width, img.height)
        w, h = max(1, round(img.width * scale)), max(1, round(img.height * scale))
        canvas = Image.new("RGB", (side, side))
        canvas.paste(img.resize((w, h), Image.BILINEAR), ((side - w) // 2, (side - h) // 2))
        x = np.asarray(canvas, dtype=np.float32) / 127.5 - 1.0
    else:
        # The landmark model normally gets a rotated crop around the person;
        # for this numerical check a plain 256x256 resize is enough.
        x = np.asarray(img.resize((256, 256), Image.BILINEAR), dtype=np.float32) / 255.0
    return x[np.newaxis]


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic


def cmd_check(args):
    """Compare ONNX Runtime with the TFLite reference kernels, output by output.

    Both compute in float32 but accumulate in different orders (and tf2onnx
    folds and transposes some constants), so they differ by rounding that
    grows with network depth and with the size of the values.  Each output is
    judged in the units it is used in: the segmentation and detector-score
    logits go through a sigmoid first, because their raw values reach +-1500
    and are only ever used as probabilities (far from 0 a logit's rounding
    error is large in absolute terms and meaningless).  The tolerances in SPEC
    (0.01 px on the 256 crop, 0.02 px on the 224 detector input, 0.001 for
    probabilities, 1 mm for world coordinates) lie 10-100x above the measured
    rounding differences yet far below what any real conversion fault (a
    wrong or missing weight tensor, a mistransposed kernel, an op with the
    wrong semantics) does: those move outputs by whole pixels.
    """
    import onnxruntime as ort

    print(f"check {os.path.basename(args.onnx)} against {os.path.basename(args.tflite)}")
    check_io_spec(args.onnx, args.kind)
    x = load_input(args.image, args.kind)

    interp = make_interpreter(args.tflite)
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    ref = {d["name"]: interp.get_tensor(d["index"]) for d in interp.get_output_details()}

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(args.onnx, opts, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    got = dict(zip(names, sess.run(names, {sess.get_inputs()[0].name: x}), strict=True))

    all_ok = True
    for name, _, space, tol, unit in SPEC[args.kind]["outputs"]:
        if name not in ref:
            fail(f"TFLite model has no output named {name}")
        r, o = ref[name].astype(np.float64), got[name].astype(np.float64)
        if r.shape != o.shape:
            fail(f"{name}: shape {o.shape} != TFLite {r.shape}")
        raw = float(np.max(np.abs(r - o)))
        judged = raw if space == "raw" else float(np.max(np.abs(sigmoid(r) - sigmoid(o))))
        ok = bool(np.all(np.isfinite(o))) and judged <= tol
        all_ok &= ok
        print(f"  {name:<10} max|diff| raw {raw:.2e}; {space:<7} {judged:.2e} <= {tol:g} "
              f"({unit}): {'ok' if ok else 'FAIL'}")
    if args.kind == "detector":
        print(f"  best detection score {float(sigmoid(ref['Identity_1']).max()):.3f}")
    else:
        print(f"  pose presence {float(ref['Identity_1'].max()):.3f}")
    if not all_ok:
        fail(f"{args.onnx} does not match {args.tflite}")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("convert", "check"):
        p = sub.add_parser(name)
        p.add_argument("--kind", choices=sorted(SPEC), required=True)
        if name == "check":
            p.add_argument("--image", required=True)
        else:
            p.add_argument("--source", help="provenance recorded in the ONNX metadata")
        p.add_argument("tflite")
        p.add_argument("onnx")
    args = parser.parse_args()
    {"convert": cmd_convert, "check": cmd_check}[args.command](args)


if __name__ == "__main__":
    main()
