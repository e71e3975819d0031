/**
 * The shape shared by the WGSL programs with one thread per element of a flat `[n]` output (the
 * losses' backward pass, the dense layer's bias gradient): tfjs-webgpu's dispatch fields, set once.
 *
 * @since 0.2.0
 */
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu"

/**
 * One thread per element of a flat `[n]` output, in workgroups of `threads`.
 *
 * @since 0.2.0
 * @category gpu
 */
export abstract class FlatProgram implements WebGPUProgram {
  variableNames: Array<string>
  shaderKey: string
  uniforms: string
  outputShape: Array<number>
  dispatchLayout = { x: [0] }
  dispatch: [number, number, number]
  workgroupSize: [number, number, number]

  constructor(n: number, threads: number, program: { readonly variableNames: Array<string>; readonly shaderKey: string; readonly uniforms: string }) {
    this.variableNames = program.variableNames
    this.shaderKey = program.shaderKey
    this.uniforms = program.uniforms
    this.outputShape = [n]
    this.dispatch = [Math.ceil(n / threads), 1, 1]
    this.workgroupSize = [threads, 1, 1]
  }

  abstract getUserCode(): string
}
