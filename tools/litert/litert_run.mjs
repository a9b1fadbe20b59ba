#!/usr/bin/env node
// etpu's TFLite reference oracle: runs .tflite models in LiteRT's WebAssembly
// build (@litertjs/core) and compares two models output-for-output.
// See README.md in this directory. Exit codes: 0 ok / identical,
// 1 outputs (or I/O interface) differ, 2 cannot decide (unreadable or
// unrunnable model, bad usage, runtime missing).

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Runtime, CannotRun, DTYPE_WIDTH, PKG_DIR } from './lib/runtime.mjs';
import { consumerQuantization, producerQuantization } from './lib/tflite.mjs';
import { stripIoQuant } from './lib/strip_io_quant.mjs';
import {
  streamFor, generate, encode, decode, INT_RANGES, FLOAT_TYPES, isSupportedDtype,
  quantizeLikeRuntime, dequantize,
} from './lib/inputs.mjs';

const SELF = fileURLToPath(import.meta.url);

const USAGE = `usage:
  litert_run.mjs run MODEL [--seed S] [--count N] [--range I=LO,HI]... [--full]
  litert_run.mjs compare A B [--seed S] [--count N] [--input-map MAP] [--output-map MAP]
                 [--quantize-inputs SPEC]... [--dequantize-outputs SPEC]...
                 [--float-inputs grid|uniform] [--range I=LO,HI]... [--strict] [--json]
  litert_run.mjs selftest --corpus DIR
common: [--wasm-build compat|simd] [--verbose]
  MAP   comma list of A=B input/output index pairs, e.g. 0=1,1=0 (default: by position)
  SPEC  auto | SCALE,ZP (input/output 0) | I=SCALE,ZP   (quantization of B's tensor)
exit: 0 ok/identical, 1 differ, 2 cannot run / usage error`;

class Usage extends Error {}

// ---------------------------------------------------------------- arguments
function parseArgs(argv) {
  const opts = {
    pos: [], seed: 1, count: 4, ranges: new Map(), full: false, inputMap: null, outputMap: null,
    quantizeInputs: [], dequantizeOutputs: [], floatInputs: 'grid', strict: false, json: false,
    build: 'compat', verbose: false, corpus: null,
  };
  const need = (i, flag) => {
    if (i + 1 >= argv.length) throw new Usage(`${flag} needs a value`);
    return argv[i + 1];
  };
  const int = (v, flag, min) => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > 0xffffffff) throw new Usage(`${flag}: bad value '${v}'`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--seed': opts.seed = int(need(i, a), a, 0); i++; break;
      case '--count': opts.count = int(need(i, a), a, 0); i++; break;
      case '--range': {
        const m = /^(\d+)=([^,]+),(.+)$/.exec(need(i, a));
        if (!m || !Number.isFinite(Number(m[2])) || !Number.isFinite(Number(m[3])) || Number(m[2]) > Number(m[3])) {
          throw new Usage(`--range: expected I=LO,HI, got '${argv[i + 1]}'`);
        }
        opts.ranges.set(Number(m[1]), [Number(m[2]), Number(m[3])]);
        i++;
        break;
      }
      case '--full': opts.full = true; break;
      case '--input-map': opts.inputMap = parseMap(need(i, a), a); i++; break;
      case '--output-map': opts.outputMap = parseMap(need(i, a), a); i++; break;
      case '--quantize-inputs': opts.quantizeInputs.push(parseQSpec(need(i, a), a)); i++; break;
      case '--dequantize-outputs': opts.dequantizeOutputs.push(parseQSpec(need(i, a), a)); i++; break;
      case '--float-inputs': {
        const v = need(i, a);
        if (v !== 'grid' && v !== 'uniform') throw new Usage('--float-inputs: grid or uniform');
        opts.floatInputs = v;
        i++;
        break;
      }
      case '--strict': opts.strict = true; break;
      case '--json': opts.json = true; break;
      case '--wasm-build': opts.build = need(i, a); i++; break;
      case '--verbose': case '-v': opts.verbose = true; break;
      case '--corpus': opts.corpus = need(i, a); i++; break;
      case '-h': case '--help': opts.help = true; break;
      default:
        if (a.startsWith('-') && a !== '-') throw new Usage(`unknown option ${a}`);
        opts.pos.push(a);
    }
  }
  return opts;
}

function parseMap(s, flag) {
  const map = new Map();
  for (const part of s.split(',')) {
    const m = /^(\d+)=(\d+)$/.exec(part.trim());
    if (!m) throw new Usage(`${flag}: expected A=B pairs like 0=1,1=0, got '${s}'`);
    map.set(Number(m[1]), Number(m[2]));
  }
  return map;
}

