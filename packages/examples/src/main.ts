/**
 * The main job (`pnpm start`). Until the experiments land, it demonstrates `@perturb/noise` on the
 * paper's objects: the traits the analysis will read for each law, float64 tails, and the
 * Gumbel-max trick (Perturb-Argmax with Gumbel noise is softmax) checked by sampling.
 */
import { Key, Noise } from "@perturb/noise"

const laws = [
  Noise.gumbel(),
  Noise.normal(),
  Noise.logistic(),
  Noise.laplace(),
  Noise.studentT({ df: 3 }),
  Noise.cauchy(),
  Noise.uniform(),
  Noise.exponential(),
  Noise.discrete({ atoms: [0, 1] })
]

const pad = (s: string, n: number) => s.padEnd(n)
console.log("Noise laws and the traits the paper's theorems read\n")
console.log(
  pad("law", 46) + pad("support", 14) + pad("density>0", 11) + pad("differentiable", 18) + pad("mean", 8) + "tails"
)
for (const law of laws) {
  const t = law.traits
  const end = (x: number) => (x === Infinity ? "∞" : x === -Infinity ? "−∞" : String(x))
  const support = t.support._tag === "Atoms"
    ? `${t.support.atoms.length} atoms`
    : `${Number.isFinite(t.support.lower) ? "[" : "("}${end(t.support.lower)}, ${end(t.support.upper)}${Number.isFinite(t.support.upper) ? "]" : ")"}`
  console.log(
    pad(String(law), 46) + pad(support, 14) + pad(String(t.densityPositive), 11) + pad(t.densityDifferentiable, 18) +
      pad(t.finiteMean ? "finite" : "none", 8) + `${t.tails.lower}/${t.tails.upper}`
  )
}

console.log("\nFloat64 tails: log Φ(−40) =", Noise.normal().logcdf(-40).toFixed(6), "(Φ itself underflows to", Noise.normal().cdf(-40), ")")

// The Gumbel-max trick: argmax(θ + γ) with standard Gumbel γ is distributed as softmax(θ).
const theta = [0.3, -1.2, 2, 0]
const d = theta.length
const n = 200_000
const gamma = Noise.sampleVector(Noise.gumbel(), Key.make(7), n, d)
const counts = new Array<number>(d).fill(0)
for (let i = 0; i < n; i++) {
  let best = 0
  for (let j = 1; j < d; j++) if (theta[j]! + gamma[i * d + j]! > theta[best]! + gamma[i * d + best]!) best = j
  counts[best]!++
}
const z = theta.map(Math.exp)
const total = z.reduce((a, b) => a + b, 0)
console.log(`\nGumbel-max trick, θ = (${theta.join(", ")}), ${n} draws with Key.make(7):`)
console.log("  category  frequency  softmax(θ)  |diff| / std.err")
theta.forEach((_, j) => {
  const f = counts[j]! / n
  const p = z[j]! / total
  const se = Math.sqrt((p * (1 - p)) / n)
  console.log(`  ${j}         ${f.toFixed(5)}    ${p.toFixed(5)}     ${(Math.abs(f - p) / se).toFixed(2)}`)
})
