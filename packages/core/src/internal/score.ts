/**
 * The noise's score s(γ) = ∇ log g(γ) at estimator points, for the score-function
 * (perturbed-optimizer, Berthet et al. 2020) gradient of Perturb-Argmax probabilities:
 * ∂P_i/∂θ_k = −E[1{argmax(θ + γ) = i} · s_k(γ)].
 */
import { type NoiseLike, Noise } from "@perturb/noise"

/** Why the noise has no score, or `undefined` when it has one. */
export const scoreRefusal = (noise: NoiseLike, d: number): string | undefined => {
  if (!Noise.isLaw(noise) && noise._tag === "Gaussian") return undefined
  for (let j = 0; j < d; j++) {
    const law = Noise.marginal(noise, j)
    if (law.dlogpdf === undefined) {
      return `${String(law)} noise has no score d/dx log g (its density jumps, or it has none), so the score-function gradient estimator does not apply`
    }
  }
  return undefined
}

/** `S × d` scores at the `S × d` points; call only where `scoreRefusal` is `undefined`. */
export const scoreAt = (noise: NoiseLike, d: number, gamma: Float64Array): Float64Array => {
  const S = gamma.length / d
  const out = new Float64Array(gamma.length)
  if (!Noise.isLaw(noise) && noise._tag === "Gaussian") {
    // s = −Σ⁻¹(γ − μ) = −L⁻ᵀ L⁻¹ (γ − μ): two triangular solves per point.
    const L = noise.cholesky
    const y = new Float64Array(d)
    for (let s = 0; s < S; s++) {
      const row = s * d
      for (let i = 0; i < d; i++) {
        let acc = gamma[row + i]! - noise.mean[i]!
        for (let k = 0; k < i; k++) acc -= L[i * d + k]! * y[k]!
        y[i] = acc / L[i * d + i]!
      }
      for (let i = d - 1; i >= 0; i--) {
        let acc = y[i]!
        for (let k = i + 1; k < d; k++) acc -= L[k * d + i]! * out[row + k]!
        out[row + i] = acc / L[i * d + i]!
      }
      for (let i = 0; i < d; i++) out[row + i] = -out[row + i]!
    }
    return out
  }
  const scores = Array.from({ length: d }, (_, j) => Noise.marginal(noise, j).dlogpdf)
  for (let s = 0; s < S; s++) for (let j = 0; j < d; j++) out[s * d + j] = scores[j]!(gamma[s * d + j]!)
  return out
}