function parseQSpec(s, flag) {
  if (s === 'auto') return { auto: true };
  const m = /^(?:(\d+)=)?([^,]+),([^,]+)$/.exec(s);
  if (!m || !Number.isFinite(Number(m[2])) || !(Number(m[2]) > 0) || !/^-?\d+$/.test(m[3])) {
    throw new Usage(`${flag}: expected auto, SCALE,ZP or I=SCALE,ZP, got '${s}'`);
  }
  return { index: m[1] === undefined ? 0 : Number(m[1]), scale: Math.fround(Number(m[2])), zp: Number(m[3]) };
}

// ---------------------------------------------------------------- helpers
// "(q - zp)" with the sign folded: (q + 128) for zp = -128.
const minusZp = (v, zp) => (zp < 0 ? `${v} + ${-zp}` : zp > 0 ? `${v} - ${zp}` : v);
const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');
const numElems = (shape) => shape.reduce((a, b) => a * b, 1);
// Indented JSON with arrays of scalars kept on one line (JSON strings cannot
// contain raw newlines, so removing newline+indent never touches a string).
const toJson = (obj) => JSON.stringify(obj, null, 1)
  .replace(/\[(?:\n *[^\n\[\]{}]*)+\n *\]/g, (m) => m.replace(/\n */g, ''));

function jsonValue(v) {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v === 'number' && Object.is(v, -0)) return '-0';
  return v;
}

function quantOf(d) {
  const q = d.quantization;
  if (!q || !q.scale || q.scale.length !== 1) return null;
  return { scale: q.scale[0], zp: q.zero_point[0] };
}

function describeTensor(d) {
  const o = { name: d.name, dtype: d.dtype, shape: d.shape };
  if (d.shape_signature) o.shape_signature = d.shape_signature;
  if (d.tensor_name && d.tensor_name !== d.name) o.tensor = d.tensor_name;
  const q = d.quantization;
  if (q && q.scale) {
    o.quantization = q.scale.length === 1 ? { scale: q.scale[0], zero_point: q.zero_point[0] }
      : { scales: q.scale.length, quantized_dimension: q.quantized_dimension };
  }
  return o;
}

// Outputs the runtime cannot size: a rank-0 output written by a custom op
// (e.g. TFLite_Detection_PostProcess resizes its outputs at Prepare time).
// LiteRT wasm allocates output buffers from the declared shape, and such an
// op then writes past them and corrupts the wasm heap.
function checkRunnable(m) {
  for (const d of m.inputs) {
    if (!isSupportedDtype(d.dtype)) throw new CannotRun(`input ${d.index} (${d.name}) has dtype ${d.dtype}, which the harness cannot feed`);
  }
  for (const d of m.outputs) {
    if (!(d.dtype in DTYPE_WIDTH) || !DTYPE_WIDTH[d.dtype]) throw new CannotRun(`output ${d.index} (${d.name}) has dtype ${d.dtype}, which the harness cannot read`);
    const t = m.fb.tensors[d.tensor];
    if (!t || t.shape.length) continue;
    const prod = m.fb.operators.find((op) => op.outputs.includes(d.tensor));
    if (prod && prod.custom !== null) {
      throw new CannotRun(`output ${d.index} (${JSON.stringify(d.name)}) has no static shape (declared [], written by custom op ${prod.custom}); LiteRT wasm sizes output buffers from the declared shape and would overflow them`);
    }
  }
}

// Range of generated values for input d of model m (the model the inputs are generated for).
function inputRange(m, d, opts) {
  if (opts.ranges.has(d.index)) return { range: opts.ranges.get(d.index), source: 'option' };
  if (FLOAT_TYPES.has(d.dtype)) {
    const q = quantOf(d) ? { quantization: d.quantization, tensor: null } : consumerQuantization(m.fb, d.tensor);
    if (q) {
      const s = q.quantization.scale[0];
      const zp = q.quantization.zero_point[0];
      const t = q.tensor ? q.tensor.type : 'int8';
      const [qmin, qmax] = INT_RANGES[t] ?? INT_RANGES.int8;
      return {
        range: [Math.fround((qmin - zp) * s), Math.fround((qmax - zp) * s)],
        source: q.tensor ? `QUANTIZE to ${t} (scale ${s}, zero_point ${zp})` : 'tensor quantization',
      };
    }
    return { range: [-1, 1], source: 'default' };
  }
  return { range: INT_RANGES[d.dtype], source: 'dtype' };
}

async function loadOrExit(rt, file, label) {
  try {
    const m = await rt.loadModel(file);
    checkRunnable(m);
    return m;
  } catch (e) {
    if (e instanceof CannotRun) throw new CannotRun(`${label ? label + ' ' : ''}${file}: ${e.message}`);
    throw e;
  }
}

