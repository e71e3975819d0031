/**
 * Fused WGSL programs for `@tensorflow/tfjs-backend-webgpu`, run with `backend.runWebGPUProgram`.
 *
 * Layout: one workgroup of 256 threads per row of the output (a row is one draw of θ + γ, d
 * values). Thread t computes Philox blocks t, t + 256, … of the row's stretch of the key's stream
 * (word `row·d + j` for coordinate j, exactly `Noise.sampleVector32(noise, key, rows, d)`), so
 * one Philox call yields four coordinates, and keeps the row's values in registers (`K` blocks
 * per thread, a compile-time constant), so θ is read once and the output written once: the whole
 * sampler is one pass over memory with two workgroup reductions (max, then sum).
 *
 * The programs never read tfjs's generated accessors; they index the raw bindings, which tfjs
 * names after `variableNames` (`theta`, `tau`, `y`, `dy`) and `result` for the output.
 *
 * @since 0.1.0
 */
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu"
import { type KernelLawName, LAW_IDS as KERNEL_LAW_IDS } from "../internal/kernelLaw.js"
import { lawsWgsl, philoxWgsl } from "./philox.wgsl.js"

/**
 * The noise laws the kernels implement in closed form, with their WGSL branch index.
 *
 * @example
 * import { LAW_IDS } from "@perturb/core/gpu"
 * Object.keys(LAW_IDS) // the laws the WGSL kernels draw in one pass
 * @since 0.1.0
 * @category gpu
 */
export const LAW_IDS: typeof KERNEL_LAW_IDS = KERNEL_LAW_IDS

/**
 * @example
 * import type { GpuLaw } from "@perturb/core/gpu"
 * const law: GpuLaw = "Gumbel"
 * @since 0.1.0
 * @category gpu
 */
export type GpuLaw = KernelLawName

/**
 * Threads per workgroup: one workgroup per row, enough threads to hide Philox latency and few
 * enough that a 1000-wide row is one block (four values) per thread.
 *
 * @since 0.1.0
 * @category gpu
 */
export const WORKGROUP = 256

/**
 * Largest K (Philox blocks per thread kept in registers): rows up to 256·(4K − 2) ≈ 32k values.
 * Beyond that the per-thread arrays would spill to local memory and the kernel would lose its
 * single-pass design.
 *
 * @since 0.1.0
 * @category gpu
 */
export const MAX_BLOCKS_PER_THREAD = 32

/**
 * Philox blocks per thread for rows of d values: a row spans at most ⌊(d + 6)/4⌋ blocks (it may
 * start and end inside a block), shared by 256 threads.
 *
 * @since 0.1.0
 * @category gpu
 */
export const blocksPerThread = (d: number): number => Math.max(1, Math.ceil(Math.floor((d + 6) / 4) / WORKGROUP))

const header = (law: number): string => `const LAW : i32 = ${law};\n${philoxWgsl}\n${lawsWgsl}`

const commonUniforms = "d : i32, rows : i32, thetaRows : i32, k0 : u32, k1 : u32, p0 : f32, p1 : f32,"

/** One workgroup of `WORKGROUP` threads per row of the output [rows, d]: what the row programs share. */
abstract class RowProgram implements WebGPUProgram {
  abstract variableNames: Array<string>
  abstract shaderKey: string
  outputShape: Array<number>
  dispatchLayout: { x: Array<number> }
  dispatch: [number, number, number]
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1]
  uniforms = commonUniforms

  constructor(outputShape: [number, number]) {
    this.outputShape = outputShape
    this.dispatchLayout = { x: [0, 1] }
    this.dispatch = [outputShape[0], 1, 1]
  }

  abstract getUserCode(): string
}

/**
 * WGSL for a workgroup tree reduction of `v` over the 256 threads (op is `max` or `+`).
 * Barriers run in uniform control flow: every thread of the workgroup executes them.
 */
const reduceWgsl = (name: string, op: "max" | "sum"): string => `
fn ${name}(tid : i32, v : f32) -> f32 {
  red[tid] = v;
  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}; s > 0; s = s >> 1u) {
    if (tid < s) {
      ${op === "max" ? "red[tid] = max(red[tid], red[tid + s]);" : "red[tid] = red[tid] + red[tid + s];"}
    }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}`

/**
 * Loads the row's perturbed values into registers: `z[k][lane]` is (θ_j + γ_j)·scale for the
 * coordinate j of lane `lane` of this thread's k-th Philox block, or -3.4e38 outside the row.
 * `scale` is 1/τ (softmax) or 1 (argmax). Also tracks the thread's max and first argmax.
 */
