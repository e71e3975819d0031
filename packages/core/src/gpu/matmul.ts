/**
 * WGSL programs of the fused dense layer (`gpuDense`), run with `backend.runWebGPUProgram`.
 *
 * One tiled matrix product C[M, N] = A[M, K]·B[K, N] serves all three products of a dense layer;
 * only the loads and the epilogue differ:
 * - `forward`: A = x, B = W, epilogue y = act(C + b);
 * - `dx`: A = dz = dy ⊙ act'(y), B = Wᵀ (W read transposed), so dx = dz·Wᵀ;
 * - `dW`: A = xᵀ (x read transposed), B = dz, so dW = xᵀ·dz.
 * With ReLU, act'(z) = [z > 0] = [y > 0], so the backward reads the saved output y, never z.
 *
 * A workgroup of 8 × 8 threads computes a 32 × 32 tile of C, each thread a 4 × 4 block, stepping
 * through K in slabs of 32 staged in workgroup memory; out-of-range loads read 0, so any M, N, K
 * work. `ColumnSumProgram` gives db = Σ_rows dz. Shapes travel as uniforms (M, N, K), so one
 * pipeline per mode serves every layer size. Every load goes through f32(): tfjs stores a bool
 * tensor cast to float32 in its int32 buffer, and binds it as array<i32>.
 *
 * @since 0.2.0
 */
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu"
import { FlatProgram } from "./program.js"

/**
 * Rows and columns of C per workgroup tile (and the K slab).
 *
 * @since 0.2.0
 * @category gpu
 */
export const TILE = 32

const THREADS = 8
const PER_THREAD = TILE / THREADS

/**
 * Which product of the dense layer a `DenseMatMulProgram` computes.
 *
 * @since 0.2.0
 * @category gpu
 */
export type DenseProduct = "forward" | "dx" | "dW"

/** The loads of A(r, k) and B(k, c) with their bounds checks, per product. */
const loads = (product: DenseProduct, relu: boolean): { a: string; b: string; aTransposed: boolean; bTransposed: boolean } => {
  // dz(i, c) for the [rows, N_out] gradient: dy masked by the ReLU's derivative.
  const dz = (i: string, c: string, width: string) =>
    relu ? `select(0.0, f32(dy[${i} * ${width} + ${c}]), f32(y[${i} * ${width} + ${c}]) > 0.0)` : `f32(dy[${i} * ${width} + ${c}])`
  switch (product) {
    case "forward":
      // x [M, K], w [K, N]
      return { a: "f32(x[r * uniforms.K + k])", b: "f32(w[k * uniforms.N + c])", aTransposed: false, bTransposed: false }
    case "dx":
      // dy, y [M, K] (K = the layer's outputs), w [N, K] (N = the layer's inputs): B(k, c) = w[c, k]
      return { a: dz("r", "k", "uniforms.K"), b: "f32(w[c * uniforms.K + k])", aTransposed: false, bTransposed: true }
    case "dW":
      // x [K, M] (K = batch rows), dy, y [K, N]: A(r, k) = x[k, r]
      return { a: "f32(x[k * uniforms.M + r])", b: dz("k", "c", "uniforms.N"), aTransposed: true, bTransposed: false }
  }
}

/**
 * C = A·B for one product of a dense layer (see the module header), with the forward epilogue
 * `act(C + b)`. Inputs by product: forward `x, w, b`; dx `dy, [y,] w`; dW `x, dy[, y]` (y only
 * with ReLU). Uniforms M, N, K: C is [M, N], the shared dimension K.
 *
 * @since 0.2.0
 * @category gpu
 */
export class DenseMatMulProgram implements WebGPUProgram {
  variableNames: Array<string>
  outputShape: Array<number>
  shaderKey: string
  dispatchLayout = { x: [1], y: [0] }
  dispatch: [number, number, number]
  workgroupSize: [number, number, number] = [THREADS, THREADS, 1]
  uniforms = "M : i32, N : i32, K : i32,"
  readonly product: DenseProduct
  readonly relu: boolean

  constructor(product: DenseProduct, relu: boolean, outputShape: [number, number]) {
    this.product = product
    this.relu = relu
    this.outputShape = outputShape
    this.variableNames = product === "forward" ? ["x", "w", "b"] : product === "dx" ? (relu ? ["dy", "y", "w"] : ["dy", "w"]) : relu ? ["x", "dy", "y"] : ["x", "dy"]
    this.shaderKey = `perturbDense_${product}_${relu ? "relu" : "linear"}`
    this.dispatch = [Math.ceil(outputShape[1] / TILE), Math.ceil(outputShape[0] / TILE), 1]
  }