function outputRecord(o, full) {
  const vals = decode(o.dtype, o.bytes);
  const r = { dtype: o.dtype, shape: o.shape, sha256: sha256(o.bytes) };
  if (o.note) r.note = o.note;
  if (full || vals.length <= 64) r.values = vals.map(jsonValue);
  else { r.first = vals.slice(0, 16).map(jsonValue); r.count = vals.length; }
  return r;
}

// ---------------------------------------------------------------- run
async function cmdRun(opts) {
  if (opts.pos.length !== 1) throw new Usage('run needs exactly one MODEL');
  const t0 = performance.now();
  const rt = await Runtime.load({ build: opts.build, verbose: opts.verbose });
  const t1 = performance.now();
  const m = await loadOrExit(rt, opts.pos[0]);
  const t2 = performance.now();
  const ranges = m.inputs.map((d) => inputRange(m, d, opts));
  const report = {
    model: opts.pos[0],
    runtime: rt.version,
    seed: opts.seed,
    count: opts.count,
    inputs: m.inputs.map((d, i) => ({ ...describeTensor(d), range: ranges[i].range, range_source: ranges[i].source })),
    outputs: m.outputs.map(describeTensor),
    custom_ops: m.fb.customOps,
    runs: [],
  };
  for (let r = 0; r < opts.count; r++) {
    const ins = m.inputs.map((d, i) => generate(streamFor(opts.seed, r, i), d.dtype, numElems(d.shape), ...ranges[i].range));
    let outs;
    try {
      outs = await m.run(ins.map((x) => x.bytes));
    } catch (e) {
      if (e instanceof CannotRun) throw new CannotRun(`${opts.pos[0]}: ${e.message}`);
      throw e;
    }
    report.runs.push({ run: r, inputs_sha256: ins.map((x) => sha256(x.bytes)), outputs: outs.map((o) => outputRecord(o, opts.full)) });
  }
  const t3 = performance.now();
  report.timing_ms = {
    runtime_load: +(t1 - t0).toFixed(1),
    model_load: +(t2 - t1).toFixed(1),
    runs: +(t3 - t2).toFixed(1),
  };
  process.stdout.write(toJson(report) + '\n');
  m.delete();
  return 0;
}

// ---------------------------------------------------------------- compare
class Differ extends Error {}

// The --quantize-inputs/--dequantize-outputs entry for index: an explicit
// I=SCALE,ZP wins over 'auto'.
function specFor(list, index) {
  let found = null;
  for (const s of list) {
    if (s.auto) found = found ?? s;
    else if (s.index === index) found = s;
  }
  return found;
}

