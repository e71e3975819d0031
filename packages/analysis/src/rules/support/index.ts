/**
 * Beyond the paper (issue #13, classes 2 and 3): Perturb-Argmax with interval supports. The region
 * R and the facts the decisions rest on are in `./region.ts`; each property has its own module.
 */
export { coversRegion, shadowRows } from "./completeness.js"
export { sharedProbabilities } from "./minimality.js"
export { BEYOND, intervalSupports, type Supports } from "./region.js"
