// Thin wrapper around LiteRT's WebAssembly build (@litertjs/core) for node.
//
// The package's high-level Tensor API only knows float32/int32/uint8, so this
// wrapper drives the embind objects (LiteRtModel, LiteRtCompiledModel,
// LiteRtTensorBuffer) directly with raw bytes: every element type the runtime
// itself supports (int8, int16, int64, bool, float16, ...) can be fed and read.
//
// Errors: LiteRT reports most failures (unresolved custom ops, failed
// Prepare/Eval) as "ERROR: ..." lines on its stderr channel while the call
// still returns normally. All runtime output is captured here; any ERROR line
// during load/compile/run turns into a CannotRun exception.

import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseTflite, resolveSignatureTensors, FlatbufferError } from './tflite.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const TOOL_DIR = path.resolve(HERE, '..');
export const PKG_DIR = path.join(TOOL_DIR, 'node_modules', '@litertjs', 'core');
export const WASM_DIR = path.join(PKG_DIR, 'wasm');

// "compat" = plain SIMD128 build (deterministic across hosts); "simd" = the
// relaxed-SIMD build LiteRT picks in browsers that support it.
export const WASM_BUILDS = {
  compat: 'litert_wasm_compat_internal.js',
  simd: 'litert_wasm_internal.js',
};

// Exit-code-2 class of failure: the model (or the runtime) could not be used.
export class CannotRun extends Error {}

// LiteRT ElementType enum (litert_model_types.h) -> our dtype names/widths.
const ELEMENT_TYPES = {
  1: ['float32', 4], 2: ['int32', 4], 3: ['uint8', 1], 4: ['int64', 8],
  5: ['string', 0], 6: ['bool', 1], 7: ['int16', 2], 8: ['complex64', 8],
  9: ['int8', 1], 10: ['float16', 2], 11: ['float64', 8], 12: ['complex128', 16],
  13: ['uint64', 8], 14: ['resource', 0], 15: ['variant', 0], 16: ['uint32', 4],
  17: ['uint16', 2], 18: ['int4', 0], 19: ['bfloat16', 2],
};
export const DTYPE_WIDTH = Object.fromEntries(Object.values(ELEMENT_TYPES));

function vecToArray(v) {
  const out = [];
  for (let i = 0; i < v.size(); i++) out.push(v.get(i));
  v.delete();
  return out;
}

