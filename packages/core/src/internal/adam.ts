/**
 * The fused Adam step and its state. On the `cpu` and `wasm` backends the moments m and s of every
 * variable live in one WebAssembly instance owned by the optimizer (not the samplers' shared one,
 * which may be dropped between calls), so a step copies only g and θ in and θ out, and one SIMD
 * pass per variable updates m, s and θ (perturb.c `perturb_adam`). Elsewhere (webgpu, webgl) the
 * same formula runs as tfjs ops on tensor moments; a backend switch moves the moments across.
 *
 * The moments may be updated in place because no tfjs tensor ever views this instance (snapshot and
 * the composed step copy them out); the variable may not, because tfjs keeps derived copies of its
 * tensors' buffers (see `writeBack`). Each slot keeps its own copy of θ, which is copied in again only
 * when the variable no longer holds the tensor the last step wrote (a user's assign, a composed
 * step): this saves one of the three copies of every parameter a step made (~0.4 ms of the VAE step).
 *
 * Layout of the instance: [heap base | m, s, θ of each variable, in order of first sight | g]; the g
 * buffer sits above the last slot and moves up when a new variable arrives. Memory cannot shrink: it
 * is released with the optimizer.
 *
 * @internal
 */
import * as tf from "@tensorflow/tfjs"
import { DimensionMismatch, InvalidArgument } from "../Errors.js"
import { registeredVariable, tensorFromValues, valuesOf } from "./tfjs.js"
import { createInstance, f32, type Instance, PAGE } from "./wasm/instance.js"

/** The hyper-parameters as the float32 scalars tf.train.adam's tensors hold. */
export interface AdamScalars {
  readonly b1: number
  readonly ob1: number
  readonly b2: number
  readonly ob2: number
  readonly eps: number
  readonly nlr: number
}

export const adamScalars = (learningRate: number, beta1: number, beta2: number, epsilon: number): AdamScalars => ({
  b1: Math.fround(beta1),
  // 1 − β in float64, then rounded: tfjs builds this scalar from the JS number `1 - this.beta1`.
  ob1: Math.fround(1 - beta1),
  b2: Math.fround(beta2),
  ob2: Math.fround(1 - beta2),
  eps: Math.fround(epsilon),
  nlr: Math.fround(-learningRate)
})

/** One variable and its gradient for this step. */
export interface Update {
  readonly name: string
  readonly variable: tf.Variable
  readonly gradient: tf.Tensor
}

interface Slot {
  readonly size: number
  /** Byte offset of m in the instance (s follows at `at + bytes(size)`, θ after s), or -1 before the first fused step. */
  at: number
  /** The data of the tensor the last fused step assigned to the variable, while θ here equals it. */
  written: object | undefined
  /** The moments while they live in tensors (non-fused backends). */
  tensors: { readonly m: tf.Variable; readonly s: tf.Variable } | undefined
}

const bytes = (n: number): number => Math.ceil((n * 4) / 16) * 16

export class AdamState {
  private inst: Instance | undefined
  private readonly slots = new Map<string, Slot>()
  /** End of the last slot (bytes). */
  private end = 0

  /** The slot of `name`, fresh when the name is new or its size changed (a new variable under an old name). */
  private slot(name: string, size: number): Slot {
    const old = this.slots.get(name)
    if (old !== undefined && old.size === size) return old
    if (old?.tensors !== undefined) tf.dispose([old.tensors.m, old.tensors.s])
    const slot: Slot = { size, at: -1, written: undefined, tensors: undefined }
    this.slots.set(name, slot)
    return slot
  }

  private grow(inst: Instance, need: number, value: number): void {
    const have = inst.memory.buffer.byteLength
    if (need <= have) return
    try {
      if (need > 2 ** 32) throw new RangeError("beyond the 4 GiB of a 32-bit WebAssembly memory")
      inst.memory.grow(Math.ceil((need - have) / PAGE))
    } catch (e) {
      throw new InvalidArgument({
        argument: "variableGradients",
        value,
        reason: `the fused Adam needs ${(need / 2 ** 20).toFixed(0)} MiB of WebAssembly memory for its moments and the engine refused it (${String(e)})`
      })
    }
  }

  /**
   * One fused step over `updates` with bias corrections c1 = 1 − β1^t, c2 = 1 − β2^t. All memory is
   * reserved before any variable changes, so a refused allocation leaves every variable as it was.
   */
  fusedStep(updates: ReadonlyArray<Update>, s: AdamScalars, c1: number, c2: number): void {
    const inst = (this.inst ??= createInstance())
    if (this.end === 0) this.end = inst.base
    const slots = updates.map((u) => this.slot(u.name, u.variable.size))
    let fresh = this.end
    for (const slot of slots) if (slot.at < 0) fresh += 3 * bytes(slot.size)
    const largest = Math.max(0, ...updates.map((u) => u.variable.size))
    this.grow(inst, fresh + bytes(largest), updates.reduce((a, u) => a + u.variable.size, 0))
    for (const slot of slots) {
      if (slot.at >= 0) continue
      slot.at = this.end
      this.end += 3 * bytes(slot.size)
      // The region may have held g of an earlier step.
      f32(inst, slot.at, slot.size).fill(0)
      f32(inst, slot.at + bytes(slot.size), slot.size).fill(0)
      slot.written = undefined
    }
    const pG = this.end
    updates.forEach(({ variable, gradient }, i) => {
      const slot = slots[i]!
      const n = slot.size
      if (slot.tensors !== undefined) {
        f32(inst, slot.at, n).set(slot.tensors.m.dataSync())
        f32(inst, slot.at + bytes(n), n).set(slot.tensors.s.dataSync())
        tf.dispose([slot.tensors.m, slot.tensors.s])
        slot.tensors = undefined
      }
      const pTheta = slot.at + 2 * bytes(n)
      if (slot.written !== variable.dataId) f32(inst, pTheta, n).set(valuesOf(variable))
      f32(inst, pG, n).set(valuesOf(gradient))
      inst.x.perturb_adam(pTheta, pG, slot.at, slot.at + bytes(n), n, s.b1, s.ob1, s.b2, s.ob2, c1, c2, s.eps, s.nlr)
      writeBack(variable, f32(inst, pTheta, n))
      slot.written = variable.dataId
    })
  }

