/**
 * The temperatures every kernel accepts, with no tfjs import so that `Model` (plain data) can check
 * them too.
 *
 * Inside [1e-30, 1e30] the float32 kernels are correct: (θ + γ − max)/τ neither overflows to NaN
 * nor loses the argmax limit (τ → 0: one-hot) or the uniform limit (τ → ∞), 1/τ is a normal
 * float32 for the fused kernels, and the densities of the model's own samples stay finite.
 * Beyond, float32 has no room: at τ < 2.9e-39 1/τ overflows and at τ > 3.4e38 τ itself does, so
 * every sample was NaN; the margin of 1e8 each side keeps θ/τ for |θ| up to 1e8 and τ·log d in
 * range. Temperatures outside are refused with `InvalidArgument` naming the temperature.
 *
 * @internal
 */
import { InvalidArgument } from "../Errors.js"

export const TEMPERATURE_MIN = 1e-30
export const TEMPERATURE_MAX = 1e30

export const TEMPERATURE_REASON = `Expected a finite temperature in [${TEMPERATURE_MIN}, ${TEMPERATURE_MAX}] (float32 cannot represent (θ + γ)/τ beyond)`

/** Whether a value is an accepted temperature (false for NaN, ±∞, non-numbers). */
export const isTemperature = (t: unknown): t is number => typeof t === "number" && t >= TEMPERATURE_MIN && t <= TEMPERATURE_MAX

/** The same for a float32 value read from a temperature tensor (tf.tensor([1e30]) holds 1.00000002e30). */
export const isTemperature32 = (t: number): boolean => t >= Math.fround(TEMPERATURE_MIN) && t <= Math.fround(TEMPERATURE_MAX)

/** A number temperature in the accepted range, or `InvalidArgument` naming `argument`. */
export const checkTemperature = (argument: string, t: unknown): number => {
  if (!isTemperature(t)) throw new InvalidArgument({ argument, value: t, reason: TEMPERATURE_REASON })
  return t
}
