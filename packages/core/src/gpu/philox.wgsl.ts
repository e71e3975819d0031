/**
 * WGSL sources shared by the fused kernels: Philox-4x32-10, the float32 uniform, accurate `log`,
 * `log1p` and `tan(π·x)`, and the inverse cdfs of the supported noise laws.
 *
 * Everything here mirrors `@perturb/noise` so one key gives the same numbers on CPU and GPU:
 * - Philox: the same rounds and constants as `internal/philox.ts`; WGSL has no 64-bit integers,
 *   so the high word of a 32×32 product is rebuilt from 16-bit halves (`mulhi`), exactly.
 * - `uniform32`: `((w >> 9) + 0.5) / 2^23` — every step is exact in f32, so GPU uniforms are
 *   bit-identical to `Random.uniform32` (and never 0 or 1; a 24-bit `(k + 0.5)/2^24` rounds to 1).
 * - Logarithms and tangents are evaluated with our own polynomials instead of the built-ins: Vulkan
 *   only promises an absolute error of 2^-21 for `log` on [0.5, 2] and 2^-11 for `sin`/`cos`, which
 *   would wreck `-log(-log u)` for u near 1 and the Cauchy quantile. With these, every transform is
 *   within a few f32 ulps of the float64 CPU value, on every driver.
 *
 * @since 0.1.0
 */

/**
 * Philox-4x32-10 and the f32 uniform, as WGSL functions `philox(c0, c1, k0, k1) -> vec4<u32>`
 * (counter words 2 and 3 are zero: the stream layout of `Random.uniform32`) and `uniform32(w)`.
 *
 * @example
 * import { philoxWgsl } from "@perturb/core/gpu"
 * const shader = `${philoxWgsl}\nfn main() {}` // WGSL source text: prepend it to your kernel
 * @since 0.1.0
 * @category gpu
 */
export const philoxWgsl = /* wgsl */ `
const PHILOX_M0 : u32 = 0xd2511f53u;
const PHILOX_M1 : u32 = 0xcd9e8d57u;
const PHILOX_W0 : u32 = 0x9e3779b9u;
const PHILOX_W1 : u32 = 0xbb67ae85u;

// High word of the 64-bit product a*b from 16-bit halves: the low halves' carry is
// ((al*bl >> 16) + low16(al*bh) + low16(ah*bl)) >> 16, which cannot overflow a u32.
fn mulhi(a : u32, b : u32) -> u32 {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let lh = al * bh;
  let hl = ah * bl;
  let mid = ((al * bl) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
}

// Block (c0, c1, 0, 0) of the stream of key (k0, k1): the same ten rounds as the CPU.
fn philox(c0 : u32, c1 : u32, k0 : u32, k1 : u32) -> vec4<u32> {
  var x0 = c0;
  var x1 = c1;
  var x2 = 0u;
  var x3 = 0u;
  var key0 = k0;
  var key1 = k1;
  for (var r = 0; r < 10; r++) {
    let lo0 = PHILOX_M0 * x0;
    let lo1 = PHILOX_M1 * x2;
    let hi0 = mulhi(PHILOX_M0, x0);
    let hi1 = mulhi(PHILOX_M1, x2);
    x0 = hi1 ^ x1 ^ key0;
    x1 = lo1;
    x2 = hi0 ^ x3 ^ key1;
    x3 = lo0;
    key0 = key0 + PHILOX_W0;
    key1 = key1 + PHILOX_W1;
  }
  return vec4<u32>(x0, x1, x2, x3);
}

// Random.uniform32: 23 bits plus a half step, exact in f32, strictly inside (0, 1).
fn uniform32(w : u32) -> f32 {
  return (f32(w >> 9u) + 0.5) * 1.1920928955078125e-7;
}
`

/**
 * Accurate elementary functions and the quantile of each supported law, as WGSL:
 * `quantile(u, p0, p1)` is compiled once per law (the `LAW` constant selects the branch, so the
 * shader for one law carries no other law's code after constant folding).
 *
 * @example
 * import { lawsWgsl, philoxWgsl } from "@perturb/core/gpu"
 * const shader = `${philoxWgsl}\n${lawsWgsl}` // WGSL source text for your own kernels
 * @since 0.1.0
 * @category gpu
 */
