/**
 * Normal-Argmax ("Gaussian-Argmax" in the paper) for independent normal noise, exactly, in float64:
 * probabilities, potential and Jacobian-vector products on shared quadrature nodes
 * (`probabilities.ts`, with `table.ts`, `problem.ts`, `pass.ts`, `jacobian.ts`), small
 * probabilities to a relative tolerance (`small.ts`), and the inverse map's oracle (`oracle.ts`).
 */
export { normalArgmax, type NormalArgmax, type NormalArgmaxOptions } from "./probabilities.js"
export type { LowRankJacobian } from "./jacobian.js"
export { kronrod21 } from "./pass.js"
export { normalFamily, type NormalFamily } from "./problem.js"
export { normalArgmaxSmall } from "./small.js"
export { normalOracle } from "./oracle.js"
export { normalLogCdfMills } from "./table.js"
