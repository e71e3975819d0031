/**
 * Adam on the webgpu backend with one WGSL dispatch per variable, where `tf.train.adam` runs about
 * twelve tfjs kernels per variable. All of a step's dispatches go into one command buffer.
 *
 * The formula is `tf.train.adam`'s, operation for operation in float32 (tfjs-core
 * `optimizers/adam_optimizer.ts`), with t the step (1, 2, …):
 *   m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²,
 *   θ ← (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε) · (−lr) + θ,
 * so ε is added to the square root of the bias-corrected v, and β₁ᵗ, β₂ᵗ are float32 running
 * products as in tfjs. The default ε is the backend's (1e-7 for float32), as in tfjs.
 *
 * Each step writes θ, m and v to fresh tfjs buffers (read from the old ones) and moves the
 * variable onto the new θ with `Variable.assign`, which copies nothing: no buffer is ever
 * written while tfjs may hold a CPU copy of it.
 *
 * @since 0.2.0
 */
import * as tf from "@tensorflow/tfjs-core"
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu"
import { DimensionMismatch, InvalidArgument } from "../Errors.js"
import { requireWebGPU } from "../internal/kernels.js"
import { backendEpsilon, registeredVariable, webgpuStorage } from "../internal/tfjs.js"

const WORKGROUP = 256

/** tfjs's `NamedTensor` (not re-exported by tfjs-core's index). */
type NamedTensor = { name: string; tensor: tf.Tensor }
const MAX_GROUPS = 65535

/** The update of one element; bindings: θ, g, m, v (read), θ', m', v' (write), params, size. */
const ADAM_WGSL = `
struct Params {
  beta1 : f32, beta2 : f32, oneMinusBeta1 : f32, oneMinusBeta2 : f32,
  oneMinusAccBeta1 : f32, oneMinusAccBeta2 : f32, negLearningRate : f32, epsilon : f32,
};
struct Size { n : u32, };
@group(0) @binding(0) var<storage, read> theta : array<f32>;
@group(0) @binding(1) var<storage, read> grad : array<f32>;
@group(0) @binding(2) var<storage, read> mIn : array<f32>;
@group(0) @binding(3) var<storage, read> vIn : array<f32>;
@group(0) @binding(4) var<storage, read_write> thetaOut : array<f32>;
@group(0) @binding(5) var<storage, read_write> mOut : array<f32>;
@group(0) @binding(6) var<storage, read_write> vOut : array<f32>;
@group(0) @binding(7) var<uniform> p : Params;
@group(0) @binding(8) var<uniform> size : Size;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wg : vec3<u32>, @builtin(num_workgroups) groups : vec3<u32>,
        @builtin(local_invocation_index) lid : u32) {
  let i = (wg.y * groups.x + wg.x) * ${WORKGROUP}u + lid;
  if (i >= size.n) { return; }
  let g = grad[i];
  // tfjs: add(mul(m, β₁), mul(g, 1 − β₁)); add(mul(v, β₂), mul(square(g), 1 − β₂))
  let m = mIn[i] * p.beta1 + g * p.oneMinusBeta1;
  let v = vIn[i] * p.beta2 + (g * g) * p.oneMinusBeta2;
  mOut[i] = m;
  vOut[i] = v;
  let mHat = m / p.oneMinusAccBeta1;
  let vHat = v / p.oneMinusAccBeta2;
  thetaOut[i] = (mHat / (sqrt(vHat) + p.epsilon)) * p.negLearningRate + theta[i];
}
`

interface Slot {
  m: tf.Tensor
  v: tf.Tensor
  readonly size: GPUBuffer
}

const pipelines = new WeakMap<GPUDevice, GPUComputePipeline>()

const pipelineFor = (device: GPUDevice): GPUComputePipeline => {
  let p = pipelines.get(device)
  if (p === undefined) {
    p = device.createComputePipeline({ layout: "auto", compute: { module: device.createShaderModule({ code: ADAM_WGSL, label: "perturbAdam" }), entryPoint: "main" } })
    pipelines.set(device, p)
  }
  return p
}

/** The GPU buffer behind a tensor, uploading it first if it lives on the CPU. */
const bufferOf = (backend: WebGPUBackend, t: tf.TensorInfo, argument: string): GPUBuffer => {
  const data = webgpuStorage(backend, t)
  const resource = data.resource
  if (resource === undefined || !("mapAsync" in resource)) {
    throw new InvalidArgument({ argument, value: t.shape, reason: "Expected a tensor backed by a WebGPU buffer (not a texture)" })
  }
  // A bool or int32 tensor cast to float32 keeps its int32 buffer in tfjs-webgpu.
  if (data.dtype !== "float32") {
    throw new InvalidArgument({ argument, value: data.dtype, reason: "Expected float32 storage (a cast from bool or int32 keeps int32 storage on webgpu: use tf.mul(t, 1) to convert)" })
  }
  return resource
}

