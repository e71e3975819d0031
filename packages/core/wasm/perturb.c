/*
 * Fused Perturb-Softmax kernels for WebAssembly SIMD128: Philox-4x32-10 noise, the noise law's
 * inverse cdf, θ + γ, the tempered softmax (or the one-hot argmax) and the backward pass, each in
 * one pass over the output, with the rows of a batch kept in L1.
 *
 * Counter layout (the same as @perturb/noise Random.uniform32 and the WGSL kernels): word w of a
 * key's stream is word (w mod 4) of the Philox block with counter (b mod 2^32, floor(b / 2^32), 0, 0),
 * b = floor(w / 4). Element j of output row R uses word `offset + R*d + j`, i.e. exactly
 * `Noise.sampleVector32(noise, key, S*rows, d)`. Uniforms are ((w >> 9) + 0.5) / 2^23, exact in
 * float32 and strictly inside (0, 1), so they are bit-identical to Random.uniform32.
 *
 * The elementary functions are float32 polynomials (Cephes logf/expf, AS 241 for the normal
 * quantile, Taylor sin/cos for tan(pi x)), a few ulp each. Nothing here is compiled with fast-math:
 * several steps rely on exact float32 arithmetic (1 - u for a uniform32 value, m - 1 in log).
 *
 * Memory: the module imports its memory; the caller (packages/core/src/internal/fused.ts) lays out
 * every buffer above __heap_base, so nothing here allocates.
 *
 * Rebuild with scripts/build-wasm.sh (it writes packages/core/src/internal/wasm/module.ts).
 */
#include <stdint.h>
#include <wasm_simd128.h>

typedef v128_t v;

#define EXPORT(name) __attribute__((export_name(#name))) name

/* Words of noise generated per batch: rows of a batch (at least one row) are processed while the
 * noise is still in L1. */
#define BATCH 2048u

enum { GUMBEL = 0, NORMAL = 1, LOGISTIC = 2, LAPLACE = 3, CAUCHY = 4, UNIFORM = 5, EXPONENTIAL = 6, RAW = 7 };

static inline v fsplat(float x) { return wasm_f32x4_splat(x); }

/* ---------------------------------------------------------------- Philox-4x32-10, four blocks per vector */

#define PH_M0 0xD2511F53u
#define PH_M1 0xCD9E8D57u
#define PH_W0 0x9E3779B9u
#define PH_W1 0xBB67AE85u

/* i64x2.extmul_{low,high}_i32x4_u, forced: clang 14 folds the extension of the constant multiplier
 * and then emits a generic i64x2.mul, which V8 emulates with three multiplies and shifts (3x slower). */