  getUserCode(): string {
    const { a, b, aTransposed, bTransposed } = loads(this.product, this.relu)
    // Consecutive threads load consecutive addresses: along k for A(r, k) = x[r, k], along r
    // when A is read transposed (and likewise for B).
    const split = (transposed: boolean) =>
      transposed ? { outer: "e % " + TILE, inner: "e / " + TILE } : { outer: "e / " + TILE, inner: "e % " + TILE }
    const sa = split(aTransposed)
    const sb = split(!bTransposed)
    const epilogue = this.product === "forward"
      ? `let v = acc[i][j] + f32(b[c]);\n          result[r * uniforms.N + c] = ${this.relu ? "max(v, 0.0)" : "v"};`
      : "result[r * uniforms.N + c] = acc[i][j];"
    return `
var<workgroup> As : array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> Bs : array<array<f32, ${TILE}>, ${TILE}>;

fn loadA(r : i32, k : i32) -> f32 {
  if (r < uniforms.M && k < uniforms.K) { return ${a}; }
  return 0.0;
}

fn loadB(k : i32, c : i32) -> f32 {
  if (k < uniforms.K && c < uniforms.N) { return ${b}; }
  return 0.0;
}

fn main() {
  let tx = i32(localId.x);
  let ty = i32(localId.y);
  let tid = ty * ${THREADS} + tx;
  let row0 = i32(workgroupId.y) * ${TILE};
  let col0 = i32(workgroupId.x) * ${TILE};
  var acc : array<array<f32, ${PER_THREAD}>, ${PER_THREAD}>;
  for (var k0 = 0; k0 < uniforms.K; k0 += ${TILE}) {
    for (var e = tid; e < ${TILE * TILE}; e += ${THREADS * THREADS}) {
      let ar = ${sa.outer};
      let ak = ${sa.inner};
      As[ar][ak] = loadA(row0 + ar, k0 + ak);
      // B's slab: row bk of the K slab, column bc of the tile.
      let bk = ${sb.inner};
      let bc = ${sb.outer};
      Bs[bk][bc] = loadB(k0 + bk, col0 + bc);
    }
    workgroupBarrier();
    for (var kk = 0; kk < ${TILE}; kk++) {
      var av : array<f32, ${PER_THREAD}>;
      var bv : array<f32, ${PER_THREAD}>;
      for (var i = 0; i < ${PER_THREAD}; i++) { av[i] = As[ty + i * ${THREADS}][kk]; }
      for (var j = 0; j < ${PER_THREAD}; j++) { bv[j] = Bs[kk][tx + j * ${THREADS}]; }
      for (var i = 0; i < ${PER_THREAD}; i++) {
        for (var j = 0; j < ${PER_THREAD}; j++) {
          acc[i][j] = acc[i][j] + av[i] * bv[j];
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0; i < ${PER_THREAD}; i++) {
    let r = row0 + ty + i * ${THREADS};
    for (var j = 0; j < ${PER_THREAD}; j++) {
      let c = col0 + tx + j * ${THREADS};
      if (r < uniforms.M && c < uniforms.N) {
        ${epilogue}
      }
    }
  }
}
`
  }
}

const SUM_THREADS = 64

/**
 * db[c] = Σ_i dz[i, c] for dy, y of shape [rows, N] (dz = dy ⊙ [y > 0] with ReLU): one thread
 * per column, summing the rows in order (consecutive threads read consecutive columns).
 * Uniforms: rows, N.
 *
 * @since 0.2.0
 * @category gpu
 */
export class ColumnSumProgram extends FlatProgram {
  readonly relu: boolean

  constructor(relu: boolean, columns: number) {
    super(columns, SUM_THREADS, { variableNames: relu ? ["dy", "y"] : ["dy"], shaderKey: `perturbDenseBias_${relu ? "relu" : "linear"}`, uniforms: "rows : i32, N : i32," })
    this.relu = relu
  }

  getUserCode(): string {
    const term = this.relu ? "select(0.0, f32(dy[i * n + c]), f32(y[i * n + c]) > 0.0)" : "f32(dy[i * n + c])"
    return `
fn main(index : i32) {
  let c = index;
  let n = uniforms.N;
  if (c < n) {
    var s = 0.0;
    for (var i = 0; i < uniforms.rows; i++) { s = s + ${term}; }
    result[c] = s;
  }
}
`
  }
}