const positive = (argument: string, x: number): number => {
  if (typeof x !== "number" || !Number.isFinite(x) || !(x > 0)) throw new InvalidArgument({ argument, value: x, reason: "Expected a finite number > 0" })
  return x
}

const decay = (argument: string, x: number): number => {
  if (typeof x !== "number" || !(x >= 0 && x < 1)) throw new InvalidArgument({ argument, value: x, reason: "Expected a number in [0, 1)" })
  return x
}

/**
 * Adam whose update runs as one WGSL dispatch per variable on the webgpu backend; same formula,
 * defaults and `minimize` / `applyGradients` contract as `tf.train.adam`. Built by `gpuAdam`.
 *
 * @example
 * ```ts webgpu
 * import * as tf from "@tensorflow/tfjs-core"
 * import { enableWebGPU, gpuAdam, GpuAdamOptimizer } from "@perturb/core/gpu"
 * await enableWebGPU()
 * const opt: GpuAdamOptimizer = gpuAdam(0.01)
 * const w = tf.variable(tf.ones([3]))
 * opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w])
 * ```
 * @since 0.2.0
 * @category models
 */
export class GpuAdamOptimizer extends tf.Optimizer {
  /** The serialization name (tfjs's Adam uses "Adam"; this one is not interchangeable with it). */
  static get className(): string {
    return "PerturbGpuAdam"
  }

  /** The step size. */
  readonly learningRate: number
  /** Decay of the first-moment average. */
  readonly beta1: number
  /** Decay of the second-moment average. */
  readonly beta2: number
  /** Added to the root of the second moment, against division by zero. */
  readonly epsilon: number
  private accBeta1: number
  private accBeta2: number
  private readonly slots = new Map<string, Slot>()
  private params: GPUBuffer | undefined