// Decide how A's input i maps to B's input j. Returns a converter
// { describe, make(next) -> {a: bytes, b: bytes} }.
function planInput(A, B, i, j, opts) {
  const a = A.inputs[i];
  const b = B.inputs[j];
  if (numElems(a.shape) !== numElems(b.shape) || a.shape.join('x') !== b.shape.join('x')) {
    throw new Differ(`input shapes differ: A input ${i} (${a.name}) [${a.shape}] vs B input ${j} (${b.name}) [${b.shape}]`);
  }
  const n = numElems(a.shape);
  if (a.dtype === b.dtype) {
    const { range } = inputRange(A, a, opts);
    return {
      describe: `A[${i}] -> B[${j}] same bytes (${a.dtype}, range [${range}])`,
      make: (next) => { const g = generate(next, a.dtype, n, ...range); return { a: g.bytes, b: g.bytes }; },
    };
  }
  const spec = specFor(opts.quantizeInputs, i);
  if (!spec) {
    throw new Differ(`input dtypes differ: A input ${i} (${a.name}) ${a.dtype} vs B input ${j} (${b.name}) ${b.dtype}; pass --quantize-inputs auto (or SCALE,ZP) if B expects A's input quantized`);
  }
  if (!(b.dtype in INT_RANGES) || b.dtype === 'bool' || FLOAT_TYPES.has(b.dtype)) {
    throw new CannotRun(`--quantize-inputs: B input ${j} has dtype ${b.dtype}, not an integer type`);
  }
  const qb = spec.auto ? quantOf(b) : { scale: spec.scale, zp: spec.zp };
  if (!qb) throw new CannotRun(`--quantize-inputs auto: B input ${j} (${b.name}) has no per-tensor quantization; give SCALE,ZP`);
  const [bmin, bmax] = INT_RANGES[b.dtype];
  if (a.dtype === 'float32') {
    if (opts.floatInputs === 'grid') {
      // Draw B's integer q, feed A the float that represents it exactly.
      return {
        describe: `A[${i}] float32 = (${minusZp('q', qb.zp)}) * ${qb.scale}  <-  B[${j}] ${b.dtype} q in [${bmin},${bmax}] (grid)`,
        make: (next) => {
          const g = generate(next, b.dtype, n, bmin, bmax);
          const af = g.values.map((q) => Math.fround((q - qb.zp) * qb.scale));
          return { a: encode('float32', af), b: g.bytes };
        },
      };
    }
    const lo = Math.fround((bmin - qb.zp - 0.5) * qb.scale);
    const hi = Math.fround((bmax - qb.zp + 0.5) * qb.scale);
    return {
      describe: `A[${i}] float32 uniform in [${lo},${hi}] -> B[${j}] ${b.dtype} q = clamp(${b.dtype === 'int16' ? 'round_half_away(x / scale)' : 'round_half_even(x * (1/scale))'} + zp), scale ${qb.scale}, zp ${qb.zp} (uniform: not a proof at ties)`,
      make: (next) => {
        const g = generate(next, 'float32', n, lo, hi);
        const qs = g.values.map((x) => quantizeLikeRuntime(x, qb.scale, qb.zp, b.dtype));
        return { a: g.bytes, b: encode(b.dtype, qs) };
      },
    };
  }
  if (a.dtype in INT_RANGES && !FLOAT_TYPES.has(a.dtype)) {
    // Integer -> integer requantization (e.g. uint8 <-> int8): exact only
    // when the scales agree, then q_b = q_a - zp_a + zp_b.
    const qa = quantOf(a);
    if (!qa) throw new CannotRun(`--quantize-inputs: A input ${i} (${a.name}) ${a.dtype} has no per-tensor quantization`);
    if (qa.scale !== qb.scale) throw new CannotRun(`--quantize-inputs: A input ${i} scale ${qa.scale} != B scale ${qb.scale}; integer requantization would not be exact`);
    const [amin, amax] = INT_RANGES[a.dtype];
    const lo = Math.max(bmin, amin - qa.zp + qb.zp);
    const hi = Math.min(bmax, amax - qa.zp + qb.zp);
    return {
      describe: `A[${i}] ${a.dtype} q_a = ${minusZp('q_b', qb.zp - qa.zp)}  <-  B[${j}] ${b.dtype} q_b in [${lo},${hi}] (same scale ${qb.scale})`,
      make: (next) => {
        const g = generate(next, b.dtype, n, lo, hi);
        return { a: encode(a.dtype, g.values.map((q) => q - qb.zp + qa.zp)), b: g.bytes };
      },
    };
  }
  throw new CannotRun(`--quantize-inputs: cannot map A input ${i} dtype ${a.dtype} to B ${b.dtype}`);
}

// How to compare A's output k with B's output l: returns
// { describe, compare(aOut, bOut) -> null | {index, a, b, count} }.
function planOutput(A, B, k, l, opts) {
  const a = A.outputs[k];
  const b = B.outputs[l];
  if (a.dtype === b.dtype) {
    return {
      describe: `A[${k}] vs B[${l}] bit-exact (${a.dtype})`,
      compare: (ao, bo) => bitCompare(ao, bo),
    };
  }
  const spec = specFor(opts.dequantizeOutputs, k);
  if (!spec) {
    throw new Differ(`output dtypes differ: A output ${k} (${a.name}) ${a.dtype} vs B output ${l} (${b.name}) ${b.dtype}; pass --dequantize-outputs auto (or SCALE,ZP) if B returns A's output quantized`);
  }
  if (!(b.dtype in INT_RANGES) || FLOAT_TYPES.has(b.dtype) || b.dtype === 'bool') {
    throw new CannotRun(`--dequantize-outputs: B output ${l} has dtype ${b.dtype}, not an integer type`);
  }
  const qb = spec.auto ? quantOf(b) : { scale: spec.scale, zp: spec.zp };
  if (!qb) throw new CannotRun(`--dequantize-outputs auto: B output ${l} (${b.name}) has no per-tensor quantization; give SCALE,ZP`);
  if (a.dtype === 'float32') {
    const pq = producerQuantization(A.fb, a.tensor);
    const note = pq && (pq.quantization.scale[0] !== qb.scale || pq.quantization.zero_point[0] !== qb.zp)
      ? ` (warning: A's DEQUANTIZE input has scale ${pq.quantization.scale[0]}, zero_point ${pq.quantization.zero_point[0]})` : '';
    return {
      describe: `A[${k}] float32 vs float32((${minusZp(`B[${l}]`, qb.zp)}) * ${qb.scale}) bit-exact (B ${b.dtype})${note}`,
      compare: (ao, bo) => {
        const av = decode('float32', ao.bytes);
        const bq = decode(b.dtype, bo.bytes);
        if (av.length !== bq.length) return { shape: true };
        const bv = bq.map((q) => dequantize(q, qb.scale, qb.zp));
        return firstDiff(av, bv, (x, y) => Object.is(x, y), (idx) => `${bv[idx]} (q=${bq[idx]})`);
      },
    };
  }
  if (a.dtype in INT_RANGES && !FLOAT_TYPES.has(a.dtype)) {
    const qa = quantOf(a);
    if (!qa) throw new CannotRun(`--dequantize-outputs: A output ${k} (${a.name}) ${a.dtype} has no per-tensor quantization`);
    if (qa.scale !== qb.scale) throw new CannotRun(`--dequantize-outputs: A output ${k} scale ${qa.scale} != B scale ${qb.scale}`);
    return {
      describe: `A[${k}] ${a.dtype} (${minusZp('q', qa.zp)}) vs B[${l}] ${b.dtype} (${minusZp('q', qb.zp)}) exact (same scale ${qb.scale})`,
      compare: (ao, bo) => {
        const av = decode(a.dtype, ao.bytes).map((q) => Number(q) - qa.zp);
        const bv = decode(b.dtype, bo.bytes).map((q) => Number(q) - qb.zp);
        if (av.length !== bv.length) return { shape: true };
        return firstDiff(av, bv, (x, y) => x === y, (idx) => `${bv[idx] + qb.zp}`, (idx) => `${av[idx] + qa.zp}`);
      },
    };
  }
  throw new CannotRun(`--dequantize-outputs: cannot map A output ${k} dtype ${a.dtype} to B ${b.dtype}`);
}

