#!/usr/bin/env python3
"""One test per `etpu check` rule, each on a tiny model built for the purpose.

Every rule of src/lib/edgetpu/{op_rules,op_versions,static_shape_inputs}.def,
check_rules.h and the partitioner of check.c gets a case that breaks it and a
"twin" that differs only in the property under test and must pass, so every
assertion can fail. Models are synthesized as flatc JSON
(tests/rules/model_builder.py), turned into .tflite with `flatc -b` in a
temporary folder (nothing generated is kept), and checked with
`etpu check --json`; each case asserts the exit code, the exact status
wordings, the reason naming the right tensor/value, fatal kinds and fix passes,
and for partitioning the breaking op and which ops get
`More than one subgraph is not supported`.

A case marked `known_bug` documents a check.c bug: it is expected to fail,
is listed as KNOWN and excluded from the count (if it starts passing, that is
reported as a failure so the mark gets removed).

    tests/check_rules.py --etpu build/src/etpu [--flatc flatc] [--schema schema/tflite.fbs]
                         [-k SUBSTRING] [--keep DIR] [-v]

Closing line: "N passed, M failed"; exit status 1 if any case failed.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(HERE, "rules"))
from model_builder import Model, NO_QUANT  # noqa: E402

MAPPED = "Mapped to Edge TPU"
MTOS = "More than one subgraph is not supported"
UNSPEC = "Operation is otherwise supported, but not mapped due to some unspecified limitation"
DTYPE = "Operation is working on an unsupported data type"
VERSION = "Operation version not supported"
RANK = "Tensor has unsupported rank (up to 3 innermost dimensions mapped)"
NOTSUP = "Operation not supported"
STRIDES = "Only Strided-Slice with unitary strides supported"
PARAM = "Filter, bias, or other param is not constant at compile-time"

# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

CASES = []


class Case:
    def __init__(self, name, build, check, args, known_bug):
        self.name, self.build, self.check = name, build, check
        self.args, self.known_bug = list(args), known_bug
        self.slug = "%03d" % len(CASES)


def case(name, build, check, args=(), known_bug=None):
    """build(m) fills a Model and returns a dict of the tensor/op indices the
    check needs; check(r, env) asserts on the Result."""
    CASES.append(Case(name, build, check, args, known_bug))


class Result:
    def __init__(self, rc, report, stderr):
        self.rc, self.j, self.stderr = rc, report, stderr
        self.problems = []

    def fail(self, msg):
        self.problems.append(msg)

    def exit(self, code):
        if self.rc != code:
            self.fail("exit code %s, expected %s" % (self.rc, code))

    def op(self, i):
        ops = self.j["ops"]
        if i >= len(ops):
            self.fail("no op %d (model has %d)" % (i, len(ops)))
            return None
        return ops[i]

    def status(self, i, expected):
        o = self.op(i)
        if o and o["status"] != expected:
            self.fail("op %d %s: status %r, expected %r (reason: %s)"
                      % (i, o["op"], o["status"], expected, o["reason"]))

    def statuses(self, expected):
        got = [o["status"] for o in self.j["ops"]]
        if got != expected:
            self.fail("statuses %s, expected %s" % (got, expected))

    def reason(self, i, *subs):
        o = self.op(i)
        if not o:
            return
        for s in subs:
            if s not in o["reason"]:
                self.fail("op %d %s: reason %r does not mention %r" % (i, o["op"], o["reason"], s))

    def hint_lacks(self, i, *subs):
        o = self.op(i)
        for sub in subs:
            if o and sub in o["hint"]:
                self.fail("op %d %s: hint %r names %r" % (i, o["op"], o["hint"], sub))

    def field(self, i, key, expected):
        o = self.op(i)
        if o and o.get(key) != expected:
            self.fail("op %d %s: %s = %r, expected %r" % (i, o["op"], key, o.get(key), expected))

    def fatal_kinds(self, expected):
        got = [f["kind"] for f in self.j["fatal"]]
        if got != expected:
            self.fail("fatal kinds %s, expected %s (%s)"
                      % (got, expected, [f["message"] for f in self.j["fatal"]]))

    def fatal(self, kind):
        for f in self.j["fatal"]:
            if f["kind"] == kind:
                return f
        return None

    def fatal_has(self, kind, key, expected):
        f = self.fatal(kind)
        if f is not None and f.get(key) != expected:
            self.fail("fatal %s: %s = %r, expected %r" % (kind, key, f.get(key), expected))

    def fatal_message(self, kind, *subs):
        f = self.fatal(kind)
        if f is None:
            return
        for s in subs:
            if s not in f["message"]:
                self.fail("fatal %s: message %r does not mention %r" % (kind, f["message"], s))

    def warning_kinds(self, expected):
        got = [w["kind"] for w in self.j["warnings"]]
        if got != expected:
            self.fail("warning kinds %s, expected %s" % (got, expected))

    def warning_has(self, kind, key, expected):
        for w in self.j["warnings"]:
            if w["kind"] == kind and w.get(key) != expected:
                self.fail("warning %s: %s = %r, expected %r" % (kind, key, w.get(key), expected))

    def summary(self, key, expected):
        got = self.j["summary"].get(key)
        if got != expected:
            self.fail("summary.%s = %r, expected %r" % (key, got, expected))

    def all_mapped(self):
        """The passing twin: exit 0, no fatal, every op mapped, one partition."""
        self.exit(0)
        self.fatal_kinds([])
        self.warning_kinds([])
        self.statuses([MAPPED] * len(self.j["ops"]))
        self.summary("first_breaking_op", None)


# -- small layers ------------------------------------------------------------

def conv(m, x, shape, filters, name, version=1, dilation=(1, 1), act=None,
         weights_const=True, in_per_filter=None):
    """3x3 SAME stride-1 CONV_2D; returns (output, weights tensor)."""
    c = shape[3] if in_per_filter is None else in_per_filter
    wshape = [filters, 3, 3, c]
    if weights_const:
        w = m.const_i8(name + "/filter", wshape)
    else:
        w = m.input(name + "/filter", wshape)
    b = m.const_bias(name + "/bias", filters)
    y = m.act(name, shape[:3] + [filters])
    opts = {"padding": "SAME", "stride_w": 1, "stride_h": 1,
            "dilation_w_factor": dilation[0], "dilation_h_factor": dilation[1]}
    if act:
        opts["fused_activation_function"] = act
    m.op("CONV_2D", [x, w, b], [y], opts, version=version)
    return y, w


def add(m, a, b, shape, name, ttype="INT8"):
    y = m.act(name, shape, ttype)
    m.op("ADD", [a, b], [y], {})
    return y


IMG = [1, 8, 8, 4]

# -- type rule ---------------------------------------------------------------


def build_type(ytype, constant=False):
    def build(m):
        x = m.input("x", IMG)
        if constant:
            y = m.const_f32("y_const", IMG) if ytype == "FLOAT32" else m.const_i8("y_const", IMG)
        else:
            y = m.input("y_" + ytype.lower(), IMG, ytype,
                        quant=NO_QUANT if ytype in ("FLOAT32", "INT32") else
                        ((0.001, 0) if ytype == "INT16" else None))
        z = add(m, x, y, IMG, "z")
        m.output(z)
        return {"y": y, "name": m.tensors[y]["name"]}
    return build


def check_type_refused(ytype, constant=False):
    def check(r, e):
        r.exit(1)
        r.statuses([DTYPE])
        r.reason(0, '%sinput 1 (tensor %d "%s") is %s' % ("constant " if constant else "", e["y"],
                                                          e["name"], ytype))
        r.fatal_kinds([])
    return check


for _t in ("FLOAT32", "INT16", "INT32"):
    case("type: non-constant %s activation into ADD -> unsupported data type" % _t,
         build_type(_t), check_type_refused(_t))
case("type twin: INT8 activation into ADD -> mapped", build_type("INT8"),
     lambda r, e: r.all_mapped())
case("type: constant FLOAT32 input of ADD -> unsupported data type",
     build_type("FLOAT32", constant=True), check_type_refused("FLOAT32", constant=True))
case("type twin: constant INT8 input of ADD -> mapped", build_type("INT8", constant=True),
     lambda r, e: r.all_mapped())


def build_float_output(m):
    x = m.input("x", IMG)
    y = m.act("y_float", IMG, "FLOAT32", quant=NO_QUANT)
    m.op("ADD", [x, x], [y], {})
    m.output(y)
    return {"y": y}


case("type: ADD writing a FLOAT32 output -> unsupported data type", build_float_output,
     lambda r, e: (r.exit(1), r.statuses([DTYPE]),
                   r.reason(0, 'output 0 (tensor %d "y_float") is FLOAT32' % e["y"])))

# -- boundary casts ----------------------------------------------------------


def build_io(float_io):
    """x -> QUANTIZE -> CONV_2D -> DEQUANTIZE (float I/O) or QUANTIZE i8->u8."""
    def build(m):
        if float_io:
            x = m.input("x_float", IMG, "FLOAT32", quant=NO_QUANT)
        else:
            x = m.input("x_u8", IMG, "UINT8", quant=(0.05, 128))
        q = m.act("q", IMG)
        m.op("QUANTIZE", [x], [q])
        c, _ = conv(m, q, IMG, 8, "conv")
        if float_io:
            y = m.act("y_float", IMG[:3] + [8], "FLOAT32", quant=NO_QUANT)
            m.op("DEQUANTIZE", [c], [y])
        else:
            y = m.act("y_u8", IMG[:3] + [8], "UINT8", quant=(0.05, 128))
            m.op("QUANTIZE", [c], [y])
        m.output(y)
        return {"x": x, "y": y}
    return build


def check_float_io(r, e):
    r.exit(1)
    r.fatal_kinds([])
    r.statuses([UNSPEC, MAPPED, DTYPE])
    r.reason(0, "QUANTIZE of the FLOAT32 model input (tensor %d)" % e["x"])
    r.field(0, "fix_pass", "int-io")
    r.field(0, "rule", "quantize_float_input")
    r.reason(2, "DEQUANTIZE to the FLOAT32 model output (tensor %d)" % e["y"])
    r.field(2, "fix_pass", "int-io")
    r.field(2, "rule", "dequantize_float_output")
    # boundary ops do not split the graph
    r.summary("first_breaking_op", None)
    r.summary("edgetpu_subgraphs", 1)
    r.summary("tpu", 1)
    r.summary("cpu", 2)


case("boundary: float QUANTIZE at input / float DEQUANTIZE at output, no split",
     build_io(True), check_float_io)
case("boundary twin: u8->i8 QUANTIZE at input, i8->u8 QUANTIZE at output -> mapped",
     build_io(False), lambda r, e: r.all_mapped())

# -- custom ops --------------------------------------------------------------


def build_custom(kind):
    def build(m):
        x = m.input("x", IMG)
        c, _ = conv(m, x, IMG, 8, "conv")
        y = m.act("post", IMG[:3] + [8])
        if kind == "builtin":
            m.op("RELU", [c], [y])
        else:
            m.op("CUSTOM", [c], [y], custom_code=kind)
        m.output(y)
        return {}
    return build


def check_custom(code, hint):
    def check(r, e):
        r.exit(1)
        r.statuses([MAPPED, DTYPE])
        r.field(1, "op", "CUSTOM")
        r.reason(1, 'custom op "%s"' % code)
        o = r.op(1)
        if o and hint not in o["hint"]:
            r.fail("op 1 hint %r does not mention %r" % (o["hint"], hint))
        if o and hint == "" and o["hint"]:
            r.fail("op 1 hint %r, expected none (nothing to fix)" % o["hint"])
        r.summary("first_breaking_op", None)
    return check


case("custom: CUSTOM op -> CUSTOM, unsupported data type, no hint", build_custom("MyPostProcess"),
     check_custom("MyPostProcess", ""))
case("custom: edgetpu-custom-op -> already compiled hint", build_custom("edgetpu-custom-op"),
     check_custom("edgetpu-custom-op", "already compiled"))
case("custom twin: builtin RELU in its place -> mapped", build_custom("builtin"),
     lambda r, e: r.all_mapped())

# -- unsupported op and partitioning -----------------------------------------


def build_split(middle):
    """0 CONV(x) -> 1 <middle> -> 2 ADD(b, b) ; 3 CONV(x) (independent) ; 4 ADD(c, d)."""
    def build(m):
        x = m.input("x", IMG)
        a, _ = conv(m, x, IMG, 4, "conv_a")
        b = m.act("mid", IMG)
        opts = {"alpha": 0.2} if middle == "LEAKY_RELU" else ({} if middle == "HARD_SWISH" else None)
        m.op(middle, [a], [b], opts)
        c = add(m, b, b, IMG, "after_dep")
        d, _ = conv(m, x, IMG, 4, "conv_branch")
        y = add(m, c, d, IMG, "join")
        m.output(y)
        return {}
    return build


def check_split(multiple):
    def check(r, e):
        r.exit(1)
        r.fatal_kinds([])
        if multiple:
            r.statuses([MAPPED, NOTSUP, MAPPED, MAPPED, MAPPED])
            r.summary("edgetpu_subgraphs", 2)
        else:
            r.statuses([MAPPED, NOTSUP, MTOS, MAPPED, MTOS])
            r.summary("edgetpu_subgraphs", 1)
            r.reason(2, "cut by an op that cannot map")
        r.reason(1, "is not in the Edge TPU supported-operations table")
        r.summary("first_breaking_op", 1)
        r.field(0, "partition", r.j["ops"][3]["partition"])   # branch joins the first run
    return check


case("unsupported: LEAKY_RELU mid-graph splits; dependents More than one subgraph, "
     "independent branch mapped", build_split("LEAKY_RELU"), check_split(False))
case("unsupported: HARD_SWISH mid-graph splits the same way", build_split("HARD_SWISH"),
     check_split(False))
case("unsupported: LEAKY_RELU with -a -> 2 Edge TPU subgraphs, no More than one subgraph",
     build_split("LEAKY_RELU"), check_split(True), args=["-a"])
case("unsupported twin: RELU in its place -> mapped, one subgraph", build_split("RELU"),
     lambda r, e: (r.all_mapped(), r.summary("edgetpu_subgraphs", 1)))

# -- rank --------------------------------------------------------------------


def build_rank(shape):
    def build(m):
        x = m.input("x", shape)
        y = add(m, x, x, shape, "y")
        m.output(y)
        return {"x": x}
    return build


case("rank: [2,8,8,4] activation (batch 2) -> unsupported rank", build_rank([2, 8, 8, 4]),
     lambda r, e: (r.exit(1), r.statuses([RANK]),
                   r.reason(0, 'tensor %d "x" has rank 4 with dimension 0 = 2' % e["x"])))
case("rank: [1,2,8,8,4] activation (5-D) -> unsupported rank", build_rank([1, 2, 8, 8, 4]),
     lambda r, e: (r.exit(1), r.statuses([RANK]),
                   r.reason(0, 'tensor %d "x" has rank 5 with dimension 1 = 2' % e["x"])))
case("rank twin: [1,8,8,4] -> mapped", build_rank([1, 8, 8, 4]), lambda r, e: r.all_mapped())

# -- STRIDED_SLICE -----------------------------------------------------------


def build_slice(strides, ellipsis=0):
    def build(m):
        x = m.input("x", IMG)
        begin = m.const_i32("begin", [0, 0, 0, 0])
        end = m.const_i32("end", IMG)
        st = m.const_i32("strides", strides)
        out = [(n + s - 1) // s for n, s in zip(IMG, strides)]
        y = m.act("y", out)
        m.op("STRIDED_SLICE", [x, begin, end, st], [y], {"ellipsis_mask": ellipsis})
        m.output(y)
        return {}
    return build


case("strided slice: stride 2 -> unitary strides", build_slice([1, 2, 1, 1]),
     lambda r, e: (r.exit(1), r.statuses([STRIDES]), r.reason(0, "stride 2 on axis 1")))
case("strided slice: ellipsis_mask -> unspecified", build_slice([1, 1, 1, 1], ellipsis=1),
     lambda r, e: (r.exit(1), r.statuses([UNSPEC]), r.reason(0, "ellipsis_mask")))
case("strided slice twin: strides 1 -> mapped", build_slice([1, 1, 1, 1]),
     lambda r, e: r.all_mapped())

# -- pooling fused activation ------------------------------------------------


def build_pool(op, act):
    def build(m):
        x = m.input("x", IMG)
        y = m.act("y", [1, 4, 4, 4])
        opts = {"padding": "VALID", "stride_w": 2, "stride_h": 2, "filter_width": 2,
                "filter_height": 2}
        if act:
            opts["fused_activation_function"] = act
        m.op(op, [x], [y], opts)
        m.output(y)
        return {}
    return build


for _op in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
    case("pool: %s with fused RELU -> unspecified" % _op, build_pool(_op, "RELU"),
         lambda r, e, op=_op: (r.exit(1), r.statuses([UNSPEC]),
                               r.reason(0, "%s has a fused activation (RELU)" % op)))
    case("pool twin: %s without activation -> mapped" % _op, build_pool(_op, None),
         lambda r, e: r.all_mapped())

# -- CONV_2D dilation --------------------------------------------------------


def build_dilation(dw, dh):
    def build(m):
        x = m.input("x", IMG)
        y, _ = conv(m, x, IMG, 8, "conv", dilation=(dw, dh))
        m.output(y)
        return {}
    return build


case("conv: dilation 2x1 -> unspecified with compiler 15 (published table)", build_dilation(2, 1),
     lambda r, e: (r.exit(1), r.statuses([UNSPEC]),
                   r.reason(0, "dilation differs in x and y (2 vs 1)")),
     args=("--compiler-version", "15"))
case("conv: dilation 2x1 -> mapped with compiler 16 (a real 16 log maps it)",
     build_dilation(2, 1), lambda r, e: r.all_mapped())
case("conv twin: dilation 2x2 -> mapped", build_dilation(2, 2), lambda r, e: r.all_mapped())

# -- SOFTMAX size ------------------------------------------------------------


def build_softmax(n):
    def build(m):
        x = m.input("x", [1, n])
        y = m.act("y", [1, n], quant=(1.0 / 256, -128))
        m.op("SOFTMAX", [x], [y], {"beta": 1.0})
        m.output(y)
        return {}
    return build


case("softmax: 16,001 elements -> unspecified with compiler 15", build_softmax(16001),
     lambda r, e: (r.exit(1), r.statuses([UNSPEC]), r.reason(0, "softmax over 16001 elements")),
     args=("--compiler-version", "15"))
case("softmax twin: 16,000 elements -> mapped", build_softmax(16000),
     lambda r, e: r.all_mapped())

# -- batch axis: MEAN, PAD ---------------------------------------------------


def build_mean(axes):
    def build(m):
        x = m.input("x", IMG)
        ax = m.const_i32("axes", axes)
        keep = [d for i, d in enumerate(IMG) if i not in {a % 4 for a in axes}]
        y = m.act("y", keep)
        m.op("MEAN", [x, ax], [y], {"keep_dims": False})
        m.output(y)
        return {}
    return build


for _axes in ([0], [-4]):
    case("mean: over axis %s (batch) -> unspecified" % _axes, build_mean(_axes),
         lambda r, e: (r.exit(1), r.statuses([UNSPEC]),
                       r.reason(0, "MEAN works along the batch dimension")))
case("mean twin: over axes [1, 2] -> mapped", build_mean([1, 2]), lambda r, e: r.all_mapped())


def build_pad(pads):
    def build(m):
        x = m.input("x", IMG)
        p = m.const_i32("paddings", [v for pr in pads for v in pr], shape=[4, 2])
        y = m.act("y", [d + a + b for d, (a, b) in zip(IMG, pads)])
        m.op("PAD", [x, p], [y], {})
        m.output(y)
        return {"y": y}
    return build


# Padding the batch of a [1,...] tensor makes the output's batch > 1, so the
# rank rule (checked first) answers before PAD's batch-axis row can: the PAD
# branch of ETPU_RULE_NOT_BATCH_AXIS (check.c:312-315) is unreachable for
# rank-4 inputs. Assert what is reported: the op is refused, naming the output.
case("pad: padding the batch -> refused (rank rule, on the [2,8,8,4] output)",
     build_pad([[1, 0], [0, 0], [0, 0], [0, 0]]),
     lambda r, e: (r.exit(1), r.statuses([RANK]),
                   r.reason(0, 'tensor %d "y" has rank 4 with dimension 0 = 2' % e["y"])))
case("pad twin: padding H and W -> mapped", build_pad([[0, 0], [1, 1], [1, 1], [0, 0]]),
     lambda r, e: r.all_mapped())


def build_pack(axis, rank=2):
    def build(m):
        shape = [1, 4] if rank == 2 else [1, 4, 4]
        a = m.input("a", shape)
        b = m.input("b", shape)
        y = m.act("y", [2] + shape if axis == 0 else [1, 2] + shape[1:])
        m.op("PACK", [a, b], [y], {"values_count": 2, "axis": axis})
        m.output(y)
        return {}
    return build


case("pack: two [1,4,4] on axis 0 (the batch of a 4-D result) -> rank (checked first)",
     build_pack(0, rank=3),
     lambda r, e: (r.exit(1), r.statuses([RANK]), r.field(0, "rule", "rank")))
case("pack twin: two [1,4,4] on axis 1 -> mapped", build_pack(1, rank=3),
     lambda r, e: r.all_mapped())
case("pack: two [1,4] on axis 0 -> mapped (real compiler 16 compiles map 2-D packs)",
     build_pack(0), lambda r, e: r.all_mapped())


def build_split(axis, dim0):
    def build(m):
        a = m.input("a", [dim0, 6, 8])
        k = m.const_i32("axis", [axis], shape=[])
        outs = [m.act("part%d" % i, [dim0, 3, 8] if axis == 1 else [dim0 // 2, 6, 8])
                for i in range(2)]
        m.op("SPLIT", [k, a], outs, {"num_splits": 2})
        m.output(*outs)
        return {}
    return build


case("split: axis 0 of [4,6,8] -> 'For example, a fully-connected ...' (compiler 16 logs)",
     build_split(0, 4),
     lambda r, e: (r.exit(1), r.statuses(["For example, a fully-connected or softmax layer "
                                          "with 2D output"]),
                   r.field(0, "rule", "split_axis_0")))
case("split twin: axis 1 of [4,6,8] -> mapped", build_split(1, 4), lambda r, e: r.all_mapped())

# -- CONCATENATION with a constant -------------------------------------------


def build_concat(fill, zp=0, extra_input=False):
    def build(m):
        x = m.input("x", IMG)
        k = m.const_i8("pad_const", IMG, quant=(0.05, zp), fill=fill)
        ins = [x, x, k] if extra_input else [x, k]
        y = m.act("y", IMG[:3] + [4 * len(ins)])
        m.op("CONCATENATION", ins, [y], {"axis": 3})
        m.output(y)
        return {"k": k, "pos": ins.index(k)}
    return build


def check_concat_refused(r, e):
    r.exit(1)
    r.statuses([UNSPEC])
    r.reason(0, "constant input %d is not an all-zero pad" % e["pos"])
    r.field(0, "rule", "concat_constant")


case("concat: non-zero constant input -> unspecified", build_concat(3), check_concat_refused)
case("concat: all-zero constant beside two inputs -> unspecified",
     build_concat(0, extra_input=True), check_concat_refused)
case("concat twin: all-zero constant beside exactly one input -> mapped", build_concat(0),
     lambda r, e: r.all_mapped())
case("concat twin: constant equal to its zero point (-128) -> mapped", build_concat(-128, -128),
     lambda r, e: r.all_mapped())

# -- constant weights --------------------------------------------------------


def build_fc(weights_const, weights_format=None):
    def build(m):
        x = m.input("x", [1, 16])
        w = m.const_i8("w", [4, 16]) if weights_const else m.input("w", [4, 16])
        b = m.const_bias("b", 4)
        y = m.act("y", [1, 4])
        opts = {} if weights_format is None else {"weights_format": weights_format}
        m.op("FULLY_CONNECTED", [x, w, b], [y], opts)
        m.output(y)
        return {"w": w}
    return build


case("fc: non-constant weights -> param not constant with compiler 15", build_fc(False),
     lambda r, e: (r.exit(1), r.statuses([PARAM]),
                   r.reason(0, "the filter/weights (tensor %d) is computed at run time" % e["w"])),
     args=("--compiler-version", "15"))
case("fc: non-constant weights -> mapped with compiler 16 (fc_runtime_operand)", build_fc(False),
     lambda r, e: (r.all_mapped(), r.field(0, "relaxed_by", "fc_runtime_operand")))
case("fc: weights_format SHUFFLED4x16INT8 -> unspecified", build_fc(True, "SHUFFLED4x16INT8"),
     lambda r, e: (r.exit(1), r.statuses([UNSPEC]), r.reason(0, "weights_format")))
case("fc twin: constant weights -> mapped", build_fc(True), lambda r, e: r.all_mapped())


def build_conv_weights(weights_const):
    def build(m):
        x = m.input("x", IMG)
        y, w = conv(m, x, IMG, 8, "conv", weights_const=weights_const)
        m.output(y)
        return {"w": w}
    return build


case("conv: non-constant filter -> param not constant", build_conv_weights(False),
     lambda r, e: (r.exit(1), r.statuses([PARAM]),
                   r.reason(0, "the filter/weights (tensor %d)" % e["w"])))
case("conv twin: constant filter -> mapped", build_conv_weights(True),
     lambda r, e: r.all_mapped())


def build_dwconv(weights_const, dilation=(1, 1)):
    def build(m):
        x = m.input("x", IMG)
        w = m.const_i8("w", [1, 3, 3, 4]) if weights_const else m.input("w", [1, 3, 3, 4])
        b = m.const_bias("b", 4)
        y = m.act("y", IMG)
        m.op("DEPTHWISE_CONV_2D", [x, w, b], [y],
             {"padding": "SAME", "stride_w": 1, "stride_h": 1, "depth_multiplier": 1,
              "dilation_w_factor": dilation[0], "dilation_h_factor": dilation[1]})
        m.output(y)
        return {"w": w}
    return build


case("depthwise conv: non-constant filter [1,3,3,4] -> param not constant", build_dwconv(False),
     lambda r, e: (r.exit(1), r.statuses([PARAM]),
                   r.reason(0, "the filter/weights (tensor %d) is computed at run time" % e["w"])))
case("depthwise conv: dilation 1x2 -> unspecified with compiler 15", build_dwconv(True, (1, 2)),
     lambda r, e: (r.exit(1), r.statuses([UNSPEC]),
                   r.reason(0, "dilation differs in x and y (1 vs 2)")),
     args=("--compiler-version", "15"))
case("depthwise conv twin: constant filter, dilation 2x2 -> mapped", build_dwconv(True, (2, 2)),
     lambda r, e: r.all_mapped())


def build_tconv(weights_const, version=1):
    """TRANSPOSE_CONV inputs: (output_shape, weights, input, bias)."""
    def build(m):
        x = m.input("x", IMG)
        shp = m.const_i32("output_shape", [1, 16, 16, 8])
        w = m.const_i8("w", [8, 3, 3, 4]) if weights_const else m.input("w", [8, 3, 3, 4])
        b = m.const_bias("b", 8)
        y = m.act("y", [1, 16, 16, 8])
        m.op("TRANSPOSE_CONV", [shp, w, x, b], [y],
             {"padding": "SAME", "stride_w": 2, "stride_h": 2}, version=version)
        m.output(y)
        return {"w": w}
    return build


case("transpose conv: non-constant weights -> param not constant", build_tconv(False),
     lambda r, e: (r.exit(1), r.statuses([PARAM]),
                   r.reason(0, "the filter/weights (tensor %d)" % e["w"])))
case("transpose conv twin: constant weights and bias -> mapped", build_tconv(True),
     lambda r, e: r.all_mapped())

# -- op versions -------------------------------------------------------------


def build_conv_version(version, in_per_filter=None):
    def build(m):
        x = m.input("x", IMG)
        y, _ = conv(m, x, IMG, 8, "conv", version=version, in_per_filter=in_per_filter)
        m.output(y)
        return {}
    return build


def check_version_fatal(op, version, fix_pass, ops=(0,)):
    def check(r, e):
        r.exit(1)
        r.fatal_kinds(["op_version"])
        r.fatal_has("op_version", "fix_pass", fix_pass)
        r.fatal_has("op_version", "ops", list(ops))
        r.fatal_message("op_version", "Didn't find op for builtin opcode '%s' version '%d'"
                        % (op, version))
        r.summary("compiles", False)
    return check


def check_no_fatal(status=MAPPED):
    def check(r, e):
        r.fatal_kinds([])
        r.summary("compiles", True)
        if status == MAPPED:
            r.exit(0)
    return check


case("version: CONV_2D v6 (not grouped) -> fatal op_version, min-op-versions",
     build_conv_version(6), check_version_fatal("CONV_2D", 6, "min-op-versions"))
case("version: CONV_2D v6 grouped (filter depth 1 of 4) -> fatal op_version, grouped-conv",
     build_conv_version(6, in_per_filter=1), check_version_fatal("CONV_2D", 6, "grouped-conv"))
case("version: CONV_2D v6 grouped (filter depth 2 of 4) -> fatal op_version, no pass offered "
     "(grouped-conv rewrites one channel per group only)",
     build_conv_version(6, in_per_filter=2), check_version_fatal("CONV_2D", 6, None))
case("version twin: CONV_2D v5 -> no fatal", build_conv_version(5), check_no_fatal())
case("version: --compiler-version 15 disables the 16 table (CONV_2D v6 -> no fatal)",
     build_conv_version(6), check_no_fatal(), args=["--compiler-version", "15"])


def build_quantize_version(version):
    def build(m):
        x = m.input("x", IMG, "UINT8", quant=(0.05, 128))
        y = m.act("y", IMG)
        m.op("QUANTIZE", [x], [y], version=version)
        m.output(y)
        return {}
    return build


case("version: QUANTIZE v3 -> fatal op_version", build_quantize_version(3),
     check_version_fatal("QUANTIZE", 3, "min-op-versions"))
case("version twin: QUANTIZE v2 -> no fatal", build_quantize_version(2), check_no_fatal())
case("version: TRANSPOSE_CONV v4 -> fatal op_version", build_tconv(True, version=4),
     check_version_fatal("TRANSPOSE_CONV", 4, "min-op-versions"))
case("version twin: TRANSPOSE_CONV v3 -> no fatal", build_tconv(True, version=3),
     check_no_fatal(status=None))


def build_exp(version):
    def build(m):
        x = m.input("x", IMG)
        y = m.act("y", IMG)
        m.op("EXP", [x], [y], {}, version=version)
        m.output(y)
        return {}
    return build


case("version: EXP v2 -> fatal op_version", build_exp(2),
     check_version_fatal("EXP", 2, "min-op-versions"))
case("version twin: EXP v1 -> no fatal (still not supported)", build_exp(1),
     lambda r, e: (check_no_fatal(status=None)(r, e), r.statuses([NOTSUP])))

# -- RESIZE version gate for older compilers ---------------------------------


def build_resize(version):
    def build(m):
        x = m.input("x", IMG)
        size = m.const_i32("size", [16, 16])
        y = m.act("y", [1, 16, 16, 4])
        m.op("RESIZE_NEAREST_NEIGHBOR", [x, size], [y],
             {"align_corners": False, "half_pixel_centers": version >= 3}, version=version)
        m.output(y)
        return {}
    return build


case("resize: compiler 15 + RESIZE_NEAREST_NEIGHBOR v3 -> version not supported",
     build_resize(3), lambda r, e: (r.exit(1), r.statuses([VERSION]),
                                    r.reason(0, "RESIZE_NEAREST_NEIGHBOR version 3",
                                             "compiler 15")),
     args=["--compiler-version", "15"])
case("resize twin: compiler 16 + RESIZE_NEAREST_NEIGHBOR v3 -> mapped", build_resize(3),
     lambda r, e: r.all_mapped())
case("resize twin: compiler 15 + RESIZE_NEAREST_NEIGHBOR v2 -> mapped", build_resize(2),
     lambda r, e: r.all_mapped(), args=["--compiler-version", "15"])

# -- dynamic tensors ---------------------------------------------------------


def build_reshape(shape_from):
    """RESHAPE [1,8,8,4] -> [1,256]; shape from SHAPE(x), a graph input, or a constant."""
    def build(m):
        x = m.input("x", IMG, signature=[-1, 8, 8, 4] if shape_from == "signature" else None)
        env = {"x": x}
        if shape_from == "shape_op":
            s = m.act("shape_of_x", [4], "INT32", quant=NO_QUANT)
            m.op("SHAPE", [x], [s], {"out_type": "INT32"})
        elif shape_from == "input":
            s = m.input("new_shape", [2], "INT32", quant=NO_QUANT)
        else:
            s = m.const_i32("new_shape", [1, 256])
        y = m.act("y", [1, 256], signature=[-1, 256] if shape_from == "signature" else None)
        env["reshape"] = m.op("RESHAPE", [x, s], [y], {})
        m.output(y)
        env.update(s=s, y=y)
        return env
    return build


def check_dynamic(ops, tensors, shape_name):
    def check(r, e):
        chain = ["SHAPE", "RESHAPE"][-len(ops):]
        r.exit(1)
        r.fatal_kinds(["dynamic_tensor"])
        r.fatal_has("dynamic_tensor", "fix_pass", "static-shapes")
        r.fatal_has("dynamic_tensor", "ops", ops)
        r.fatal_has("dynamic_tensor", "tensors", [e[t] for t in tensors])
        r.fatal_message("dynamic_tensor", "static-sized tensors",
                        'RESHAPE (op %d) takes its input 1 (tensor %d "%s")'
                        % (e["reshape"], e["s"], shape_name),
                        "ops involved:" + "".join(" %s#%d" % (n, i) for n, i in zip(chain, ops)))
        r.field(e["reshape"], "fix_pass", "static-shapes")
    return check


case("dynamic: RESHAPE shape computed by SHAPE -> fatal dynamic_tensor naming SHAPE, RESHAPE",
     build_reshape("shape_op"), check_dynamic([0, 1], ["y", "x"], "shape_of_x"))
case("dynamic: RESHAPE shape from a graph input -> fatal dynamic_tensor",
     build_reshape("input"), check_dynamic([0], ["y"], "new_shape"))
case("dynamic twin: RESHAPE with constant shape -> no fatal", build_reshape("const"),
     lambda r, e: (r.all_mapped(), r.summary("dynamic_signature_tensors", 0)))
case("dynamic: -1 in shape_signature only -> no fatal, counted as a note",
     build_reshape("signature"),
     lambda r, e: (r.all_mapped(), r.summary("dynamic_signature_tensors", 2)))

# -- quantization ------------------------------------------------------------


def build_quant(ttype, quant=None):
    def build(m):
        x = m.input("x", IMG, ttype, quant=quant)
        y = m.act("y", IMG, ttype, quant=NO_QUANT if ttype == "FLOAT32" else None)
        m.op("ADD", [x, x], [y], {})
        m.output(y)
        return {"x": x}
    return build


case("not quantized: all-float model -> fatal not_quantized with compiler 15",
     build_quant("FLOAT32", NO_QUANT),
     lambda r, e: (r.exit(1), r.fatal_kinds(["not_quantized"]),
                   r.fatal_message("not_quantized", "Model not quantized",
                                   "none of its 1 ops")),
     args=("--compiler-version", "15"))
case("not quantized: all-float model -> warning and every op float_model with compiler 16",
     build_quant("FLOAT32", NO_QUANT),
     lambda r, e: (r.exit(1), r.fatal_kinds([]), r.warning_kinds(["not_quantized_16"]),
                   r.statuses([DTYPE]), r.field(0, "rule", "float_model")))
case("not quantized twin: int8 model -> no fatal", build_quant("INT8"),
     lambda r, e: r.all_mapped())
case("unquantized: INT8 activation without scale -> warning, op on the CPU",
     build_quant("INT8", NO_QUANT),
     lambda r, e: (r.exit(1), r.fatal_kinds([]), r.warning_kinds(["unquantized_tensors"]),
                   r.warning_has("unquantized_tensors", "tensors", [e["x"]]),
                   r.warning_has("unquantized_tensors", "ops", [0]),
                   r.statuses([DTYPE]), r.field(0, "rule", "unquantized_int8"),
                   r.reason(0, 'tensor %d "x") is INT8 without quantization parameters'
                            % e["x"])))
case("unquantized: 2 scales, 1 zero point -> warning, op on the CPU",
     build_quant("INT8", {"scale": [0.05, 0.05], "zero_point": [0]}),
     lambda r, e: (r.exit(1), r.fatal_kinds([]), r.warning_kinds(["unquantized_tensors"]),
                   r.statuses([DTYPE])))
case("bad quantization twin: UINT8 activation with scale -> no fatal",
     build_quant("UINT8", (0.05, 128)), lambda r, e: r.all_mapped())

# -- size limits -------------------------------------------------------------


def build_rows(n):
    def build(m):
        x = m.input("x", [1, n, 85])
        y = add(m, x, x, [1, n, 85], "y")
        m.output(y)
        return {"x": x}
    return build


case("size: [1,2400,85] (204,000 > 192Ki per row) -> unspecified", build_rows(2400),
     lambda r, e: (r.exit(1), r.statuses([UNSPEC]),
                   r.reason(0, 'tensor %d "x" has 2400 x 85 = 204000 elements' % e["x"])))
case("size twin: [1,1500,85] (127,500) -> mapped", build_rows(1500), lambda r, e: r.all_mapped())


def build_big_reshape(last):
    def build(m):
        x = m.input("x", [1, 64, 128, last])
        s = m.const_i32("new_shape", [1, 128, 64, last])
        y = m.act("y", [1, 128, 64, last])
        m.op("RESHAPE", [x, s], [y], {})
        m.output(y)
        return {"x": x}
    return build


case("size: RESHAPE of 1,056,768 elements (> 2^20) -> unspecified", build_big_reshape(129),
     lambda r, e: (r.exit(1), r.statuses([UNSPEC]),
                   r.reason(0, "RESHAPE of 1056768 elements (tensor %d; estimated limit"
                            % e["x"]), r.field(0, "basis", "estimated")))
case("size twin: RESHAPE of 1,048,576 elements (= 2^20) -> mapped", build_big_reshape(128),
     lambda r, e: r.all_mapped())

# -- TRANSPOSE size and compiler version -----------------------------------


def build_transpose(h):
    def build(m):
        x = m.input("x", [1, h, h, 144])
        perm = m.const_i32("perm", [0, 3, 1, 2])
        y = m.act("y", [1, 144, h, h])
        m.op("TRANSPOSE", [x, perm], [y], {})
        m.output(y)
        return {"x": x}
    return build


case("size: TRANSPOSE of [1,40,40,144] (230,400 > 128Ki) -> unspecified, estimated",
     build_transpose(40),
     lambda r, e: (r.exit(1), r.statuses([UNSPEC]), r.field(0, "rule", "transpose_size"),
                   r.field(0, "basis", "estimated"),
                   r.reason(0, "TRANSPOSE of 230400 elements")))
case("size twin: TRANSPOSE of [1,20,20,144] (57,600) -> mapped", build_transpose(20),
     lambda r, e: r.all_mapped())
case("version: TRANSPOSE with compiler 15 -> not supported (needs compiler 16)",
     build_transpose(20),
     lambda r, e: (r.exit(1), r.statuses([NOTSUP]), r.field(0, "rule", "needs_newer_compiler")),
     args=("--compiler-version", "15"))

# -- post-processing ---------------------------------------------------------


def build_postprocess(kind):
    """CONV -> DEQUANTIZE -> CUSTOM(TFLite_Detection_PostProcess) -> outputs that
    are sized at run time (shape []), then QUANTIZE of them."""
    def build(m):
        x = m.input("x", IMG)
        c, _ = conv(m, x, IMG, 4, "conv")
        f = m.act("boxes_float", IMG, "FLOAT32", quant=NO_QUANT)
        m.op("DEQUANTIZE", [c], [f])
        shape = [1, 10] if kind == "shaped" else []
        ttype = "FLOAT32" if kind == "float" else "INT8"
        p = m.act("detections", shape, ttype, quant=NO_QUANT if ttype == "FLOAT32" else None)
        m.op("CUSTOM", [f], [p], custom_code="TFLite_Detection_PostProcess")
        q = m.act("detections_q", shape, "UINT8" if kind != "float" else "INT8",
                  quant=(0.01, 0))
        m.op("QUANTIZE", [p], [q])
        m.output(q)
        return {}
    return build


case("post-processing: QUANTIZE of a shapeless custom-op output -> unspecified (runtime_shape)",
     build_postprocess("int8"),
     lambda r, e: (r.exit(1), r.statuses([MAPPED, DTYPE, DTYPE, UNSPEC]),
                   r.field(1, "rule", "dequantize_for_postprocess"),
                   r.field(1, "fix_pass", None),
                   r.field(3, "rule", "runtime_shape"), r.field(3, "fix_pass", None)))
case("post-processing twin: the same QUANTIZE on a shaped tensor -> mappable (cut after CPU op)",
     build_postprocess("shaped"),
     lambda r, e: (r.exit(1), r.statuses([MAPPED, DTYPE, DTYPE, MTOS]),
                   r.field(3, "rule", "partition")))
case("post-processing: QUANTIZE of the custom op's float output -> unspecified, no int-io",
     build_postprocess("float"),
     lambda r, e: (r.exit(1), r.statuses([MAPPED, DTYPE, DTYPE, UNSPEC]),
                   r.field(3, "rule", "quantize_after_postprocess"),
                   r.field(3, "fix_pass", None)))

# -- int-io only where the pass removes the op ------------------------------


def build_shared_float_input(m):
    x = m.input("x_float", IMG, "FLOAT32", quant=NO_QUANT)
    q = m.act("x_q", IMG)
    m.op("QUANTIZE", [x], [q])
    y = m.act("x_relu", IMG, "FLOAT32", quant=NO_QUANT)
    m.op("RELU", [x], [y])
    m.output(q, y)
    return {}


case("boundary: float input feeding QUANTIZE and another op -> no int-io hint",
     build_shared_float_input,
     lambda r, e: (r.exit(1), r.field(0, "rule", "quantize_float_tensor"),
                   r.field(0, "fix_pass", None),
                   r.hint_lacks(0, "inference_input_type", "int-io")))

# -- float16 weights -----------------------------------------------------------


def build_f16_weights(m):
    x = m.input("x_float", IMG, "FLOAT32", quant=NO_QUANT)
    w16 = m.const_f16("filter_f16", [8, 3, 3, 4])
    b16 = m.const_f16("bias_f16", [8])
    w = m.act("filter", [8, 3, 3, 4], "FLOAT32", quant=NO_QUANT)
    b = m.act("bias", [8], "FLOAT32", quant=NO_QUANT)
    m.op("DEQUANTIZE", [w16], [w])
    m.op("DEQUANTIZE", [b16], [b])
    y = m.act("y", IMG[:3] + [8], "FLOAT32", quant=NO_QUANT)
    m.op("CONV_2D", [x, w, b], [y], {"padding": "SAME", "stride_w": 1, "stride_h": 1})
    m.output(y)
    return {}


case("float16 weights: DEQUANTIZE of a 4-D filter -> rank, of the bias -> float16 weights",
     build_f16_weights,
     lambda r, e: (r.exit(1), r.statuses([RANK, DTYPE, DTYPE]),
                   r.field(0, "rule", "rank"), r.field(1, "rule", "dequantize_float16_weights"),
                   r.warning_kinds(["not_quantized_16"])))

# -- LSTM state ----------------------------------------------------------------


def build_lstm(variable):
    def build(m):
        x = m.input("x", [1, 28, 28])
        ins = [x]
        ins += [m.const_i8("w_in%d" % k, [20, 28]) for k in range(4)]
        ins += [m.const_i8("w_rec%d" % k, [20, 20]) for k in range(4)]
        ins += [-1, -1, -1]
        ins += [m.const_bias("bias%d" % k, 20) for k in range(4)]
        ins += [-1, -1]
        ins.append(m.tensor("output_state", [1, 20], "INT8", variable=True))
        ins.append(m.tensor("cell_state", [1, 20], "INT16", quant=(0.0005, 0),
                            variable=variable))
        ins += [-1, -1, -1, -1]
        y = m.act("y", [1, 28, 20])
        m.op("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [y],
             {"fused_activation_function": "TANH", "cell_clip": 10.0})
        m.output(y)
        return {}
    return build


case("lstm: int16 variable cell state -> mapped (relaxed_by lstm_state)", build_lstm(True),
     lambda r, e: (r.all_mapped(), r.field(0, "relaxed_by", "lstm_state")))
case("lstm twin: the same int16 tensor not a variable -> unsupported data type",
     build_lstm(False), lambda r, e: (r.exit(1), r.statuses([DTYPE])))

# -- loading: op versions, Flex ops, builtin codes ----------------------------


def build_add_version(version):
    def build(m):
        x = m.input("x", IMG)
        y = m.act("y", IMG)
        m.op("ADD", [x, x], [y], {}, version=version)
        m.output(y)
        return {}
    return build


case("version: ADD v4 (first shipped in TF 2.6) -> loads (warning), but the op stays on the CPU",
     build_add_version(4),
     lambda r, e: (r.exit(1), r.fatal_kinds([]), r.warning_kinds(["op_version_unconfirmed"]),
                   r.statuses([VERSION]), r.field(0, "rule", "op_version_newer"),
                   r.field(0, "fix_pass", "min-op-versions")))
case("version twin: ADD v3 -> no warning", build_add_version(3), lambda r, e: r.all_mapped())


def build_unloadable(op, custom=None):
    def build(m):
        x = m.input("x", IMG)
        c, _ = conv(m, x, IMG, 4, "conv")
        y = m.act("y", IMG)
        m.op(op, [c], [y], custom_code=custom)
        m.output(y)
        return {}
    return build


case("flex: CUSTOM FlexSplitV -> fatal flex_op", build_unloadable("CUSTOM", "FlexSplitV"),
     lambda r, e: (r.exit(1), r.fatal_kinds(["flex_op"]),
                   r.fatal_message("flex_op", "Regular TensorFlow ops are not supported",
                                   "FlexSplitV")))
case("builtin: DYNAMIC_UPDATE_SLICE (code 151) -> fatal builtin_unknown",
     build_unloadable("DYNAMIC_UPDATE_SLICE"),
     lambda r, e: (r.exit(1), r.fatal_kinds(["builtin_unknown"]),
                   r.fatal_message("builtin_unknown", "builtin_code out of range: 151")))
case("builtin: GELU (code 150) -> warning builtin_maybe_unknown, no fatal",
     build_unloadable("GELU"),
     lambda r, e: (r.exit(1), r.fatal_kinds([]), r.warning_kinds(["builtin_maybe_unknown"])))
case("builtin twin: BROADCAST_TO (code 130, loaded by compiler 16) -> no finding",
     build_unloadable("BROADCAST_TO"),
     lambda r, e: (r.exit(1), r.fatal_kinds([]), r.warning_kinds([]), r.status(1, NOTSUP)))

# -- SOFTMAX size by compiler ------------------------------------------------


case("softmax: 16,384 elements -> mapped with compiler 16 (real compiles map it)",
     build_softmax(16384), lambda r, e: r.all_mapped())
case("softmax: 16,384 elements -> unspecified with compiler 15 (published 16,000)",
     build_softmax(16384), lambda r, e: (r.exit(1), r.statuses([UNSPEC]),
                                          r.field(0, "rule", "softmax_size")),
     args=("--compiler-version", "15"))


# -- work (MACs) -------------------------------------------------------------


case("macs: 3x3 CONV_2D 4->8 channels on 8x8 = 8*8*8 outputs x 3*3*4 = 18,432",
     build_dilation(1, 1),
     lambda r, e: (r.all_mapped(), r.field(0, "macs", 18432), r.summary("macs", 18432),
                   r.summary("macs_tpu", 18432)))
case("macs: ADD counts its outputs (8*8*4 = 256), all on the CPU when it cannot map",
     build_type("FLOAT32"),
     lambda r, e: (r.field(0, "macs", 256), r.summary("macs_tpu", 0),
                   r.summary("macs_tpu_share", 0)))


# ---------------------------------------------------------------------------
# Runner
# ---------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--etpu", required=True)
    ap.add_argument("--flatc", default="flatc")
    ap.add_argument("--schema", default=os.path.join(HERE, "..", "schema", "tflite.fbs"))
    ap.add_argument("-k", dest="filter", help="run only cases whose name contains this")
    ap.add_argument("--keep", help="write the models here and keep them (default: a temp dir)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every case")
    args = ap.parse_args()

    cases = [c for c in CASES if not args.filter or args.filter in c.name]
    tmp = None
    if args.keep:
        work = args.keep
        os.makedirs(work, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="etpu_check_rules_")
        work = tmp.name

    envs, jsons = {}, []
    for c in cases:
        m = Model()
        envs[c.slug] = c.build(m)
        path = os.path.join(work, c.slug + ".json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(m.json())
        jsons.append(path)
    p = subprocess.run([args.flatc, "-b", "-o", work, args.schema, *jsons],
                       capture_output=True, text=True)
    if p.returncode:
        print("flatc failed:\n" + p.stdout + p.stderr)
        print("0 passed, %d failed" % len(cases))
        return 1

    def run(c):
        q = subprocess.run([args.etpu, "check", "--json", *c.args,
                            os.path.join(work, c.slug + ".tflite")],
                           capture_output=True, text=True)
        return q.returncode, q.stdout, q.stderr

    with ThreadPoolExecutor(max_workers=2) as pool:
        outputs = list(pool.map(run, cases))

    passed, failed, known, fixed = 0, [], [], []
    for c, (rc, out, err) in zip(cases, outputs):
        try:
            report = json.loads(out)
        except ValueError:
            report = None
        r = Result(rc, report, err)
        if report is None:
            r.fail("no JSON report (exit %d): %s" % (rc, err.strip()[:300]))
        else:
            try:
                c.check(r, envs[c.slug])
            except (KeyError, IndexError, TypeError) as e:
                r.fail("check raised %s: %s" % (type(e).__name__, e))
        where = "[%s %s%s]" % (c.slug, " ".join(c.args) + " " if c.args else "", c.slug + ".tflite")
        if c.known_bug:
            if r.problems:
                known.append((c, r, where))
            else:
                fixed.append((c, where))
        elif r.problems:
            failed.append((c, r, where))
        else:
            passed += 1
            if args.verbose:
                print("ok   %s" % c.name)

    for c, r, where in failed:
        print("FAIL %s %s" % (c.name, where))
        for msg in r.problems:
            print("       %s" % msg)
    for c, where in fixed:
        print("FAIL %s %s" % (c.name, where))
        print("       marked KNOWN BUG but passes now: remove the known_bug mark "
              "(%s)" % c.known_bug)
    for c, r, where in known:
        print("KNOWN %s %s" % (c.name, where))
        print("       KNOWN BUG: %s" % c.known_bug)
        for msg in r.problems:
            print("       %s" % msg)
    if known:
        print("%d known bug%s (expected failures, not counted)"
              % (len(known), "" if len(known) == 1 else "s"))
    if args.keep:
        print("models kept in %s" % work)
    nfail = len(failed) + len(fixed)
    print("%d passed, %d failed" % (passed, nfail))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