export const lawsWgsl = /* wgsl */ `
const LN2 : f32 = 0.693147180559945309;

// log1p(f) for |f| <= 0.42: 2·atanh(s), s = f/(2+f), |s| <= 0.18, odd series to s^11
// (truncation < 1e-9 relative): a few ulps, with no cancellation near f = 0.
fn log1pSmall(f : f32) -> f32 {
  let s = f / (2.0 + f);
  let s2 = s * s;
  let p = 1.0 + s2 * (0.33333333333 + s2 * (0.2 + s2 * (0.14285714286 + s2 * (0.11111111111 + s2 * 0.09090909091))));
  return 2.0 * s * p;
}

// log(x) for finite x > 0: x = m·2^e with m in [√½, √2), log x = e·ln2 + log1p(m − 1); m − 1 is exact.
fn alog(x : f32) -> f32 {
  let fe = frexp(x);
  var m = fe.fract;
  var e = f32(fe.exp);
  if (m < 0.70710678118) {
    m = m * 2.0;
    e = e - 1.0;
  }
  return e * LN2 + log1pSmall(m - 1.0);
}

// log(1 + x) for x > -1: the series near 0 (where 1 + x would round), log otherwise.
fn alog1p(x : f32) -> f32 {
  if (abs(x) < 0.25) {
    return log1pSmall(x);
  }
  return alog(1.0 + x);
}

// tan(π·x) for |x| <= 1/4 as sin/cos Taylor polynomials on |t| <= π/4 (errors below 1e-10).
fn tanpiSmall(x : f32) -> f32 {
  let t = 3.14159265358979 * x;
  let t2 = t * t;
  let s = t * (1.0 + t2 * (-0.16666666667 + t2 * (0.0083333333333 + t2 * (-0.00019841269841 + t2 * (2.7557319224e-6 + t2 * -2.5052108385e-8)))));
  let c = 1.0 + t2 * (-0.5 + t2 * (0.041666666667 + t2 * (-0.0013888888889 + t2 * (2.4801587302e-5 + t2 * (-2.7557319224e-7 + t2 * 2.0876756988e-9)))));
  return s / c;
}

// Wichura's AS 241 (PPND16), the same coefficients and branches as Random.normalQuantile, in f32.
fn normalQuantile(u : f32) -> f32 {
  let q = u - 0.5;
  if (abs(q) <= 0.425) {
    let r = 0.180625 - q * q;
    let a = (((((((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r + 6.7265770927008700853e4) * r
      + 4.5921953931549871457e4) * r + 1.3731693765509461125e4) * r + 1.9715909503065514427e3) * r
      + 1.3314166789178437745e2) * r + 3.3871328727963666080e0);
    let b = (((((((5.2264952788528545610e3 * r + 2.8729085735721942674e4) * r + 3.9307895800092710610e4) * r
      + 2.1213794301586595867e4) * r + 5.3941960214247511077e3) * r + 6.8718700749205790830e2) * r
      + 4.2313330701600911252e1) * r + 1.0);
    return q * a / b;
  }
  // 1 − u is exact for u >= 0.5 (Sterbenz), as on the CPU.
  var r = sqrt(-alog(select(1.0 - u, u, q < 0.0)));
  var z : f32;
  if (r <= 5.0) {
    r = r - 1.6;
    let c = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r + 2.41780725177450611770e-1) * r
      + 1.27045825245236838258e0) * r + 3.64784832476320460504e0) * r + 5.76949722146069140550e0) * r
      + 4.63033784615654529590e0) * r + 1.42343711074968357734e0);
    let d = (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r + 1.51986665636164571966e-2) * r
      + 1.48103976427480074590e-1) * r + 6.89767334985100004550e-1) * r + 1.67638483018380384940e0) * r
      + 2.05319162663775882187e0) * r + 1.0);
    z = c / d;
  } else {
    r = r - 5.0;
    let e = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 1.24266094738807843860e-3) * r
      + 2.65321895265761230930e-2) * r + 2.96560571828504891230e-1) * r + 1.78482653991729133580e0) * r
      + 5.46378491116411436990e0) * r + 6.65790464350110377720e0);
    let f = (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r + 1.84631831751005468180e-5) * r
      + 7.86869131145613259100e-4) * r + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
      + 5.99832206555887937690e-1) * r + 1.0);
    z = e / f;
  }
  return select(z, -z, q < 0.0);
}

// 1 − u and u − ½ for a uniform32 value u = (k + ½)·2^-23, rebuilt from the integer k. Written as
// 1.0 − u, a driver may fold it into a product (π·(1 − u) → π − π·u, seen on NVIDIA), cancelling
// every digit in the tails; integer arithmetic cannot be reassociated that way.
fn complement(u : f32) -> f32 {
  let k = u32(u * 8388608.0);
  return (f32(8388607u - k) + 0.5) * 1.1920928955078125e-7;
}
fn centred(u : f32) -> f32 {
  let k = i32(u32(u * 8388608.0));
  return (f32(k - 4194304) + 0.5) * 1.1920928955078125e-7;
}

// The law's inverse cdf at u in (0, 1), u a uniform32 value; p0, p1 are its two parameters (see kernels.ts).
fn quantile(u : f32, p0 : f32, p1 : f32) -> f32 {
  switch (LAW) {
    // Gumbel(loc, scale): loc − scale·log(−log u)
    case 0: { return p0 - p1 * alog(-alog(u)); }
    // Normal(mean, sd): mean + sd·Φ⁻¹(u)
    case 1: { return p0 + p1 * normalQuantile(u); }
    // Logistic(loc, scale): loc + scale·(log u − log1p(−u))
    case 2: { return p0 + p1 * (alog(u) - alog1p(-u)); }
    // Laplace(loc, scale): log(2u) below the median, −log(2(1 − u)) above
    case 3: { return p0 + p1 * select(-alog(2.0 * complement(u)), alog(2.0 * u), u < 0.5); }
    // Cauchy(loc, scale): three branches so each tail keeps its digits
    case 4: {
      var z : f32;
      if (u < 0.25) { z = -1.0 / tanpiSmall(u); }
      else if (u > 0.75) { z = 1.0 / tanpiSmall(complement(u)); }
      else { z = tanpiSmall(centred(u)); }
      return p0 + p1 * z;
    }
    // Uniform(a, b): from the nearer end, like the CPU quantile
    case 5: { return select(p1 - (1.0 - u) * (p1 - p0), p0 + u * (p1 - p0), u <= 0.5); }
    // Exponential(rate): −log1p(−u)/rate
    default: { return -alog1p(-u) / p0; }
  }
}
`
