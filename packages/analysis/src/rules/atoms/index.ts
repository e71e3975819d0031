/**
 * Perturb-Argmax with atoms (issue #13, class 4), beyond the paper: the class and the facts the
 * decisions rest on are in `./mixture.ts`; each property has its own module.
 */
export { completeness } from "./completeness.js"
export { identifiability, kinkAt, kinkWitness, onlyPair } from "./identifiability.js"
export { minimality } from "./minimality.js"
export { type Mixture, mixtureOf, REF } from "./mixture.js"
export { activeTies, subdifferentialVertices, uniformTieProbs } from "./probabilities.js"
export { modOne } from "./space.js"