  /** The same step as tfjs ops (tf.train.adam's, op for op), for backends without the kernel. */
  composedStep(updates: ReadonlyArray<Update>, s: AdamScalars, c1: number, c2: number): void {
    for (const { name, variable, gradient } of updates) {
      const slot = this.slot(name, variable.size)
      let t = slot.tensors
      if (t === undefined) {
        const from = (offset: number) =>
          this.inst === undefined || slot.at < 0 ? tf.zerosLike(variable) : tf.tensor(f32(this.inst, offset, slot.size).slice(), variable.shape, "float32")
        t = tf.tidy(() => ({ m: tf.variable(from(slot.at), false), s: tf.variable(from(slot.at + bytes(slot.size)), false) }))
        slot.tensors = t
      }
      const { m, s: v } = t
      tf.tidy(() => {
        const m1 = tf.add(tf.mul(m, s.b1), tf.mul(gradient, s.ob1))
        const v1 = tf.add(tf.mul(v, s.b2), tf.mul(tf.square(gradient), s.ob2))
        m.assign(m1)
        v.assign(v1)
        variable.assign(tf.add(tf.mul(tf.div(tf.div(m1, c1), tf.add(tf.sqrt(tf.div(v1, c2)), s.eps)), s.nlr), variable))
      })
    }
  }

  /** Copies of the moments, by variable name in order of first sight, shaped like the variables. */
  snapshot(): Array<{ readonly name: string; readonly m: tf.Tensor; readonly s: tf.Tensor }> {
    const out: Array<{ name: string; m: tf.Tensor; s: tf.Tensor }> = []
    for (const [name, slot] of this.slots) {
      const shape = registeredVariable(name)?.shape ?? [slot.size]
      if (slot.tensors !== undefined) {
        out.push({ name, m: tf.clone(slot.tensors.m), s: tf.clone(slot.tensors.s) })
      } else if (this.inst !== undefined && slot.at >= 0) {
        const inst = this.inst
        const read = (offset: number) => tf.tensor(f32(inst, offset, slot.size).slice(), shape, "float32")
        out.push({ name, m: read(slot.at), s: read(slot.at + bytes(slot.size)) })
      }
    }
    return out
  }

  /** Replaces all state with these moments (kept as tensors until the next fused step moves them in). */
  restore(entries: ReadonlyArray<{ readonly name: string; readonly m: tf.Tensor; readonly s: tf.Tensor }>): void {
    this.dispose()
    for (const { name, m, s } of entries) {
      if (m.size !== s.size) throw new DimensionMismatch({ argument: `${name}/v`, expected: m.size, received: s.size })
      const shape = registeredVariable(name)?.shape ?? m.shape
      const tensors = tf.tidy(() => ({ m: tf.variable(m.reshape(shape), false), s: tf.variable(s.reshape(shape), false) }))
      this.slots.set(name, { size: m.size, at: -1, written: undefined, tensors })
    }
  }

  dispose(): void {
    for (const slot of this.slots.values()) if (slot.tensors !== undefined) tf.dispose([slot.tensors.m, slot.tensors.s])
    this.slots.clear()
    this.inst = undefined
    this.end = 0
  }
}

/**
 * θ back into the variable as a new tensor, assigned, as tf.train.adam does. Never in place: tfjs-wasm
 * caches, per tensor id, XNNPACK operators holding packed copies of a matMul's right operand, a
 * convolution's filter and their fused bias, and drops them only when that id is disposed; a write
 * into the old buffer left every dense layer multiplying by stale weights (issue #11). A new tensor
 * has a new id, and the assign disposes the old one with its cached operators. tfjs-wasm copies the
 * values into its heap on creation; the cpu backend keeps the array, so it gets its own copy.
 */
const writeBack = (variable: tf.Variable, values: Float32Array): void => {
  tf.tidy(() => variable.assign(tensorFromValues(values, variable.shape)))
}

/** The step's variables and gradients, in tfjs's order (array order, or the map's key order); null gradients skipped. */
export const updatesOf = (variableGradients: tf.NamedTensorMap | ReadonlyArray<{ readonly name: string; readonly tensor: tf.Tensor }>): Array<Update> => {
  const entries: Array<[string, tf.Tensor | undefined | null]> = Array.isArray(variableGradients)
    ? variableGradients.map((e) => [e.name, e.tensor])
    : Object.entries(variableGradients)
  const updates: Array<Update> = []
  for (const [name, gradient] of entries) {
    if (gradient === undefined || gradient === null) continue
    const variable = registeredVariable(name)
    if (variable === undefined) throw new InvalidArgument({ argument: "variableGradients", value: name, reason: "No registered tf.Variable has this name (disposed?)" })
    if (variable.dtype !== "float32") throw new InvalidArgument({ argument: `variableGradients[${name}]`, value: variable.dtype, reason: "Expected a float32 variable" })
    if (gradient.size !== variable.size) throw new DimensionMismatch({ argument: `variableGradients[${name}].size`, expected: variable.size, received: gradient.size })
    updates.push({ name, variable, gradient })
  }
  return updates
}
