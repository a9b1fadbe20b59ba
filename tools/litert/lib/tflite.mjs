// Minimal, bounds-checked reader for the parts of a TFLite flatbuffer that the
// oracle needs: tensor types/shapes/names/quantization of the main subgraph,
// its inputs/outputs, the operator list (to find QUANTIZE consumers and custom
// ops) and the signature defs (to map LiteRT's signature order to tensors).
// Field ids follow schema.fbs (see /work/shared/FACTS.md section 3).

export class FlatbufferError extends Error {}

export const TENSOR_TYPES = [
  'float32', 'float16', 'int32', 'uint8', 'int64', 'string', 'bool', 'int16',
  'complex64', 'int8', 'float64', 'complex128', 'uint64', 'resource', 'variant',
  'uint32', 'uint16', 'int4', 'bfloat16', 'int2', 'uint4', 'float8_e4m3fn',
  'float8_e5m2',
];

const OP_CUSTOM = 32;
export const OP_QUANTIZE = 114;
export const OP_DEQUANTIZE = 6;

class Reader {
  constructor(bytes) {
    this.b = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  check(pos, n) {
    if (!Number.isInteger(pos) || pos < 0 || pos + n > this.b.length) {
      throw new FlatbufferError(`flatbuffer offset ${pos}+${n} outside the ${this.b.length}-byte file`);
    }
  }
  u8(p) { this.check(p, 1); return this.dv.getUint8(p); }
  i8(p) { this.check(p, 1); return this.dv.getInt8(p); }
  u16(p) { this.check(p, 2); return this.dv.getUint16(p, true); }
  u32(p) { this.check(p, 4); return this.dv.getUint32(p, true); }
  i32(p) { this.check(p, 4); return this.dv.getInt32(p, true); }
  i64(p) { this.check(p, 8); return this.dv.getBigInt64(p, true); }
  f32(p) { this.check(p, 4); return this.dv.getFloat32(p, true); }
  // Follow a uoffset stored at p.
  deref(p) { return p + this.u32(p); }
  // Absolute position of field `id` of the table at t, or 0 when absent.
  field(t, id) {
    const vt = t - this.i32(t);
    const vsize = this.u16(vt);
    const off = 4 + 2 * id;
    if (off + 2 > vsize) return 0;
    const fo = this.u16(vt + off);
    return fo ? t + fo : 0;
  }
  scalar(t, id, kind, dflt) {
    const p = this.field(t, id);
    return p ? this[kind](p) : dflt;
  }
  table(t, id) { const p = this.field(t, id); return p ? this.deref(p) : 0; }
  str(t, id) {
    const p = this.field(t, id);
    if (!p) return null;
    const s = this.deref(p);
    const n = this.u32(s);
    this.check(s + 4, n);
    return new TextDecoder().decode(this.b.subarray(s + 4, s + 4 + n));
  }
  // Vector of scalars -> JS array; kind is one of u8/i32/u32/f32/i64.
  vec(t, id, kind, width) {
    const p = this.field(t, id);
    if (!p) return null;
    const v = this.deref(p);
    const n = this.u32(v);
    this.check(v + 4, n * width);
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this[kind](v + 4 + i * width);
    return out;
  }
  // Vector of tables -> array of absolute table positions.
  tables(t, id) {
    const p = this.field(t, id);
    if (!p) return [];
    const v = this.deref(p);
    const n = this.u32(v);
    this.check(v + 4, n * 4);
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.deref(v + 4 + 4 * i);
    return out;
  }
}

function readQuant(r, q) {
  if (!q) return null;
  const scale = r.vec(q, 2, 'f32', 4);
  const zp = r.vec(q, 3, 'i64', 8);
  const min = r.vec(q, 0, 'f32', 4);
  const max = r.vec(q, 1, 'f32', 4);
  if (!scale || scale.length === 0) {
    return min || max ? { min, max } : null;
  }
  return {
    scale,
    zero_point: (zp || scale.map(() => 0n)).map(Number),
    quantized_dimension: r.scalar(q, 6, 'i32', 0),
  };
}

// Parse `bytes` (Uint8Array). Throws FlatbufferError on malformed input.
export function parseTflite(bytes) {
  if (bytes.length < 8) throw new FlatbufferError(`file too short (${bytes.length} bytes) for a TFLite flatbuffer`);
  const r = new Reader(bytes);
  const ident = new TextDecoder().decode(bytes.subarray(4, 8));
  const root = r.deref(0);
  const version = r.scalar(root, 0, 'u32', 0);
  const opcodes = r.tables(root, 1).map((oc) => {
    const dep = r.scalar(oc, 0, 'i8', 0);
    const code = r.scalar(oc, 3, 'i32', 0);
    return { builtin: Math.max(dep, code), custom: r.str(oc, 1), version: r.scalar(oc, 2, 'i32', 1) };
  });
  const subgraphs = r.tables(root, 2);
  if (subgraphs.length === 0) throw new FlatbufferError('model has no subgraphs');
  const sg = subgraphs[0];
  const tensors = r.tables(sg, 0).map((t, index) => {
    const typeId = r.scalar(t, 1, 'i8', 0);
    return {
      index,
      name: r.str(t, 3) ?? '',
      type: TENSOR_TYPES[typeId] ?? `type${typeId}`,
      shape: r.vec(t, 0, 'i32', 4) ?? [],
      shape_signature: r.vec(t, 7, 'i32', 4),
      quantization: readQuant(r, r.table(t, 4)),
    };
  });
  const operators = r.tables(sg, 3).map((op) => {
    const oc = opcodes[r.scalar(op, 0, 'u32', 0)];
    return {
      builtin: oc ? oc.builtin : -1,
      custom: oc && oc.builtin === OP_CUSTOM ? oc.custom : null,
      inputs: r.vec(op, 1, 'i32', 4) ?? [],
      outputs: r.vec(op, 2, 'i32', 4) ?? [],
    };
  });
  const signatures = r.tables(root, 7).map((sd) => {
    const maps = (id) => r.tables(sd, id).map((tm) => ({ name: r.str(tm, 0) ?? '', tensor: r.scalar(tm, 1, 'u32', 0) }));
    return { key: r.str(sd, 2) ?? '', subgraph: r.scalar(sd, 4, 'u32', 0), inputs: maps(0), outputs: maps(1) };
  });
  const customOps = [...new Set(operators.filter((o) => o.custom !== null).map((o) => o.custom))];
  return {
    identifier: ident,
    version,
    numSubgraphs: subgraphs.length,
    tensors,
    inputs: r.vec(sg, 1, 'i32', 4) ?? [],
    outputs: r.vec(sg, 2, 'i32', 4) ?? [],
    operators,
    signatures,
    customOps,
  };
}

// Tensor indices for the i-th input/output as LiteRT's signature lists them.
// LiteRT names signature tensors after the SignatureDef (when present) or
// after the tensors of subgraph 0; match by name, fall back to position.
export function resolveSignatureTensors(fb, names, which) {
  const sig = fb.signatures.find((s) => s.subgraph === 0);
  const sgList = which === 'inputs' ? fb.inputs : fb.outputs;
  return names.map((name, i) => {
    if (sig) {
      const m = sig[which].find((tm) => tm.name === name);
      if (m) return m.tensor;
    }
    const byName = sgList.find((ti) => fb.tensors[ti] && fb.tensors[ti].name === name);
    if (byName !== undefined) return byName;
    return sgList[i];
  });
}

// For a float input tensor, the quantization of the QUANTIZE op(s) that
// consume it (the usual "float I/O around an integer model" pattern).
export function consumerQuantization(fb, tensorIndex) {
  for (const op of fb.operators) {
    if (op.builtin === OP_QUANTIZE && op.inputs[0] === tensorIndex) {
      const out = fb.tensors[op.outputs[0]];
      if (out && out.quantization && out.quantization.scale && out.quantization.scale.length === 1) {
        return { tensor: out, quantization: out.quantization };
      }
    }
  }
  return null;
}

// For a float output tensor, the quantization of the DEQUANTIZE op producing it.
export function producerQuantization(fb, tensorIndex) {
  for (const op of fb.operators) {
    if (op.builtin === OP_DEQUANTIZE && op.outputs[0] === tensorIndex) {
      const inp = fb.tensors[op.inputs[0]];
      if (inp && inp.quantization && inp.quantization.scale && inp.quantization.scale.length === 1) {
        return { tensor: inp, quantization: inp.quantization };
      }
    }
  }
  return null;
}
