// Test helper (used by `selftest`): the rewrite etpu's QUANTIZE/DEQUANTIZE
// removal performs, done in place on a copy of the flatbuffer so the harness
// can be checked on real models without the C tool. Subgraph-0 inputs that
// feed only a QUANTIZE op are replaced by that op's (integer) output, outputs
// produced by a DEQUANTIZE op are replaced by its (integer) input, and those
// ops are dropped from the operator vector (compacted in place: entries are
// uoffsets relative to their own slot, so each is re-based). SignatureDef
// tensor indices are updated too. Tensor and buffer tables are not touched.

import { parseTflite, OP_QUANTIZE, OP_DEQUANTIZE } from './tflite.mjs';

export function stripIoQuant(input) {
  const out = Buffer.from(input);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const u32 = (p) => dv.getUint32(p, true);
  const field = (t, id) => {
    const vt = t - dv.getInt32(t, true);
    const off = 4 + 2 * id;
    if (off + 2 > dv.getUint16(vt, true)) return 0;
    const fo = dv.getUint16(vt + off, true);
    return fo ? t + fo : 0;
  };
  const deref = (p) => p + u32(p);
  const vecAt = (t, id) => { const f = field(t, id); return f ? deref(f) : 0; };

  const fb = parseTflite(new Uint8Array(input));
  const root = deref(0);
  const sg = deref(vecAt(root, 2) + 4);
  const consumers = (ti) => fb.operators.filter((op) => op.inputs.includes(ti));
  const drop = new Set();
  const inMap = new Map();
  const outMap = new Map();
  fb.inputs.forEach((ti) => {
    const c = consumers(ti);
    if (c.length === 1 && c[0].builtin === OP_QUANTIZE && fb.tensors[ti].type === 'float32') {
      inMap.set(ti, c[0].outputs[0]);
      drop.add(fb.operators.indexOf(c[0]));
    }
  });
  fb.outputs.forEach((ti) => {
    const k = fb.operators.findIndex((op) => op.outputs.includes(ti));
    if (k >= 0 && fb.operators[k].builtin === OP_DEQUANTIZE && fb.tensors[ti].type === 'float32'
        && consumers(ti).length === 0) {
      outMap.set(ti, fb.operators[k].inputs[0]);
      drop.add(k);
    }
  });
  if (drop.size === 0) return null;
  // subgraph inputs / outputs
  for (const [id, map] of [[1, inMap], [2, outMap]]) {
    const v = vecAt(sg, id);
    for (let i = 0; i < u32(v); i++) {
      const p = v + 4 + 4 * i;
      const t = dv.getInt32(p, true);
      if (map.has(t)) dv.setInt32(p, map.get(t), true);
    }
  }
  // operators: compact in place
  const ops = vecAt(sg, 3);
  const n = u32(ops);
  const targets = [];
  for (let i = 0; i < n; i++) if (!drop.has(i)) targets.push(deref(ops + 4 + 4 * i));
  targets.forEach((t, i) => dv.setUint32(ops + 4 + 4 * i, t - (ops + 4 + 4 * i), true));
  dv.setUint32(ops, targets.length, true);
  // signature defs: update TensorMap.tensor_index in place; a tensor_index
  // of 0 is the default and has no slot to write, so then drop the
  // signature defs altogether (zero the root vtable slot; LiteRT falls back
  // to a default signature built from the subgraph's inputs/outputs).
  const sigs = vecAt(root, 7);
  let sigsOk = true;
  if (sigs) {
    for (let s = 0; s < u32(sigs) && sigsOk; s++) {
      const sd = deref(sigs + 4 + 4 * s);
      for (const [id, map] of [[0, inMap], [1, outMap]]) {
        const v = vecAt(sd, id);
        if (!v) continue;
        for (let i = 0; i < u32(v); i++) {
          const tm = deref(v + 4 + 4 * i);
          const f = field(tm, 1);
          if (!f && map.has(0)) sigsOk = false;
        }
      }
    }
  }
  if (sigs && !sigsOk) {
    const vt = root - dv.getInt32(root, true);
    dv.setUint16(vt + 4 + 2 * 7, 0, true);
  } else if (sigs) {
    for (let s = 0; s < u32(sigs); s++) {
      const sd = deref(sigs + 4 + 4 * s);
      for (const [id, map] of [[0, inMap], [1, outMap]]) {
        const v = vecAt(sd, id);
        if (!v) continue;
        for (let i = 0; i < u32(v); i++) {
          const tm = deref(v + 4 + 4 * i);
          const f = field(tm, 1);
          if (f && map.has(u32(f))) dv.setUint32(f, map.get(u32(f)), true);
        }
      }
    }
  }
  return out;
}