function firstDiff(av, bv, eq, showB, showA) {
  let first = -1;
  let count = 0;
  for (let i = 0; i < av.length; i++) {
    if (!eq(av[i], bv[i])) { if (first < 0) first = i; count++; }
  }
  if (first < 0) return null;
  return { index: first, a: showA ? showA(first) : String(jsonValue(av[first])), b: showB(first), count, total: av.length };
}

function bitCompare(ao, bo) {
  if (ao.bytes.length !== bo.bytes.length) return { shape: true };
  if (Buffer.compare(Buffer.from(ao.bytes), Buffer.from(bo.bytes)) === 0) return null;
  const av = decode(ao.dtype, ao.bytes);
  const bv = decode(bo.dtype, bo.bytes);
  const w = DTYPE_WIDTH[ao.dtype];
  const same = (i) => Buffer.compare(Buffer.from(ao.bytes.subarray(i * w, i * w + w)), Buffer.from(bo.bytes.subarray(i * w, i * w + w))) === 0;
  let first = -1;
  let count = 0;
  for (let i = 0; i < av.length; i++) if (!same(i)) { if (first < 0) first = i; count++; }
  return { index: first, a: String(jsonValue(av[first])), b: String(jsonValue(bv[first])), count, total: av.length };
}

function unravel(idx, shape) {
  const out = [];
  for (let d = shape.length - 1; d >= 0; d--) { out.unshift(idx % shape[d]); idx = Math.floor(idx / shape[d]); }
  return out;
}

function buildMap(map, nA, nB, what) {
  if (!map) {
    if (nA !== nB) throw new Differ(`A has ${nA} ${what}s, B has ${nB}`);
    return Array.from({ length: nA }, (_, i) => i);
  }
  const out = [];
  const used = new Set();
  for (let i = 0; i < nA; i++) {
    const j = map.has(i) ? map.get(i) : i;
    if (j >= nB) throw new Usage(`--${what}-map: B has no ${what} ${j}`);
    if (used.has(j)) throw new Usage(`--${what}-map: B ${what} ${j} used twice (unmapped A ${what}s map to the same index)`);
    used.add(j);
    out.push(j);
  }
  for (const k of map.keys()) if (k >= nA) throw new Usage(`--${what}-map: A has no ${what} ${k}`);
  if (used.size !== nB) throw new Differ(`A has ${nA} ${what}s, B has ${nB}`);
  return out;
}

