// Node resolve hook for scripts/api-docs.mjs. TypeScript 7 (the repo's compiler) ships no JS API,
// and TypeDoc drives the compiler through that API, so TypeDoc's `typescript` import is pointed at
// the TypeScript 6 kept beside it as the `typescript-6` alias. The build itself still uses TS 7.
export async function resolve(specifier, context, next) {
  if (specifier === "typescript" && context.parentURL?.includes("/typedoc/")) {
    return next("typescript-6", { ...context, parentURL: import.meta.url })
  }
  return next(specifier, context)
}