const loadWgsl = (K: number): string => `
  let tid = i32(localId.x);
  let row = index / ${WORKGROUP};
  let valid = row < uniforms.rows;
  let d = uniforms.d;
  let trow = row % uniforms.thetaRows;
  let w0 = u32(row) * u32(d);
  let b0 = w0 >> 2u;
  let skip = i32(w0 & 3u);
  var z : array<vec4<f32>, ${K}>;
  var m = -3.4e38;
  var mi = 2147483647;
  for (var k = 0; k < ${K}; k++) {
    let blk = tid + k * ${WORKGROUP};
    let col0 = blk * 4 - skip;
    var v = vec4<f32>(-3.4e38);
    if (valid && col0 < d) {
      let w = philox(b0 + u32(blk), 0u, uniforms.k0, uniforms.k1);
      for (var lane = 0; lane < 4; lane++) {
        let col = col0 + lane;
        if (col >= 0 && col < d) {
          let g = quantile(uniform32(w[lane]), uniforms.p0, uniforms.p1);
          let x = (theta[trow * d + col] + g) * scale;
          v[lane] = x;
          if (x > m) { m = x; mi = col; }
        }
      }
    }
    z[k] = v;
  }`

/**
 * Forward Perturb-Softmax: y = softmax((θ + γ)/τ) per row, or (with `withGrad`) the backward pass
 * recomputed from θ and the key: dθ = y∘(dy − ⟨dy, y⟩)/τ. Recomputing the noise costs one Philox
 * pass and saves keeping y alive for straight-through estimators, whose forward output is one-hot.
 *
 * @since 0.1.0
 * @category gpu
 */
export class SoftmaxProgram extends RowProgram {
  variableNames: Array<string>
  shaderKey: string
  readonly K: number
  readonly law: number
  readonly withGrad: boolean

  constructor(outputShape: [number, number], law: number, withGrad: boolean) {
    super(outputShape)
    this.K = blocksPerThread(outputShape[1])
    this.law = law
    this.withGrad = withGrad
    this.variableNames = withGrad ? ["theta", "tau", "dy"] : ["theta", "tau"]
    this.shaderKey = `perturbSoftmax_${law}_${this.K}_${withGrad ? "grad" : "fwd"}`
  }

  getUserCode(): string {
    const K = this.K
    return `
${header(this.law)}
var<workgroup> red : array<f32, ${WORKGROUP}>;
${reduceWgsl("rowMax", "max")}
${reduceWgsl("rowSum", "sum")}
fn main(index : i32) {
  let scale = 1.0 / tau[min(index / ${WORKGROUP}, uniforms.rows - 1) % uniforms.thetaRows];
  ${loadWgsl(K)}
  let M = rowMax(tid, m);
  var s = 0.0;
  for (var k = 0; k < ${K}; k++) {
    let e = exp(z[k] - vec4<f32>(M));
    z[k] = e;
    s = s + e.x + e.y + e.z + e.w;
  }
  let inv = 1.0 / rowSum(tid, s);
  ${this.withGrad ? `
  // ⟨dy, y⟩ for the row, then dθ = y∘(dy − ⟨dy, y⟩)/τ.
  var t = 0.0;
  for (var k = 0; k < ${K}; k++) {
    let col0 = (tid + k * ${WORKGROUP}) * 4 - skip;
    for (var lane = 0; lane < 4; lane++) {
      let col = col0 + lane;
      if (valid && col >= 0 && col < d) {
        t = t + dy[row * d + col] * z[k][lane] * inv;
      }
    }
  }
  let rowDot = rowSum(tid, t);
  for (var k = 0; k < ${K}; k++) {
    let col0 = (tid + k * ${WORKGROUP}) * 4 - skip;
    for (var lane = 0; lane < 4; lane++) {
      let col = col0 + lane;
      if (valid && col >= 0 && col < d) {
        let y = z[k][lane] * inv;
        result[row * d + col] = y * (dy[row * d + col] - rowDot) * scale;
      }
    }
  }` : `
  for (var k = 0; k < ${K}; k++) {
    let col0 = (tid + k * ${WORKGROUP}) * 4 - skip;
    for (var lane = 0; lane < 4; lane++) {
      let col = col0 + lane;
      if (valid && col >= 0 && col < d) {
        result[row * d + col] = z[k][lane] * inv;
      }
    }
  }`}
}
`
  }
}

/**
 * Forward Perturb-Argmax: the one-hot vector of argmax(θ + γ) per row (first index on ties, like
 * `tf.argMax`). Also the forward pass of the straight-through estimator: τ > 0 does not move the
 * argmax.
 *
 * @since 0.1.0
 * @category gpu
 */