async function cmdCompare(opts) {
  if (opts.pos.length !== 2) throw new Usage('compare needs two models A B');
  const [fa, fb] = opts.pos;
  const t0 = performance.now();
  const rt = await Runtime.load({ build: opts.build, verbose: opts.verbose });
  const A = await loadOrExit(rt, fa, 'A');
  const B = await loadOrExit(rt, fb, 'B');
  const report = { a: fa, b: fb, runtime: rt.version, seed: opts.seed, count: opts.count };
  const say = (line) => { if (!opts.json) process.stdout.write(line + '\n'); };
  const finish = (verdict, code, extra = {}) => {
    Object.assign(report, { verdict }, extra, { elapsed_ms: +(performance.now() - t0).toFixed(1) });
    if (opts.json) process.stdout.write(toJson(report) + '\n');
    return code;
  };
  let inPlans;
  let outPlans;
  let imap;
  let omap;
  try {
    imap = buildMap(opts.inputMap, A.inputs.length, B.inputs.length, 'input');
    omap = buildMap(opts.outputMap, A.outputs.length, B.outputs.length, 'output');
    inPlans = imap.map((j, i) => planInput(A, B, i, j, opts));
    outPlans = omap.map((l, k) => planOutput(A, B, k, l, opts));
    for (let k = 0; k < omap.length; k++) {
      const a = A.outputs[k];
      const b = B.outputs[omap[k]];
      if (a.shape.join('x') !== b.shape.join('x')) {
        throw new Differ(`output shapes differ: A output ${k} (${a.name}) [${a.shape}] vs B output ${omap[k]} (${b.name}) [${b.shape}]`);
      }
    }
  } catch (e) {
    if (e instanceof Differ) {
      say(`DIFFER: ${e.message}`);
      return finish('differ', 1, { reason: e.message });
    }
    throw e;
  }
  report.inputs = inPlans.map((p) => p.describe);
  report.outputs = outPlans.map((p) => p.describe);
  if (opts.verbose) for (const l of [...report.inputs, ...report.outputs]) process.stderr.write(`plan: ${l}\n`);
  let firstDiffRec = null;
  let diffRuns = 0;
  // Did A's outputs change at all across runs? A model that maps every
  // generated input to the same output makes "identical" weak evidence.
  let firstOutHash = null;
  let outputsVary = false;
  for (let r = 0; r < opts.count; r++) {
    const gen = inPlans.map((p, i) => p.make(streamFor(opts.seed, r, i)));
    const aIn = gen.map((g) => g.a);
    const bIn = new Array(B.inputs.length);
    imap.forEach((j, i) => { bIn[j] = gen[i].b; });
    let ao;
    let bo;
    try { ao = await A.run(aIn); } catch (e) { if (e instanceof CannotRun) throw new CannotRun(`A ${fa}: ${e.message}`); throw e; }
    try { bo = await B.run(bIn); } catch (e) { if (e instanceof CannotRun) throw new CannotRun(`B ${fb}: ${e.message}`); throw e; }
    const h = sha256(Buffer.concat(ao.map((o) => Buffer.from(o.bytes))));
    if (firstOutHash === null) firstOutHash = h;
    else if (h !== firstOutHash) outputsVary = true;
    let runDiff = false;
    for (let k = 0; k < outPlans.length; k++) {
      const l = omap[k];
      const d = outPlans[k].compare(ao[k], bo[l]);
      if (!d) continue;
      runDiff = true;
      if (!firstDiffRec) {
        const name = A.outputs[k].name;
        if (d.shape) {
          firstDiffRec = { run: r, output: k, b_output: l, name, message: `run ${r}: output ${k} (${name}) sizes differ: A ${ao[k].bytes.length} bytes [${ao[k].shape}], B ${bo[l].bytes.length} bytes [${bo[l].shape}]` };
        } else {
          const at = unravel(d.index, A.outputs[k].shape);
          firstDiffRec = {
            run: r, output: k, b_output: l, name, element: d.index, at, a: d.a, b: d.b, differing: d.count, total: d.total,
            message: `run ${r}: output ${k} (${name}) element ${d.index} [${at}]: A=${d.a} B=${d.b} (${d.count} of ${d.total} elements differ)`,
          };
        }
      }
    }
    if (runDiff) diffRuns++;
  }
  A.delete();
  B.delete();
  if (firstDiffRec) {
    say(`DIFFER: ${firstDiffRec.message}; ${diffRuns} of ${opts.count} runs differ (seed ${opts.seed})`);
    return finish('differ', 1, { first_difference: firstDiffRec, differing_runs: diffRuns });
  }
  if (opts.count === 0 && opts.strict) {
    say('cannot decide: --count 0');
    return finish('undecided', 2);
  }
  say(`IDENTICAL: ${opts.count} runs x ${outPlans.length} outputs (seed ${opts.seed}); ${report.inputs.join('; ')}`);
  const extra = {};
  if (opts.count > 1 && !outputsVary) {
    extra.warning = `A's outputs were the same for all ${opts.count} input sets: weak evidence (constant or saturated model?)`;
    process.stderr.write(`warning: ${extra.warning}\n`);
  }
  return finish('identical', 0, extra);
}

