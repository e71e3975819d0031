/**
 * `@perturb/core/testing`: hooks for the library's own tests, not part of its API (no semver
 * promise; `@perturb/core` does not re-export them). They expose the fused WebAssembly kernels'
 * noise stream and law transforms, so tests can compare them with `@perturb/noise` value by value.
 *
 * @since 0.2.0
 */
import type { Key } from "@perturb/noise"
import type { FusedLaw } from "./internal/fused.js"
import { f32, layout, scratchWords, withInstance } from "./internal/wasm/instance.js"

/**
 * Law index of the raw uniforms (`Random.uniform32`).
 *
 * @since 0.2.0
 * @category testing
 */
export const RAW_UNIFORM = 7

export { fusedLaw } from "./internal/fused.js"

/**
 * `n` draws of the kernel's law (or its raw uniforms, `RAW_UNIFORM`) from stream word `offset`.
 *
 * @since 0.2.0
 * @category testing
 */
export const noiseValues = (key: Key.Key, n: number, law: FusedLaw, offset = 0): Float32Array =>
  withInstance((inst) => {
    const [pOut, pScratch] = layout(inst, [n * 4, scratchWords(0) * 4], "n", n)
    inst.x.perturb_noise(pOut!, n, key.k0, key.k1, offset, law.id, law.p0, law.p1, pScratch!)
    return f32(inst, pOut!, n).slice()
  })

/**
 * The law's transform of given stream words (`k << 9` is the uniform (k + ½)/2^23), for tests of the tails.
 *
 * @since 0.2.0
 * @category testing
 */
export const transformWords = (words: Uint32Array, law: FusedLaw): Float32Array =>
  withInstance((inst) => {
    const n = Math.ceil(words.length / 4) * 4
    const [p] = layout(inst, [n * 4], "words", words.length)
    new Uint32Array(inst.memory.buffer, p!, n).fill(0).set(words)
    inst.x.perturb_transform(p!, n, law.id, law.p0, law.p1)
    return f32(inst, p!, words.length).slice()
  })