export class ArgmaxProgram extends RowProgram {
  variableNames = ["theta"]
  shaderKey: string
  readonly K: number
  readonly law: number

  constructor(outputShape: [number, number], law: number) {
    super(outputShape)
    this.K = blocksPerThread(outputShape[1])
    this.law = law
    this.shaderKey = `perturbArgmax_${law}_${this.K}`
  }

  getUserCode(): string {
    const K = this.K
    return `
${header(this.law)}
var<workgroup> redv : array<f32, ${WORKGROUP}>;
var<workgroup> redi : array<i32, ${WORKGROUP}>;
fn main(index : i32) {
  let scale = 1.0;
  ${loadWgsl(K)}
  // (max, first index) reduction: a larger value wins, equal values keep the smaller index.
  redv[tid] = m;
  redi[tid] = mi;
  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}; s > 0; s = s >> 1u) {
    if (tid < s) {
      let ov = redv[tid + s];
      let oi = redi[tid + s];
      if (ov > redv[tid] || (ov == redv[tid] && oi < redi[tid])) {
        redv[tid] = ov;
        redi[tid] = oi;
      }
    }
    workgroupBarrier();
  }
  let best = redi[0];
  for (var k = 0; k < ${K}; k++) {
    let col0 = (tid + k * ${WORKGROUP}) * 4 - skip;
    for (var lane = 0; lane < 4; lane++) {
      let col = col0 + lane;
      if (valid && col >= 0 && col < d) {
        result[row * d + col] = select(0.0, 1.0, col == best);
      }
    }
  }
}
`
  }
}

/**
 * Backward Perturb-Softmax from the saved sample y: dθ = y∘(dy − ⟨dy, y⟩)/τ, one workgroup per
 * row (a reduction for ⟨dy, y⟩, then one elementwise pass).
 *
 * @since 0.1.0
 * @category gpu
 */
export class SoftmaxGradProgram extends RowProgram {
  variableNames = ["y", "dy", "tau"]
  shaderKey: string

  constructor(outputShape: [number, number]) {
    super(outputShape)
    this.shaderKey = "perturbSoftmaxGrad"
  }

  getUserCode(): string {
    return `
var<workgroup> red : array<f32, ${WORKGROUP}>;
${reduceWgsl("rowSum", "sum")}
fn main(index : i32) {
  let tid = i32(localId.x);
  let row = index / ${WORKGROUP};
  let valid = row < uniforms.rows;
  let d = uniforms.d;
  let base = row * d;
  var t = 0.0;
  if (valid) {
    for (var col = tid; col < d; col += ${WORKGROUP}) {
      t = t + y[base + col] * dy[base + col];
    }
  }
  let rowDot = rowSum(tid, t);
  if (valid) {
    let scale = 1.0 / tau[row % uniforms.thetaRows];
    for (var col = tid; col < d; col += ${WORKGROUP}) {
      result[base + col] = y[base + col] * (dy[base + col] - rowDot) * scale;
    }
  }
}
`
  }
}

/**
 * Raw stream output for tests and statistics: `mode = "uniform"` writes `Random.uniform32(key, n)`
 * (bit-identical), `mode = "noise"` the law's samples (`Noise.sample32`), over a flat [n] output.
 * One thread per Philox block.
 *
 * @since 0.1.0
 * @category gpu
 */
export class StreamProgram implements WebGPUProgram {
  variableNames: Array<string> = []
  outputShape: Array<number>
  shaderKey: string
  dispatchLayout: { x: Array<number> }
  dispatch: [number, number, number]
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1]
  uniforms = commonUniforms
  readonly law: number
  readonly mode: "uniform" | "noise"

  constructor(n: number, law: number, mode: "uniform" | "noise") {
    this.outputShape = [n]
    this.law = law
    this.mode = mode
    this.shaderKey = `perturbStream_${mode}_${law}`
    this.dispatchLayout = { x: [0] }
    this.dispatch = [Math.ceil(Math.ceil(n / 4) / WORKGROUP), 1, 1]
  }

  getUserCode(): string {
    return `
${header(this.law)}
fn main(index : i32) {
  let n = uniforms.d;
  let col0 = index * 4;
  if (col0 < n) {
    let w = philox(u32(index), 0u, uniforms.k0, uniforms.k1);
    for (var lane = 0; lane < 4; lane++) {
      if (col0 + lane < n) {
        let u = uniform32(w[lane]);
        result[col0 + lane] = ${this.mode === "uniform" ? "u" : "quantile(u, uniforms.p0, uniforms.p1)"};
      }
    }
  }
}
`
  }
}