// ---------------------------------------------------------------- selftest
function cmdSelftest(opts) {
  const corpus = opts.corpus;
  if (!corpus) throw new Usage('selftest needs --corpus DIR');
  if (!fs.existsSync(PKG_DIR)) {
    process.stderr.write(`FAIL: LiteRT runtime not installed (${PKG_DIR} missing); run \`npm ci --prefix tools/litert\` from the repository root\n`);
    return 2;
  }
  const f = (rel) => path.join(corpus, rel);
  const M = {
    franco: f('MarcelloCeresini__Franco/model.tflite'),
    francoTpu: f('MarcelloCeresini__Franco/model_edgetpu.tflite'),
    mnist4: f('system-software-lab__nrf20/convert__mnist4.tflite'),
    mnist7: f('system-software-lab__nrf20/convert__quantize__tensorflow_lite__mnist7.tflite'),
    mnist9: f('system-software-lab__nrf20/convert__quantize__tensorflow_lite__mnist9.tflite'),
    mmMnist: f('markusmeingast__Keras-MNIST-to-TPU/612385f__02-Keras-MNIST__mnist.tflite'),
    pad: f('iwatake2222__EdgeTPU_Analysis/InOut__model_padding__model_padding_2x2x3.tflite'),
  };
  for (const [k, p] of Object.entries(M)) {
    if (!fs.existsSync(p)) {
      process.stderr.write(`FAIL: corpus model ${k} missing: ${p}\n`);
      return 2;
    }
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'etpu-litert-'));
  const francoBytes = fs.readFileSync(M.franco);
  const truncated = path.join(tmp, 'truncated.tflite');
  fs.writeFileSync(truncated, francoBytes.subarray(0, Math.floor(francoBytes.length / 3)));
  const garbage = path.join(tmp, 'garbage.tflite');
  fs.writeFileSync(garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 255)));
  // Weights changed in place: still a valid model, must compute something else.
  const tweaked = path.join(tmp, 'tweaked.tflite');
  fs.writeFileSync(tweaked, tweakWeight(francoBytes));

  // The rewrite `etpu fix` performs for float-I/O models: drop the input
  // QUANTIZE / output DEQUANTIZE, leaving int8 I/O.
  const stripped = path.join(tmp, 'mnist4_int8_io.tflite');
  fs.writeFileSync(stripped, stripIoQuant(fs.readFileSync(M.mnist4)));

  const common = ['--wasm-build', opts.build];
  const cases = [
    { name: 'run int8 model', args: ['run', M.franco, '--count', '2'], code: 0, out: /"dtype": "int8"/ },
    { name: 'run float-I/O model', args: ['run', M.mnist4, '--count', '2'], code: 0, out: /"dtype": "float32"/ },
    { name: 'same model (int8) is identical', args: ['compare', M.franco, M.franco], code: 0, out: /^IDENTICAL/ },
    { name: 'same model (float I/O) is identical', args: ['compare', M.mnist4, M.mnist4], code: 0, out: /^IDENTICAL/ },
    { name: 'same model (uint8 PAD) is identical', args: ['compare', M.pad, M.pad], code: 0, out: /^IDENTICAL/ },
    { name: 'different models, same I/O, differ', args: ['compare', M.mnist9, M.mmMnist], code: 1, out: /^DIFFER: run 0: output 0/ },
    { name: 'weights changed in place differ', args: ['compare', M.franco, tweaked, '--count', '8'], code: 1, out: /^DIFFER: run \d+: output 0/ },
    { name: 'float I/O vs QUANTIZE/DEQUANTIZE-stripped int8 I/O is identical (grid)', args: ['compare', M.mnist4, stripped, '--quantize-inputs', 'auto', '--dequantize-outputs', 'auto'], code: 0, out: /^IDENTICAL/ },
    { name: 'same, uniform float inputs quantized like the runtime', args: ['compare', M.mnist4, stripped, '--quantize-inputs', 'auto', '--dequantize-outputs', 'auto', '--float-inputs', 'uniform'], code: 0, out: /^IDENTICAL/ },
    { name: 'same, wrong input scale differs', args: ['compare', M.mnist4, stripped, '--quantize-inputs', '0.0078125,-128', '--dequantize-outputs', 'auto'], code: 1, out: /^DIFFER: run 0/ },
    { name: 'same, without --quantize-inputs differs', args: ['compare', M.mnist4, stripped], code: 1, out: /input dtypes differ/ },
    { name: 'uint8 I/O vs int8 I/O of the same net is identical', args: ['compare', M.mnist9, M.mnist7, '--quantize-inputs', 'auto', '--dequantize-outputs', 'auto'], code: 0, out: /^IDENTICAL/ },
    { name: 'compiled Edge TPU model cannot run', args: ['run', M.francoTpu], code: 2, err: /custom op edgetpu-custom-op/ },
    { name: 'compare against compiled model cannot decide', args: ['compare', M.franco, M.francoTpu], code: 2, err: /^cannot run: B .*custom op edgetpu-custom-op/ },
    { name: 'truncated model fails cleanly', args: ['run', truncated], code: 2, err: /cannot load model/ },
    { name: 'garbage model fails cleanly', args: ['compare', garbage, M.franco], code: 2, err: /^cannot run: A .*cannot load model/ },
    { name: 'missing file fails cleanly', args: ['run', path.join(tmp, 'nope.tflite')], code: 2, err: /cannot read .*ENOENT/ },
  ];
  let failed = 0;
  for (const c of cases) {
    const t = performance.now();
    const p = spawnSync(process.execPath, [SELF, ...c.args, ...common], { encoding: 'utf8', timeout: 120000 });
    const ms = (performance.now() - t).toFixed(0);
    const errLines = (p.stderr || '').trim().split('\n').filter(Boolean);
    let ok = p.status === c.code;
    if (ok && c.out) ok = c.out.test(p.stdout);
    if (ok && c.err) ok = c.err.test(errLines[errLines.length - 1] || '');
    // Failures must be one clean line, never a stack trace.
    if (ok && c.code === 2) ok = errLines.length === 1 && !/\n\s+at /.test(p.stderr);
    process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${c.name} (exit ${p.status}, ${ms} ms)\n`);
    if (!ok) {
      failed++;
      process.stdout.write(`     cmd: node litert_run.mjs ${c.args.join(' ')}\n     expected exit ${c.code}; stdout: ${(p.stdout || '').slice(0, 400)}\n     stderr: ${(p.stderr || '').slice(0, 800)}\n`);
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  process.stdout.write(`${failed ? 'FAILED' : 'PASSED'}: ${cases.length - failed}/${cases.length}\n`);
  return failed ? 1 : 0;
}

// Change some bytes of the largest constant buffer of the model (a weight),
// in place: the flatbuffer stays valid, the computation changes.
function tweakWeight(bytes) {
  const out = Buffer.from(bytes);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const root = dv.getUint32(0, true);
  const vt = root - dv.getInt32(root, true);
  const fo = dv.getUint16(vt + 4 + 2 * 4, true); // Model.buffers (field 4)
  const vec = root + fo + dv.getUint32(root + fo, true);
  let best = null;
  for (let i = 0; i < dv.getUint32(vec, true); i++) {
    const b = vec + 4 + 4 * i + dv.getUint32(vec + 4 + 4 * i, true);
    const bvt = b - dv.getInt32(b, true);
    if (dv.getUint16(bvt, true) <= 4) continue;
    const dfo = dv.getUint16(bvt + 4, true);
    if (!dfo) continue;
    const data = b + dfo + dv.getUint32(b + dfo, true);
    const n = dv.getUint32(data, true);
    if (!best || n > best.n) best = { pos: data + 4, n };
  }
  if (!best) throw new Error('no constant buffer to tweak');
  // Flip bits of 64 bytes spread over the whole buffer (many neurons/channels).
  const step = Math.max(1, Math.floor(best.n / 64));
  for (let i = 0; i < best.n; i += step) out[best.pos + i] ^= 0x55;
  return out;
}

// ---------------------------------------------------------------- main
async function main() {
  const argv = process.argv.slice(2);
  const cmd = argv.shift();
  let opts;
  try {
    opts = parseArgs(argv);
    if (!cmd || cmd === '-h' || cmd === '--help' || opts.help) { process.stdout.write(USAGE + '\n'); return cmd ? 0 : 2; }
    if (cmd === 'run') return await cmdRun(opts);
    if (cmd === 'compare') return await cmdCompare(opts);
    if (cmd === 'selftest') return cmdSelftest(opts);
    throw new Usage(`unknown command '${cmd}'`);
  } catch (e) {
    if (e instanceof Usage) { process.stderr.write(`usage error: ${e.message}\n${USAGE}\n`); return 2; }
    if (e instanceof CannotRun) { process.stderr.write(`cannot run: ${e.message}\n`); return 2; }
    // Anything else (wasm trap, out of memory, bug): still one line, exit 2.
    const msg = e && e.message ? e.message : String(e);
    process.stderr.write(`cannot run: internal error: ${e && e.name ? e.name + ': ' : ''}${msg}\n`);
    if (opts && opts.verbose && e && e.stack) process.stderr.write(e.stack + '\n');
    return 2;
  }
}

// Wasm traps inside promise callbacks end up here.
process.on('unhandledRejection', (e) => {
  process.stderr.write(`cannot run: internal error: ${e && e.message ? e.message : e}\n`);
  process.exit(2);
});
process.exitCode = await main();
// Leave no wasm/emscripten handles keeping node alive.
process.exit(process.exitCode);