  /** Prefer `gpuAdam(...)`; throws `InvalidArgument` for a bad rate or decay. */
  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
    super()
    this.learningRate = positive("learningRate", learningRate)
    this.beta1 = decay("beta1", beta1)
    this.beta2 = decay("beta2", beta2)
    this.epsilon = epsilon === undefined ? backendEpsilon() : positive("epsilon", epsilon)
    // tfjs keeps β₁ᵗ and β₂ᵗ as float32 scalars, starting at β₁ and β₂.
    this.accBeta1 = Math.fround(this.beta1)
    this.accBeta2 = Math.fround(this.beta2)
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | Array<NamedTensor>): void {
    const backend = requireWebGPU("gpuAdam")
    const entries: Array<[string, tf.Tensor | null | undefined]> = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients)
    const device = backend.device
    const work: Array<{ value: tf.Variable; slot: Slot; grad: tf.Tensor; n: number }> = []
    for (const [name, grad] of entries) {
      if (grad === null || grad === undefined) continue
      const value = registeredVariable(name)
      if (value === undefined) throw new InvalidArgument({ argument: "variableGradients", value: name, reason: "Expected the name of a registered tf.Variable" })
      if (value.dtype !== "float32") throw new InvalidArgument({ argument: name, value: value.dtype, reason: "Expected a float32 variable" })
      if (!tf.util.arraysEqual(grad.shape, value.shape)) {
        throw new DimensionMismatch({ argument: `gradient of ${name}`, expected: `[${value.shape.join(", ")}]`, received: `[${grad.shape.join(", ")}]` })
      }
      const slot = this.slotFor(device, value)
      if (value.size > 0) work.push({ value, slot, grad: grad.dtype === "float32" ? grad : tf.cast(grad, "float32"), n: value.size })
    }
    if (this.params === undefined) {
      this.params = device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: "adam/params" })
    }
    const f = Math.fround
    device.queue.writeBuffer(this.params, 0, new Float32Array([
      this.beta1, this.beta2, 1 - this.beta1, 1 - this.beta2,
      f(1 - this.accBeta1), f(1 - this.accBeta2), -this.learningRate, this.epsilon
    ]))
    const pipeline = pipelineFor(device)
    // Inputs first (uploads are recorded in tfjs's encoder), then flush tfjs's pending work so
    // that this step's command buffer runs after the kernels that computed the gradients.
    const bound = work.map(({ value, slot, grad, n }) => {
      const inputs = [bufferOf(backend, value, value.name), bufferOf(backend, grad, `gradient of ${value.name}`), bufferOf(backend, slot.m, `${value.name}/m`), bufferOf(backend, slot.v, `${value.name}/v`)]
      const outputs = [0, 1, 2].map(() => backend.makeTensorInfo(value.shape, "float32"))
      return { value, slot, n, inputs, outputs, outBuffers: outputs.map((o) => bufferOf(backend, o, value.name)) }
    })
    backend.ensureCommandEncoderReady()
    backend.endComputePassEncoder()
    backend.submitQueue()
    const encoder = device.createCommandEncoder({ label: "adam" })
    const pass = encoder.beginComputePass()
    pass.setPipeline(pipeline)
    for (const { n, inputs, outBuffers, slot } of bound) {
      const buffers = [...inputs, ...outBuffers]
      pass.setBindGroup(0, device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [...buffers.map((buffer, binding) => ({ binding, resource: { buffer } })), { binding: 7, resource: { buffer: this.params } }, { binding: 8, resource: { buffer: slot.size } }]
      }))
      const groups = Math.ceil(n / WORKGROUP)
      pass.dispatchWorkgroups(Math.min(groups, MAX_GROUPS), Math.ceil(groups / MAX_GROUPS), 1)
    }
    pass.end()
    device.queue.submit([encoder.finish()])
    // The old buffers return to tfjs's pool only now, after the submit that reads them.
    for (const { value, slot, outputs } of bound) {
      const [theta, m, v] = outputs.map((o) => tf.engine().makeTensorFromTensorInfo(o))
      value.assign(theta!)
      theta!.dispose()
      slot.m.dispose()
      slot.v.dispose()
      slot.m = tf.keep(m!)
      slot.v = tf.keep(v!)
    }
    for (const { grad } of work) if (!entries.some(([, g]) => g === grad)) grad.dispose()
    this.accBeta1 = f(this.accBeta1 * f(this.beta1))
    this.accBeta2 = f(this.accBeta2 * f(this.beta2))
    this.incrementIterations()
  }

  /** m and v of a variable, zero on first use. */
  private slotFor(device: GPUDevice, value: tf.Variable): Slot {
    let slot = this.slots.get(value.name)
    if (slot === undefined) {
      const size = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: `${value.name}/size` })
      device.queue.writeBuffer(size, 0, new Uint32Array([value.size, 0, 0, 0]))
      slot = { m: tf.keep(tf.zerosLike(value)), v: tf.keep(tf.zerosLike(value)), size }
      this.slots.set(value.name, slot)
    }
    return slot
  }

  override dispose(): void {
    for (const slot of this.slots.values()) {
      tf.dispose([slot.m, slot.v])
      slot.size.destroy()
    }
    this.slots.clear()
    this.params?.destroy()
    this.params = undefined
  }

  /** The iteration count, then m and v of each variable (named `<variable>/m`, `<variable>/v`). */
  override async getWeights(): Promise<Array<NamedTensor>> {
    const slots = [...this.slots.entries()]
    return [
      await this.saveIterations(),
      ...slots.map(([name, s]) => ({ name: `${name}/m`, tensor: s.m })),
      ...slots.map(([name, s]) => ({ name: `${name}/v`, tensor: s.v }))
    ]
  }

  /** Restores `getWeights`' output: the iteration count (hence β₁ᵗ, β₂ᵗ), then m and v by name. */
  override async setWeights(weightValues: Array<NamedTensor>): Promise<void> {
    const rest = await this.extractIterations(weightValues)
    const device = requireWebGPU("gpuAdam").device
    const f = Math.fround
    let acc1 = f(this.beta1)
    let acc2 = f(this.beta2)
    for (let i = 0; i < this.iterations; i++) {
      acc1 = f(acc1 * f(this.beta1))
      acc2 = f(acc2 * f(this.beta2))
    }
    this.accBeta1 = acc1
    this.accBeta2 = acc2
    for (const { name, tensor } of rest) {
      const which = name.endsWith("/m") ? "m" : name.endsWith("/v") ? "v" : undefined
      const value = registeredVariable(name.slice(0, -2))
      if (which === undefined || value === undefined) {
        throw new InvalidArgument({ argument: "weightValues", value: name, reason: "Expected <variable>/m or <variable>/v for a registered variable" })
      }
      if (!tf.util.arraysEqual(tensor.shape, value.shape)) {
        throw new DimensionMismatch({ argument: name, expected: `[${value.shape.join(", ")}]`, received: `[${tensor.shape.join(", ")}]` })
      }
      const slot = this.slotFor(device, value)
      slot[which].dispose()
      slot[which] = tf.keep(tf.clone(tensor))
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon }
  }
}

/**
 * Adam for the webgpu backend: `tf.train.adam`'s update (see the module header) as one WGSL
 * dispatch per variable, so `optimizer.minimize(f, true, varList)` costs twelve dispatches for
 * twelve variables instead of ~150 kernels. Throws `InvalidArgument` for a non-positive
 * learning rate or ε, β outside [0, 1), and (when stepping) a backend other than webgpu.
 *
 * @example
 * ```ts webgpu
 * import * as tf from "@tensorflow/tfjs-core"
 * import { enableWebGPU, gpuAdam } from "@perturb/core/gpu"
 * await enableWebGPU()
 * const w = tf.variable(tf.ones([3]))
 * gpuAdam(0.1).minimize(() => tf.sum(tf.square(w)) as tf.Scalar, true, [w])
 * ```
 * @since 0.2.0
 * @category constructors
 */
export const gpuAdam = (learningRate: number, beta1?: number, beta2?: number, epsilon?: number): GpuAdamOptimizer =>
  new GpuAdamOptimizer(learningRate, beta1, beta2, epsilon)