static inline v extmul_lo(v a, v b) {
  v r;
  __asm__("local.get %1\nlocal.get %2\ni64x2.extmul_low_i32x4_u\nlocal.set %0" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
static inline v extmul_hi(v a, v b) {
  v r;
  __asm__("local.get %1\nlocal.get %2\ni64x2.extmul_high_i32x4_u\nlocal.set %0" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

/* lo and hi words of the 32x32 -> 64-bit products a*m, lane by lane (i64x2 extmul, then a shuffle). */
static inline v mulhilo(v a, v m, v *hi) {
  v l = extmul_lo(a, m);
  v h = extmul_hi(a, m);
  *hi = wasm_i32x4_shuffle(l, h, 1, 3, 5, 7);
  return wasm_i32x4_shuffle(l, h, 0, 2, 4, 6);
}

/* Words of blocks b, b+1, ... (8 per iteration, two independent chains for ILP), block-major:
 * out[4i + k] = word k of block b + i. Writes 32 * ngroups words. */
static void philox_blocks(uint32_t *out, uint64_t b, uint32_t ngroups, uint32_t k0, uint32_t k1) {
  v ks0[10], ks1[10];
  for (int r = 0; r < 10; r++) {
    ks0[r] = wasm_u32x4_splat(k0 + (uint32_t)r * PH_W0);
    ks1[r] = wasm_u32x4_splat(k1 + (uint32_t)r * PH_W1);
  }
  const v m0 = wasm_u32x4_splat(PH_M0), m1 = wasm_u32x4_splat(PH_M1);
  for (uint32_t g = 0; g < ngroups; g++, b += 8) {
    uint64_t c[8];
    for (int i = 0; i < 8; i++) c[i] = b + (uint64_t)i;
    v a0 = wasm_u32x4_make((uint32_t)c[0], (uint32_t)c[1], (uint32_t)c[2], (uint32_t)c[3]);
    v a1 = wasm_u32x4_make((uint32_t)(c[0] >> 32), (uint32_t)(c[1] >> 32), (uint32_t)(c[2] >> 32), (uint32_t)(c[3] >> 32));
    v b0 = wasm_u32x4_make((uint32_t)c[4], (uint32_t)c[5], (uint32_t)c[6], (uint32_t)c[7]);
    v b1 = wasm_u32x4_make((uint32_t)(c[4] >> 32), (uint32_t)(c[5] >> 32), (uint32_t)(c[6] >> 32), (uint32_t)(c[7] >> 32));
    v a2 = wasm_i32x4_splat(0), a3 = a2, b2 = a2, b3 = a2;
    for (int r = 0; r < 10; r++) {
      v ah0, ah1, bh0, bh1;
      v al0 = mulhilo(a0, m0, &ah0), al1 = mulhilo(a2, m1, &ah1);
      v bl0 = mulhilo(b0, m0, &bh0), bl1 = mulhilo(b2, m1, &bh1);
      a0 = wasm_v128_xor(wasm_v128_xor(ah1, a1), ks0[r]);
      a1 = al1;
      a2 = wasm_v128_xor(wasm_v128_xor(ah0, a3), ks1[r]);
      a3 = al0;
      b0 = wasm_v128_xor(wasm_v128_xor(bh1, b1), ks0[r]);
      b1 = bl1;
      b2 = wasm_v128_xor(wasm_v128_xor(bh0, b3), ks1[r]);
      b3 = bl0;
    }
    /* 4x4 transposes: lanes are blocks, the output is block-major. */
    v t0 = wasm_i32x4_shuffle(a0, a1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a2, a3, 0, 4, 1, 5);
    v t2 = wasm_i32x4_shuffle(a0, a1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(a2, a3, 2, 6, 3, 7);
    wasm_v128_store(out + 0, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
    wasm_v128_store(out + 4, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
    wasm_v128_store(out + 8, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
    wasm_v128_store(out + 12, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
    t0 = wasm_i32x4_shuffle(b0, b1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(b2, b3, 0, 4, 1, 5);
    t2 = wasm_i32x4_shuffle(b0, b1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(b2, b3, 2, 6, 3, 7);
    wasm_v128_store(out + 16, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
    wasm_v128_store(out + 20, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
    wasm_v128_store(out + 24, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
    wasm_v128_store(out + 28, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
    out += 32;
  }
}

/* Random.uniform32: ((w >> 9) + 0.5) * 2^-23; every step is exact in float32. */
static inline v uniform(v w) {
  return wasm_f32x4_mul(wasm_f32x4_add(wasm_f32x4_convert_i32x4(wasm_u32x4_shr(w, 9)), fsplat(0.5f)), fsplat(1.1920928955078125e-7f));
}

/* ---------------------------------------------------------------- float32 elementary functions */

/* log x for finite normal x > 0 (Cephes logf: x = m 2^e, m in [sqrt(1/2), sqrt 2), m - 1 exact,
 * log = e ln2 + m' - m'^2/2 + m'^3 P(m'); about 1 ulp). */
static inline v vlog(v x) {
  v e = wasm_i32x4_sub(wasm_u32x4_shr(x, 23), wasm_i32x4_splat(126));
  v m = wasm_v128_or(wasm_v128_and(x, wasm_i32x4_splat(0x007fffff)), wasm_i32x4_splat(0x3f000000));
  v small = wasm_f32x4_lt(m, fsplat(0.707106781186547524f));
  e = wasm_i32x4_add(e, small); /* the mask is -1 where true */
  v f = wasm_f32x4_sub(wasm_f32x4_add(m, wasm_v128_and(m, small)), fsplat(1.0f));
  v z = wasm_f32x4_mul(f, f);
  /* Cephes' degree-8 polynomial by Estrin's scheme: a short dependency chain. */
  v z2 = wasm_f32x4_mul(z, z);
  v q0 = wasm_f32x4_add(wasm_f32x4_mul(fsplat(-2.4999993993e-1f), f), fsplat(3.3333331174e-1f));
  v q1 = wasm_f32x4_add(wasm_f32x4_mul(fsplat(-1.6668057665e-1f), f), fsplat(2.0000714765e-1f));
  v q2 = wasm_f32x4_add(wasm_f32x4_mul(fsplat(-1.2420140846e-1f), f), fsplat(1.4249322787e-1f));
  v q3 = wasm_f32x4_add(wasm_f32x4_mul(fsplat(-1.1514610310e-1f), f), fsplat(1.1676998740e-1f));
  v q4 = fsplat(7.0376836292e-2f);
  v lo = wasm_f32x4_add(q0, wasm_f32x4_mul(q1, z));
  v hi = wasm_f32x4_add(q2, wasm_f32x4_mul(q3, z));
  v p = wasm_f32x4_add(lo, wasm_f32x4_mul(z2, wasm_f32x4_add(hi, wasm_f32x4_mul(q4, z2))));
  v fe = wasm_f32x4_convert_i32x4(e);
  v y = wasm_f32x4_mul(wasm_f32x4_mul(p, f), z);
  y = wasm_f32x4_add(y, wasm_f32x4_mul(fe, fsplat(-2.12194440e-4f)));
  y = wasm_f32x4_sub(y, wasm_f32x4_mul(z, fsplat(0.5f)));
  v r = wasm_f32x4_add(f, y);
  return wasm_f32x4_add(r, wasm_f32x4_mul(fe, fsplat(0.693359375f)));
}

/* exp x for x <= 0, -inf included (Cephes expf, about 1 ulp); 0 below -87.3 (no subnormals).
 * n = round(x log2 e) comes from the 1.5 * 2^23 trick, which also leaves n in the low bits, so
 * 2^n needs no float-to-int conversion (V8's saturating one is several instructions). */
static inline v vexp(v x) {
  const v lo = fsplat(-87.33654475f), magic = fsplat(12582912.0f);
  v under = wasm_f32x4_lt(x, lo);
  x = wasm_f32x4_pmax(x, lo);
  v t = wasm_f32x4_add(wasm_f32x4_mul(x, fsplat(1.44269504088896341f)), magic);
  v n = wasm_f32x4_sub(t, magic);
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(n, fsplat(0.693359375f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(n, fsplat(-2.12194440e-4f)));
  v z = wasm_f32x4_mul(x, x);
  v p = fsplat(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), fsplat(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), fsplat(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), fsplat(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), fsplat(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), fsplat(5.0000001201e-1f));
  v y = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(p, z), x), fsplat(1.0f));
  v scale = wasm_i32x4_shl(wasm_i32x4_add(t, wasm_i32x4_splat(127)), 23);
  return wasm_v128_andnot(wasm_f32x4_mul(y, scale), under);
}

static inline v horner8(v x, const float c[8]) {
  v p = fsplat(c[7]);
  for (int i = 6; i >= 0; i--) p = wasm_f32x4_add(wasm_f32x4_mul(p, x), fsplat(c[i]));
  return p;
}

/* Wichura's AS 241 (PPND16), the coefficients of Random.normalQuantile, in float32. For u in
 * (2^-24, 1 - 2^-24), r = sqrt(-log min(u, 1 - u)) <= 4.08, so the r > 5 branch is never taken;
 * 1 - u is exact for u >= 1/2 (Sterbenz), so the upper tail keeps its digits. The tail branch is
 * evaluated only when some lane needs it (15% of the lanes). */
static const float NA[8] = {3.3871328727963666080e0f, 1.3314166789178437745e2f, 1.9715909503065514427e3f, 1.3731693765509461125e4f,
                            4.5921953931549871457e4f, 6.7265770927008700853e4f, 3.3430575583588128105e4f, 2.5090809287301226727e3f};
static const float NB[8] = {1.0f, 4.2313330701600911252e1f, 6.8718700749205790830e2f, 5.3941960214247511077e3f,
                            2.1213794301586595867e4f, 3.9307895800092710610e4f, 2.8729085735721942674e4f, 5.2264952788528545610e3f};
static const float NC[8] = {1.42343711074968357734e0f, 4.63033784615654529590e0f, 5.76949722146069140550e0f, 3.64784832476320460504e0f,
                            1.27045825245236838258e0f, 2.41780725177450611770e-1f, 2.27238449892691845833e-2f, 7.74545014278341407640e-4f};
static const float ND[8] = {1.0f, 2.05319162663775882187e0f, 1.67638483018380384940e0f, 6.89767334985100004550e-1f,
                            1.48103976427480074590e-1f, 1.51986665636164571966e-2f, 5.47593808499534494600e-4f, 1.05075007164441684324e-9f};

static inline v vnormal_quantile(v u) {
  v q = wasm_f32x4_sub(u, fsplat(0.5f));
  v central = wasm_f32x4_le(wasm_f32x4_abs(q), fsplat(0.425f));
  v r = wasm_f32x4_sub(fsplat(0.180625f), wasm_f32x4_mul(q, q));
  v zc = wasm_f32x4_div(wasm_f32x4_mul(q, horner8(r, NA)), horner8(r, NB));
  if (wasm_i32x4_all_true(central)) return zc;
  v p = wasm_f32x4_pmin(u, wasm_f32x4_sub(fsplat(1.0f), u));
  v t = wasm_f32x4_sub(wasm_f32x4_sqrt(wasm_f32x4_neg(vlog(p))), fsplat(1.6f));
  v zt = wasm_f32x4_div(horner8(t, NC), horner8(t, ND));
  zt = wasm_v128_bitselect(wasm_f32x4_neg(zt), zt, wasm_f32x4_lt(q, fsplat(0.0f)));
  return wasm_v128_bitselect(zc, zt, central);
}

/* tan(pi x) for |x| <= 1/4: Taylor sin and cos on |pi x| <= pi/4 (truncation below 1e-10). */
static inline v vtanpi(v x) {
  v t = wasm_f32x4_mul(x, fsplat(3.14159265358979f));
  v t2 = wasm_f32x4_mul(t, t);
  v s = fsplat(-2.5052108385e-8f);
  s = wasm_f32x4_add(wasm_f32x4_mul(s, t2), fsplat(2.7557319224e-6f));
  s = wasm_f32x4_add(wasm_f32x4_mul(s, t2), fsplat(-1.9841269841e-4f));
  s = wasm_f32x4_add(wasm_f32x4_mul(s, t2), fsplat(8.3333333333e-3f));
  s = wasm_f32x4_add(wasm_f32x4_mul(s, t2), fsplat(-1.6666666667e-1f));
  s = wasm_f32x4_mul(t, wasm_f32x4_add(wasm_f32x4_mul(s, t2), fsplat(1.0f)));
  v c = fsplat(2.0876756988e-9f);
  c = wasm_f32x4_add(wasm_f32x4_mul(c, t2), fsplat(-2.7557319224e-7f));
  c = wasm_f32x4_add(wasm_f32x4_mul(c, t2), fsplat(2.4801587302e-5f));
  c = wasm_f32x4_add(wasm_f32x4_mul(c, t2), fsplat(-1.3888888889e-3f));
  c = wasm_f32x4_add(wasm_f32x4_mul(c, t2), fsplat(4.1666666667e-2f));
  c = wasm_f32x4_add(wasm_f32x4_mul(c, t2), fsplat(-0.5f));
  c = wasm_f32x4_add(wasm_f32x4_mul(c, t2), fsplat(1.0f));
  return wasm_f32x4_div(s, c);
}

/* ---------------------------------------------------------------- noise */

/* Turns `count` (a multiple of 4) stream words in place into draws of the law with parameters
 * (p0, p1): Gumbel (loc, scale), Normal (mean, sd), Logistic/Laplace/Cauchy (loc, scale),
 * Uniform (a, b), Exponential (rate, -), RAW: the uniforms themselves. */
static void transform(float *buf, uint32_t count, int law, float p0, float p1) {
  const v P0 = fsplat(p0), P1 = fsplat(p1), one = fsplat(1.0f), half = fsplat(0.5f);
  switch (law) {
  case GUMBEL:
    for (uint32_t i = 0; i < count; i += 4) {
      v u = uniform(wasm_v128_load(buf + i));
      wasm_v128_store(buf + i, wasm_f32x4_sub(P0, wasm_f32x4_mul(P1, vlog(wasm_f32x4_neg(vlog(u))))));
    }
    break;
  case NORMAL:
    for (uint32_t i = 0; i < count; i += 4) {
      v u = uniform(wasm_v128_load(buf + i));
      wasm_v128_store(buf + i, wasm_f32x4_add(P0, wasm_f32x4_mul(P1, vnormal_quantile(u))));
    }
    break;
  case LOGISTIC:
    for (uint32_t i = 0; i < count; i += 4) {
      v u = uniform(wasm_v128_load(buf + i));
      v z = wasm_f32x4_sub(vlog(u), vlog(wasm_f32x4_sub(one, u)));
      wasm_v128_store(buf + i, wasm_f32x4_add(P0, wasm_f32x4_mul(P1, z)));
    }
    break;
  case LAPLACE:
    for (uint32_t i = 0; i < count; i += 4) {
      v u = uniform(wasm_v128_load(buf + i));
      v below = wasm_f32x4_lt(u, half);
      v l = vlog(wasm_f32x4_add(wasm_v128_bitselect(u, wasm_f32x4_sub(one, u), below), wasm_v128_bitselect(u, wasm_f32x4_sub(one, u), below)));
      wasm_v128_store(buf + i, wasm_f32x4_add(P0, wasm_f32x4_mul(P1, wasm_v128_bitselect(l, wasm_f32x4_neg(l), below))));
    }
    break;
  case CAUCHY:
    for (uint32_t i = 0; i < count; i += 4) {
      v u = uniform(wasm_v128_load(buf + i));
      v lo = wasm_f32x4_lt(u, fsplat(0.25f)), hi = wasm_f32x4_gt(u, fsplat(0.75f));
      v a = wasm_v128_bitselect(u, wasm_v128_bitselect(wasm_f32x4_sub(one, u), wasm_f32x4_sub(u, half), hi), lo);
      v t = vtanpi(a);
      v inv = wasm_f32x4_div(one, t);
      v z = wasm_v128_bitselect(wasm_f32x4_neg(inv), wasm_v128_bitselect(inv, t, hi), lo);
      wasm_v128_store(buf + i, wasm_f32x4_add(P0, wasm_f32x4_mul(P1, z)));
    }
    break;
  case UNIFORM: {
    const v w = fsplat(p1 - p0);
    for (uint32_t i = 0; i < count; i += 4) {
      v u = uniform(wasm_v128_load(buf + i));
      /* From the nearer end, so both ends keep their digits. */
      v fromA = wasm_f32x4_add(P0, wasm_f32x4_mul(u, w));
      v fromB = wasm_f32x4_sub(P1, wasm_f32x4_mul(wasm_f32x4_sub(one, u), w));
      wasm_v128_store(buf + i, wasm_v128_bitselect(fromA, fromB, wasm_f32x4_le(u, half)));
    }
    break;
  }
  case EXPONENTIAL:
    for (uint32_t i = 0; i < count; i += 4) {
      v u = uniform(wasm_v128_load(buf + i));
      wasm_v128_store(buf + i, wasm_f32x4_div(wasm_f32x4_neg(vlog(wasm_f32x4_sub(one, u))), P0));
    }
    break;
  default:
    for (uint32_t i = 0; i < count; i += 4) wasm_v128_store(buf + i, uniform(wasm_v128_load(buf + i)));
  }
}

/* Noise for stream words [w, w + n) (n <= BATCH or one row), in scratch; returns its first value.
 * Generation starts at the enclosing block and rounds up to 8 blocks, so scratch needs n + 35 words. */
static float *noise_batch(uint32_t *scratch, uint64_t w, uint32_t n, uint32_t k0, uint32_t k1, int law, float p0, float p1) {
  uint32_t skip = (uint32_t)(w & 3u);
  uint32_t groups = (skip + n + 31u) / 32u;
  philox_blocks(scratch, w >> 2, groups, k0, k1);
  transform((float *)scratch, groups * 32u, law, p0, p1);
  return (float *)scratch + skip;
}

/* ---------------------------------------------------------------- rows */

static inline float hmax(v x) {
  x = wasm_f32x4_pmax(x, wasm_i32x4_shuffle(x, x, 2, 3, 0, 1));
  x = wasm_f32x4_pmax(x, wasm_i32x4_shuffle(x, x, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(x, 0);
}

static inline float hsum(v x) {
  x = wasm_f32x4_add(x, wasm_i32x4_shuffle(x, x, 2, 3, 0, 1));
  x = wasm_f32x4_add(x, wasm_i32x4_shuffle(x, x, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(x, 0);
}

/* The last d % 4 values of a row as a vector padded with `fill`. */
static inline v load_tail(const float *p, uint32_t n, float fill) {
  float t[4] = {fill, fill, fill, fill};
  for (uint32_t i = 0; i < n; i++) t[i] = p[i];
  return wasm_v128_load(t);
}

static inline void store_tail(float *p, v x, uint32_t n) {
  float t[4];
  wasm_v128_store(t, x);
  for (uint32_t i = 0; i < n; i++) p[i] = t[i];
}

/* Vectors per partial sum: row sums over up to 10^5+ terms are added in two levels (blocks of
 * 256 values, then the block sums), so the float32 error stays near sqrt(d) ulps. */
#define SUM_BLOCK 64u

/* Rows R0 .. R0+n-1 of the output from their noise g (n*d values): y = softmax((theta + g - max)/tau)
 * or, with `hard`, the one-hot of the first argmax of theta + g. Row R uses theta row R mod thetaRows. */
static void softmax_rows(const float *theta, uint32_t thetaRows, uint32_t d, const float *g, float *out, uint64_t R0, uint32_t n, float tau,
                         int hard) {
  const uint32_t full = d & ~3u, rest = d & 3u;
  /* A product with 1/tau, not a quotient: within an ulp of (u - max)/tau, and the row's
   * exponentials are the hot loop. */
  const v T = fsplat(1.0f / tau);
  for (uint32_t r = 0; r < n; r++) {
    const float *th = theta + (uint64_t)((R0 + r) % thetaRows) * d;
    const float *gr = g + (uint64_t)r * d;
    float *o = out + (uint64_t)r * d;
    v vm = fsplat(-__builtin_inff());
    for (uint32_t j = 0; j < full; j += 4) {
      v u = wasm_f32x4_add(wasm_v128_load(th + j), wasm_v128_load(gr + j));
      wasm_v128_store(o + j, u);
      vm = wasm_f32x4_pmax(vm, u);
    }
    float m = hmax(vm);
    for (uint32_t j = full; j < d; j++) {
      float u = th[j] + gr[j];
      o[j] = u;
      m = u > m ? u : m;
    }
    if (hard) {
      uint32_t at = 0;
      while (o[at] != m) at++;
      for (uint32_t j = 0; j < d; j++) o[j] = 0.0f;
      o[at] = 1.0f;
      continue;
    }
    /* exp((u - max)/tau) <= 1: no overflow for any finite theta and tau, and the max maps to 1. */
    const v M = fsplat(m);
    v total = wasm_f32x4_splat(0.0f);
    for (uint32_t j0 = 0; j0 < full; j0 += 4 * SUM_BLOCK) {
      uint32_t j1 = j0 + 4 * SUM_BLOCK < full ? j0 + 4 * SUM_BLOCK : full;
      v acc = wasm_f32x4_splat(0.0f);
      for (uint32_t j = j0; j < j1; j += 4) {
        v e = vexp(wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(o + j), M), T));
        wasm_v128_store(o + j, e);
        acc = wasm_f32x4_add(acc, e);
      }
      total = wasm_f32x4_add(total, acc);
    }
    if (rest) {
      v e = vexp(wasm_f32x4_mul(wasm_f32x4_sub(load_tail(o + full, rest, -__builtin_inff()), M), T));
      store_tail(o + full, e, rest);
      total = wasm_f32x4_add(total, e);
    }
    const v inv = fsplat(1.0f / hsum(total));
    for (uint32_t j = 0; j < full; j += 4) wasm_v128_store(o + j, wasm_f32x4_mul(wasm_v128_load(o + j), inv));
    for (uint32_t j = full; j < d; j++) o[j] *= wasm_f32x4_extract_lane(inv, 0);
  }
}

/* dtheta contributions of rows R0 .. R0+n-1: y (dy - <dy, y>) / tau. With g32, each theta row gets
 * exactly one contribution and it is stored; otherwise it is added to the float64 accumulator g64. */
static void backward_rows(const float *y, const float *dy, uint32_t d, uint64_t R0, uint32_t n, uint32_t thetaRows, float tau, float *g32,
                          double *g64) {
  const uint32_t full = d & ~3u, rest = d & 3u;
  const v T = fsplat(tau);
  for (uint32_t r = 0; r < n; r++) {
    const float *yr = y + (uint64_t)r * d, *dr = dy + (uint64_t)r * d;
    v total = wasm_f32x4_splat(0.0f);
    for (uint32_t j0 = 0; j0 < full; j0 += 4 * SUM_BLOCK) {
      uint32_t j1 = j0 + 4 * SUM_BLOCK < full ? j0 + 4 * SUM_BLOCK : full;
      v acc = wasm_f32x4_splat(0.0f);
      for (uint32_t j = j0; j < j1; j += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(yr + j), wasm_v128_load(dr + j)));
      total = wasm_f32x4_add(total, acc);
    }
    if (rest) total = wasm_f32x4_add(total, wasm_f32x4_mul(load_tail(yr + full, rest, 0.0f), load_tail(dr + full, rest, 0.0f)));
    const v dot = fsplat(hsum(total));
    const uint64_t at = (uint64_t)((R0 + r) % thetaRows) * d;
    if (g32) {
      float *gr = g32 + at;
      for (uint32_t j = 0; j < full; j += 4) {
        v c = wasm_f32x4_div(wasm_f32x4_mul(wasm_v128_load(yr + j), wasm_f32x4_sub(wasm_v128_load(dr + j), dot)), T);
        wasm_v128_store(gr + j, c);
      }
      for (uint32_t j = full; j < d; j++) gr[j] = yr[j] * (dr[j] - wasm_f32x4_extract_lane(dot, 0)) / tau;
    } else {
      double *gr = g64 + at;
      for (uint32_t j = 0; j < full; j += 4) {
        v c = wasm_f32x4_div(wasm_f32x4_mul(wasm_v128_load(yr + j), wasm_f32x4_sub(wasm_v128_load(dr + j), dot)), T);
        wasm_v128_store(gr + j, wasm_f64x2_add(wasm_v128_load(gr + j), wasm_f64x2_promote_low_f32x4(c)));
        wasm_v128_store(gr + j + 2, wasm_f64x2_add(wasm_v128_load(gr + j + 2), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(c, c, 2, 3, 0, 1))));
      }
      for (uint32_t j = full; j < d; j++) gr[j] += (double)(yr[j] * (dr[j] - wasm_f32x4_extract_lane(dot, 0)) / tau);
    }
  }
}

static inline uint32_t rows_per_batch(uint32_t d) { return d >= BATCH ? 1u : BATCH / d; }

/* ---------------------------------------------------------------- exports */

/* Rows R0 .. R0+n-1 of the relaxed (hard = 0) or one-hot (hard = 1) sample into out (n*d floats).
 * R0 and offset are doubles holding integers below 2^53. scratch: max(2048, d) + 64 words. */
void EXPORT(perturb_forward)(const float *theta, uint32_t thetaRows, uint32_t d, float *out, double R0, uint32_t n, uint32_t k0, uint32_t k1,
                             double offset, int law, float p0, float p1, float tau, int hard, uint32_t *scratch) {
  const uint64_t r0 = (uint64_t)R0, off = (uint64_t)offset;
  const uint32_t per = rows_per_batch(d);
  for (uint32_t r = 0; r < n; r += per) {
    uint32_t nb = n - r < per ? n - r : per;
    uint64_t R = r0 + r;
    float *g = noise_batch(scratch, off + R * d, nb * d, k0, k1, law, p0, p1);
    softmax_rows(theta, thetaRows, d, g, out + (uint64_t)r * d, R, nb, tau, hard);
  }
}

/* The backward pass from saved samples: rows R0 .. R0+n-1 of y and dy (n*d each). */
void EXPORT(perturb_backward)(const float *y, const float *dy, uint32_t d, double R0, uint32_t n, uint32_t thetaRows, float tau, float *g32,
                              double *g64) {
  backward_rows(y, dy, d, (uint64_t)R0, n, thetaRows, tau, g32, g64);
}

/* The backward pass with y recomputed from theta and the key, batch by batch while it is in L1
 * (straight-through estimators, whose forward output is one-hot). ybuf: max(2048, d) floats. */
void EXPORT(perturb_backward_recompute)(const float *theta, uint32_t thetaRows, uint32_t d, const float *dy, double R0, uint32_t n, uint32_t k0,
                                        uint32_t k1, double offset, int law, float p0, float p1, float tau, uint32_t *scratch, float *ybuf,
                                        float *g32, double *g64) {
  const uint64_t r0 = (uint64_t)R0, off = (uint64_t)offset;
  const uint32_t per = rows_per_batch(d);
  for (uint32_t r = 0; r < n; r += per) {
    uint32_t nb = n - r < per ? n - r : per;
    uint64_t R = r0 + r;
    float *g = noise_batch(scratch, off + R * d, nb * d, k0, k1, law, p0, p1);
    softmax_rows(theta, thetaRows, d, g, ybuf, R, nb, tau, 0);
    backward_rows(ybuf, dy + (uint64_t)r * d, d, R, nb, thetaRows, tau, g32, g64);
  }
}

/* n draws of the law (RAW: the uniforms) from stream words offset .. offset+n-1, for tests. */
void EXPORT(perturb_noise)(float *out, uint32_t n, uint32_t k0, uint32_t k1, double offset, int law, float p0, float p1, uint32_t *scratch) {
  const uint64_t off = (uint64_t)offset;
  for (uint32_t i = 0; i < n; i += BATCH) {
    uint32_t nb = n - i < BATCH ? n - i : BATCH;
    const float *g = noise_batch(scratch, off + i, nb, k0, k1, law, p0, p1);
    for (uint32_t j = 0; j < nb; j++) out[i + j] = g[j];
  }
}

/* Index of the first non-finite value of x[0 .. n), or -1 (x - x is NaN exactly for NaN and ±inf). */
int32_t EXPORT(perturb_nonfinite)(const float *x, uint32_t n) {
  uint32_t i = 0;
  const v zero = fsplat(0.0f);
  for (; i + 4 <= n; i += 4) {
    v a = wasm_v128_load(x + i);
    if (wasm_v128_any_true(wasm_f32x4_ne(wasm_f32x4_sub(a, a), zero))) break;
  }
  for (; i < n; i++) {
    if (x[i] - x[i] != 0.0f) return (int32_t)i;
  }
  return -1;
}

/* The law's transform of n (a multiple of 4) given stream words, in place, for tests of the tails:
 * word k << 9 is the uniform (k + 0.5) / 2^23. */
void EXPORT(perturb_transform)(float *buf, uint32_t n, int law, float p0, float p1) { transform(buf, n, law, p0, p1); }

/* float64 accumulators to float32 (separate buffers). */
void EXPORT(perturb_narrow)(float *out, const double *in, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) out[i] = (float)in[i];
}

/* Zero n doubles (the accumulator, before a backward pass). */
void EXPORT(perturb_zero)(double *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) p[i] = 0.0;
}

/* ---------------------------------------------------------------- Adam */

/* One Adam step on n values, in place on theta, m and the second moment s, as tf.train.adam (tfjs 4.22) computes it,
 * op for op in float32 so the result is bit-identical to tfjs's separate tensor ops:
 *   m' = m b1 + g ob1,  s' = s b2 + (g g) ob2,  theta' = ((m' / c1) / (sqrt(s' / c2) + eps)) nlr + theta
 * with ob = 1 - beta, c = 1 - beta^t (the caller's float32 running product, as tfjs keeps it) and
 * nlr = -learningRate, all rounded to float32 by the caller as tfjs's scalars are. Epsilon is added
 * to the square root of the bias-corrected s, not folded into a step size: folding would change the
 * rounding. SIMD128 has no fused multiply-add and nothing here is compiled with fast-math, so every
 * product and sum rounds once, like tfjs's. */
void EXPORT(perturb_adam)(float *theta, const float *g, float *m, float *s, uint32_t n, float b1, float ob1, float b2, float ob2, float c1,
                          float c2, float eps, float nlr) {
  const v B1 = fsplat(b1), OB1 = fsplat(ob1), B2 = fsplat(b2), OB2 = fsplat(ob2), C1 = fsplat(c1), C2 = fsplat(c2), E = fsplat(eps),
          L = fsplat(nlr);
  uint32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v gi = wasm_v128_load(g + i);
    v mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), B1), wasm_f32x4_mul(gi, OB1));
    v vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(s + i), B2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), OB2));
    wasm_v128_store(m + i, mi);
    wasm_v128_store(s + i, vi);
    v step = wasm_f32x4_div(wasm_f32x4_div(mi, C1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, C2)), E));
    wasm_v128_store(theta + i, wasm_f32x4_add(wasm_f32x4_mul(step, L), wasm_v128_load(theta + i)));
  }
  for (; i < n; i++) {
    float gi = g[i];
    float mi = m[i] * b1 + gi * ob1;
    float vi = s[i] * b2 + (gi * gi) * ob2;
    m[i] = mi;
    s[i] = vi;
    theta[i] = ((mi / c1) / (__builtin_sqrtf(vi / c2) + eps)) * nlr + theta[i];
  }
}

/* ---------------------------------------------------------------- Gaussian-Argmax probabilities on a grid */

/* P_i = sum_n w_n phi(z_in) prod_{j != i} Phi(z_jn), z_in = (max theta - theta_i) + o_n, per row of
 * theta, in log space: log phi(z_in) - log Phi(z_in) + sum_j log Phi(z_jn). Nodes are the vector lanes
 * (the caller pads them to a multiple of 4 with zero weights), so any d runs without a SIMD tail. */

#define LOG_SQRT_2PI 0.918938533204672742f
/* Where z is clamped: far beyond where Phi = 1 and phi = 0 in float32, and z^2 stays finite. */
#define Z_CLAMP 1.0e6f

/* Numerical Recipes' erfcc: erfc(x) = t exp(-x^2 + p(t)), t = 1/(1 + x/2), x >= 0, relative error
 * below 1.2e-7 in float64 (below 4e-7 for log Phi here in float32, z >= -3). */
static const float ERFC_P[10] = {-1.26551223f, 1.00002368f, 0.37409196f, 0.09678418f, -0.18628806f,
                                 0.27886807f, -1.13520398f, 1.48851587f, -0.82215223f, 0.17087277f};

/* log Phi(z), log phi(z) - log Phi(z) (in *dl) and, with mills != 0, phi(z)/Phi(z) (in *mills).
 * Q(|z|) = Phi(-|z|) = exp(lr - z^2/2) with lr = p(t) - log(2 + x), x = |z|/sqrt 2, so the lower
 * tail never forms 1 + erf (which cancels: 0 in float32 below z = -5.9) and the upper tail is
 * log1p(-Q), computed as log(u) - ((u - 1) + Q)/u with u = 1 - Q (exact steps; no fused ops). */
static inline v vlog_ndtr(v z, v *dl, v *mills) {
  v x = wasm_f32x4_mul(wasm_f32x4_abs(z), fsplat(0.707106781186547524f));
  v t = wasm_f32x4_div(fsplat(1.0f), wasm_f32x4_add(fsplat(1.0f), wasm_f32x4_mul(fsplat(0.5f), x)));
  v p = fsplat(ERFC_P[9]);
  for (int k = 8; k >= 0; k--) p = wasm_f32x4_add(wasm_f32x4_mul(p, t), fsplat(ERFC_P[k]));
  v lr = wasm_f32x4_sub(p, vlog(wasm_f32x4_add(fsplat(2.0f), x)));
  v h = wasm_f32x4_mul(fsplat(0.5f), wasm_f32x4_mul(z, z));
  v neg = wasm_f32x4_lt(z, fsplat(0.0f));
  v q = vexp(wasm_f32x4_sub(lr, h));
  v u = wasm_f32x4_sub(fsplat(1.0f), q);
  v lpos = wasm_f32x4_sub(vlog(u), wasm_f32x4_div(wasm_f32x4_add(wasm_f32x4_sub(u, fsplat(1.0f)), q), u));
  v l = wasm_v128_bitselect(wasm_f32x4_sub(lr, h), lpos, neg);
  /* log phi - log Phi: below 0 it is -LOG_SQRT_2PI - lr exactly (the z^2 terms cancel). */
  v hl = wasm_v128_bitselect(lr, wasm_f32x4_add(h, l), neg);
  *dl = wasm_f32x4_sub(fsplat(-LOG_SQRT_2PI), hl);
  if (mills) *mills = vexp(*dl);
  return l;
}

static inline float row_max(const float *th, uint32_t d) {
  float m = th[0];
  for (uint32_t i = 1; i < d; i++) m = th[i] > m ? th[i] : m;
  return m;
}

/* Probabilities of `rows` rows of theta [rows, d] into out [rows, d]. offs, wts: `nodes` (a multiple
 * of 4) offsets and weights. With jac != 0, also the transposed Jacobian of each row into jac
 * [rows, d, d], jac[r, i, j] = dP_j / dtheta_i (the autodiff of the tfjs formulation, as
 * perturb_gauss_grid_backward has it), so that the backward pass is dtheta_i = sum_j jac[r, i, j] dP_j
 * (perturb_gauss_grid_vjp): with E_in = w_n exp(log phi(z_in) + sum_{j != i} log Phi(z_jn)) and
 * M_in = (phi/Phi)(z_in), the row's A_ij = sum_n M_in E_jn (j != i) and A_ii = -sum_n z_in E_in give
 * jac[r, i, j] = -A_ij + [theta_i = max] sum_k A_kj. O(d^2 n) more per row; meant for small d.
 * scratch: 8 d floats, or (20 d + 4 d^2) floats with jac. */
void EXPORT(perturb_gauss_grid)(const float *theta, uint32_t rows, uint32_t d, const float *offs, const float *wts, uint32_t nodes, float *out,
                                float *jac, float *scratch) {
  v *D = (v *)scratch, *acc = D + d, *M = acc + d, *Z = M + d, *E = Z + d, *A = E + d;
  for (uint32_t r = 0; r < rows; r++) {
    const float *th = theta + (uint64_t)r * d;
    const float m = row_max(th, d);
    for (uint32_t i = 0; i < d; i++) acc[i] = fsplat(0.0f);
    if (jac)
      for (uint32_t i = 0; i < d * d; i++) A[i] = fsplat(0.0f);
    for (uint32_t k = 0; k < nodes; k += 4) {
      const v O = wasm_v128_load(offs + k), W = wasm_v128_load(wts + k);
      v S = fsplat(0.0f);
      if (!jac) {
        for (uint32_t i = 0; i < d; i++) {
          v z = wasm_f32x4_pmin(wasm_f32x4_add(fsplat(m - th[i]), O), fsplat(Z_CLAMP));
          S = wasm_f32x4_add(S, vlog_ndtr(z, &D[i], 0));
        }
        for (uint32_t i = 0; i < d; i++) acc[i] = wasm_f32x4_add(acc[i], wasm_f32x4_mul(W, vexp(wasm_f32x4_add(D[i], S))));
        continue;
      }
      for (uint32_t i = 0; i < d; i++) {
        v z = wasm_f32x4_pmin(wasm_f32x4_add(fsplat(m - th[i]), O), fsplat(Z_CLAMP));
        Z[i] = z;
        S = wasm_f32x4_add(S, vlog_ndtr(z, &D[i], &M[i]));
      }
      for (uint32_t i = 0; i < d; i++) {
        v e = wasm_f32x4_mul(W, vexp(wasm_f32x4_add(D[i], S)));
        E[i] = e;
        acc[i] = wasm_f32x4_add(acc[i], e);
      }
      for (uint32_t i = 0; i < d; i++) {
        v *Ai = A + (uint64_t)i * d;
        const v Mi = M[i];
        for (uint32_t j = 0; j < d; j++) Ai[j] = wasm_f32x4_add(Ai[j], wasm_f32x4_mul(Mi, E[j]));
        /* The diagonal: -z E instead of M E (the j = i term is not in the product). */
        Ai[i] = wasm_f32x4_sub(wasm_f32x4_sub(Ai[i], wasm_f32x4_mul(Mi, E[i])), wasm_f32x4_mul(Z[i], E[i]));
      }
    }
    float *o = out + (uint64_t)r * d;
    for (uint32_t i = 0; i < d; i++) o[i] = hsum(acc[i]);
    if (!jac) continue;
    float *J = jac + (uint64_t)r * d * d;
    for (uint32_t i = 0; i < d; i++)
      for (uint32_t j = 0; j < d; j++) J[i * d + j] = -hsum(A[i * d + j]);
    for (uint32_t j = 0; j < d; j++) {
      float total = 0.0f;
      for (uint32_t i = 0; i < d; i++) total -= J[i * d + j];
      for (uint32_t i = 0; i < d; i++)
        if (th[i] == m) J[i * d + j] += total;
    }
  }
}

/* dtheta [rows, d] = jac [rows, d, d] times dP [rows, d], row by row (see perturb_gauss_grid). */
void EXPORT(perturb_gauss_grid_vjp)(const float *jac, const float *dP, uint32_t rows, uint32_t d, float *grad) {
  for (uint32_t r = 0; r < rows; r++) {
    const float *J = jac + (uint64_t)r * d * d, *dp = dP + (uint64_t)r * d;
    float *g = grad + (uint64_t)r * d;
    for (uint32_t i = 0; i < d; i++) {
      float s = 0.0f;
      for (uint32_t j = 0; j < d; j++) s += J[i * d + j] * dp[j];
      g[i] = s;
    }
  }
}

/* The vector-Jacobian product of perturb_gauss_grid: dtheta [rows, d] from dP [rows, d], as the
 * autodiff of the tfjs formulation gives it (the offsets fixed, the grid moving with max theta, whose
 * gradient goes to every tied maximum): with G_in = dP_i w_n E_in and H_n = sum_i G_in,
 * dz_in = -z_in G_in + (phi/Phi)(z_in) (H_n - G_in), dtheta_i = -sum_n dz_in + [theta_i = max] sum_jn dz_jn.
 * scratch: 20 d floats. */
void EXPORT(perturb_gauss_grid_backward)(const float *theta, const float *dP, uint32_t rows, uint32_t d, const float *offs, const float *wts,
                                         uint32_t nodes, float *grad, float *scratch) {
  v *D = (v *)scratch, *M = D + d, *Z = M + d, *G = Z + d, *acc = G + d;
  for (uint32_t r = 0; r < rows; r++) {
    const float *th = theta + (uint64_t)r * d, *dp = dP + (uint64_t)r * d;
    const float m = row_max(th, d);
    for (uint32_t i = 0; i < d; i++) acc[i] = fsplat(0.0f);
    for (uint32_t k = 0; k < nodes; k += 4) {
      const v O = wasm_v128_load(offs + k), W = wasm_v128_load(wts + k);
      v S = fsplat(0.0f);
      for (uint32_t i = 0; i < d; i++) {
        v z = wasm_f32x4_pmin(wasm_f32x4_add(fsplat(m - th[i]), O), fsplat(Z_CLAMP));
        Z[i] = z;
        S = wasm_f32x4_add(S, vlog_ndtr(z, &D[i], &M[i]));
      }
      v H = fsplat(0.0f);
      for (uint32_t i = 0; i < d; i++) {
        v g = wasm_f32x4_mul(wasm_f32x4_mul(fsplat(dp[i]), W), vexp(wasm_f32x4_add(D[i], S)));
        G[i] = g;
        H = wasm_f32x4_add(H, g);
      }
      for (uint32_t i = 0; i < d; i++) {
        v dz = wasm_f32x4_sub(wasm_f32x4_mul(M[i], wasm_f32x4_sub(H, G[i])), wasm_f32x4_mul(Z[i], G[i]));
        acc[i] = wasm_f32x4_add(acc[i], dz);
      }
    }
    float *g = grad + (uint64_t)r * d;
    float total = 0.0f;
    for (uint32_t i = 0; i < d; i++) {
      float s = hsum(acc[i]);
      g[i] = -s;
      total += s;
    }
    for (uint32_t i = 0; i < d; i++)
      if (th[i] == m) g[i] += total;
  }
}
