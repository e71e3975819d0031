/**
 * The tags and parameters of the built-in laws: plain types, apart from `Law.ts` so that the
 * numerics (internal/families.ts) can be typed by them without an import cycle.
 *
 * @since 0.2.0
 */

/**
 * The parameters of each built-in family, by tag.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParamsByTag {
  readonly Gumbel: { readonly loc: number; readonly scale: number }
  readonly Normal: { readonly mean: number; readonly sd: number }
  readonly Logistic: { readonly loc: number; readonly scale: number }
  readonly Laplace: { readonly loc: number; readonly scale: number }
  readonly StudentT: { readonly df: number; readonly loc: number; readonly scale: number }
  readonly Cauchy: { readonly loc: number; readonly scale: number }
  readonly Uniform: { readonly a: number; readonly b: number }
  readonly Exponential: { readonly rate: number }
  readonly Discrete: { readonly atoms: ReadonlyArray<number>; readonly weights: ReadonlyArray<number> }
  readonly Custom: { readonly name: string }
}

/**
 * @since 0.1.0
 * @category models
 */
export type LawTag = keyof ParamsByTag

/**
 * A tag with its parameters: what identifies a law (its numerics follow from it).
 *
 * @since 0.2.0
 * @category models
 */
export type LawSpec<Tag extends LawTag = LawTag> = {
  readonly [K in Tag]: { readonly _tag: K; readonly params: ParamsByTag[K] }
}[Tag]

