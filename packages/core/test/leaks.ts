/**
 * The tensor-count check of the #15 tests: `step` once (to build whatever is cached on first
 * use: compiled kernels, layer weights), then `times` more, and how many tensors those left.
 */
import * as tf from "@tensorflow/tfjs"

export const tensorsLeaked = (step: () => void, times = 20): number => {
  step()
  const before = tf.memory().numTensors
  for (let i = 0; i < times; i++) step()
  return tf.memory().numTensors - before
}