function describeErrors(lines) {
  const errs = lines.filter((l) => /^ERROR:/.test(l));
  for (const l of errs) {
    const m = /unresolved custom op: ([^\s.]+(?:\.[^\s.]+)*)\.?/.exec(l);
    if (m) return `custom op ${m[1]} is not available in LiteRT`;
  }
  for (const l of errs) {
    const m = /Didn't find op for builtin opcode '([^']+)' version '(\d+)'/.exec(l);
    if (m) return `builtin op ${m[1]} version ${m[2]} is not available in LiteRT`;
  }
  // Distinct messages (tensor numbers folded), at most three of them.
  const seen = new Map();
  for (const l of errs) {
    const msg = l.replace(/^ERROR:\s*/, '');
    const key = msg.replace(/\d+/g, '#');
    if (!seen.has(key)) seen.set(key, { msg, n: 0 });
    seen.get(key).n++;
  }
  const parts = [...seen.values()].map(({ msg, n }) => (n > 1 ? `${msg} (x${n})` : msg));
  return parts.slice(0, 3).join(' | ') + (parts.length > 3 ? ` | (${parts.length - 3} more)` : '');
}

let shimInstalled = false;
function installShim(jsFile) {
  if (shimInstalled) return;
  shimInstalled = true;
  // The emscripten loader and @litertjs/wasm-utils expect a browser worker:
  // `self`, `importScripts`, a global `ModuleFactory`. In node the generated
  // code uses require('node:fs') to read the .wasm next to __filename.
  globalThis.self = globalThis;
  globalThis.require = createRequire(jsFile);
  globalThis.__dirname = path.dirname(jsFile) + '/';
  globalThis.__filename = jsFile;
  globalThis.importScripts = (url) => {
    const p = String(url).startsWith('file:') ? fileURLToPath(url) : String(url);
    vm.runInThisContext(fs.readFileSync(p, 'utf8'), { filename: p });
    globalThis.ModuleFactory = vm.runInThisContext('ModuleFactory');
  };
}

export class Runtime {
  static async load({ build = 'compat', verbose = false } = {}) {
    if (!fs.existsSync(PKG_DIR)) {
      throw new CannotRun(`LiteRT runtime not installed (${PKG_DIR} missing): run \`npm ci --prefix tools/litert\``);
    }
    const file = WASM_BUILDS[build];
    if (!file) throw new CannotRun(`unknown wasm build '${build}' (use ${Object.keys(WASM_BUILDS).join('|')})`);
    const jsFile = path.join(WASM_DIR, file);
    const rt = new Runtime(verbose);
    installShim(jsFile);
    // Route the runtime's stdout/stderr into our log (createWasmLib passes
    // self.Module to the emscripten factory).
    globalThis.Module = { print: (s) => rt.logLine(s), printErr: (s) => rt.logLine(s) };
    const pkg = JSON.parse(fs.readFileSync(path.join(PKG_DIR, 'package.json'), 'utf8'));
    rt.version = `@litertjs/core ${pkg.version} (${file.replace(/\.js$/, '')})`;
    const lt = await import(pathToFileURL(path.join(PKG_DIR, 'dist', 'index.js')).href);
    // Environment.create() tries navigator.gpu (absent in node) and warns.
    const warn = console.warn;
    console.warn = (...a) => rt.logLine('WARN(js): ' + a.map((x) => (x instanceof Error ? x.message : String(x))).join(' '));
    try {
      rt.liteRt = await lt.loadLiteRt(jsFile);
    } catch (e) {
      const msg = e && e.message ? e.message : String(e);
      const hint = /simd opcode not available/.test(msg) ? ' (the simd build needs `node --experimental-wasm-relaxed-simd` on node 20)' : '';
      throw new CannotRun(`cannot load the LiteRT wasm runtime: ${msg.split('\n')[0]}${hint}`);
    } finally {
      console.warn = warn;
    }
    rt.W = rt.liteRt.liteRtWasm;
    rt.env = rt.liteRt.getDefaultEnvironment();
    return rt;
  }

  constructor(verbose) {
    this.verbose = verbose;
    this.log = [];
  }

  logLine(s) {
    this.log.push(String(s));
    if (this.log.length > 10000) this.log.splice(0, 5000);
    if (this.verbose) process.stderr.write(`[litert] ${s}\n`);
  }

  // Run fn (sync or async); throw CannotRun if it throws or logs ERROR lines.
  async guarded(what, fn) {
    const mark = this.log.length;
    let result;
    try {
      result = await fn();
    } catch (e) {
      const logged = describeErrors(this.log.slice(mark));
      const msg = e && e.message ? e.message : String(e);
      throw new CannotRun(`${what}: ${logged || msg}`);
    }
    const lines = this.log.slice(mark);
    if (lines.some((l) => /^ERROR:/.test(l))) {
      throw new CannotRun(`${what}: ${describeErrors(lines)}`);
    }
    return result;
  }

  async loadModel(file) {
    let bytes;
    try {
      bytes = new Uint8Array(fs.readFileSync(file));
    } catch (e) {
      throw new CannotRun(`cannot read ${file}: ${e.code || e.message}`);
    }
    let fb = null;
    let fbError = null;
    try {
      fb = parseTflite(bytes);
    } catch (e) {
      if (!(e instanceof FlatbufferError)) throw e;
      fbError = e.message;
    }
    const W = this.W;
    const ptr = W._malloc(Math.max(bytes.length, 1));
    W.HEAPU8.set(bytes, ptr);
    let model;
    try {
      model = await this.guarded('cannot load model', () => W.loadModel(this.env.liteRtEnvironment, ptr, bytes.length));
    } catch (e) {
      W._free(ptr);
      if (fbError) e.message += ` (${fbError})`;
      throw e;
    }
    if (!fb) {
      W._free(ptr);
      throw new CannotRun(`cannot load model: ${fbError}`);
    }
    let compiled;
    try {
      compiled = await this.guarded('cannot compile model', () =>
        W.compileModel(this.env.liteRtEnvironment, model, {
          environment: this.env,
          accelerator: 'wasm',
          cpuOptions: { numThreads: 1 },
          gpuOptions: {},
          webNNOptions: {},
        }));
    } catch (e) {
      model.delete();
      W._free(ptr);
      throw e;
    }
    return new LoadedModel(this, file, bytes, fb, ptr, model, compiled);
  }
}

function tensorTypeInfo(tt) {
  const et = tt.elementType();
  const code = et ? et.value : undefined;
  const layout = tt.layout();
  const dims = vecToArray(layout.dimensions());
  layout.delete();
  return { code, dims };
}

export class LoadedModel {
  constructor(rt, file, bytes, fb, ptr, model, compiled) {
    this.rt = rt;
    this.file = file;
    this.size = bytes.length;
    this.fb = fb;
    this.ptr = ptr;
    this.model = model;
    this.compiled = compiled;
    const sig = model.getSignature(0);
    this.signatureKey = sig.key();
    const inNames = vecToArray(sig.inputNames());
    const outNames = vecToArray(sig.outputNames());
    sig.delete();
    const inTensors = resolveSignatureTensors(fb, inNames, 'inputs');
    const outTensors = resolveSignatureTensors(fb, outNames, 'outputs');
    this.inputs = inNames.map((name, i) => this.describe(name, i, model.getInputTensorType(0, i), fb.tensors[inTensors[i]]));
    this.outputs = outNames.map((name, i) => this.describe(name, i, model.getOutputTensorType(0, i), fb.tensors[outTensors[i]]));
  }

  describe(name, index, tt, fbTensor) {
    const { code, dims } = tensorTypeInfo(tt);
    const rtTypeName = ELEMENT_TYPES[code] ? ELEMENT_TYPES[code][0] : undefined;
    const dtype = rtTypeName ?? (fbTensor ? fbTensor.type : `element${code}`);
    // Dynamic dims (-1 / 0 in the signature) run with size 1 (batch 1).
    const shape = dims.map((d) => (d > 0 ? d : 1));
    const d = {
      name,
      index,
      dtype,
      shape,
      tensor: fbTensor ? fbTensor.index : null,
      tensor_name: fbTensor ? fbTensor.name : null,
      elementCode: code,
      tensorType: tt,
    };
    if (fbTensor && fbTensor.shape_signature && fbTensor.shape_signature.some((x) => x < 0)) {
      d.shape_signature = fbTensor.shape_signature;
    }
    if (dims.some((x) => x <= 0)) d.runtime_dims = dims;
    if (fbTensor && fbTensor.quantization && fbTensor.quantization.scale) d.quantization = fbTensor.quantization;
    return d;
  }

  numElements(d) { return d.shape.reduce((a, b) => a * b, 1); }

  // inputs: array of Uint8Array (raw little-endian bytes), one per input.
  // Returns [{dtype, shape, bytes}] per output.
  async run(inputs) {
    const { rt } = this;
    const W = rt.W;
    if (inputs.length !== this.inputs.length) throw new Error(`expected ${this.inputs.length} inputs, got ${inputs.length}`);
    const bufs = [];
    let outs = [];
    try {
      for (let i = 0; i < inputs.length; i++) {
        const d = this.inputs[i];
        let tt = d.tensorType;
        let own = null;
        if (d.runtime_dims) {
          const vec = new W.VectorInt32();
          for (const x of d.shape) vec.push_back(x);
          const layout = W.LiteRtLayout.create(vec);
          vec.delete();
          own = W.LiteRtRankedTensorType.create({ value: d.elementCode }, layout);
          layout.delete();
          tt = own;
        }
        const nbytes = tt.bytes();
        if (nbytes !== inputs[i].length) {
          if (own) own.delete();
          throw new CannotRun(`input ${i} (${d.name}) needs ${nbytes} bytes, got ${inputs[i].length}`);
        }
        const tb = await rt.guarded(`cannot create input buffer ${i}`, () =>
          W.LiteRtTensorBuffer.createManaged(rt.env.liteRtEnvironment, W.LiteRtTensorBufferType.HOST_MEMORY, tt, Math.max(nbytes, 1)));
        if (own) own.delete();
        bufs.push(tb);
        const p = tb.lock(W.LiteRtTensorBufferLockMode.WRITE);
        W.HEAPU8.set(inputs[i], p);
        tb.unlock();
      }
      outs = await rt.guarded('inference failed', () => this.compiled.run(0, bufs));
      return outs.map((ob, k) => {
        const d = this.outputs[k];
        const n = ob.packedSize();
        const p = ob.lock(W.LiteRtTensorBufferLockMode.READ);
        const bytes = W.HEAPU8.slice(p, p + n);
        ob.unlock();
        const btt = ob.tensorType();
        const { dims } = tensorTypeInfo(btt);
        btt.delete();
        const width = DTYPE_WIDTH[d.dtype];
        const expect = width ? width * dims.reduce((a, b) => a * b, 1) : n;
        const r = { dtype: d.dtype, shape: dims, bytes };
        if (n !== expect) r.note = `buffer holds ${n} bytes for shape [${dims}]`;
        return r;
      });
    } finally {
      for (const b of bufs) b.delete();
      for (const o of outs) o.delete();
    }
  }

  delete() {
    for (const d of [...this.inputs, ...this.outputs]) d.tensorType.delete();
    this.compiled.delete();
    this.model.delete();
    this.rt.W._free(this.ptr);
  }
}
