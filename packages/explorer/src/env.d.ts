// Vite's `?url` imports: the asset's served URL (HiGHS's wasm, hashed into the build).
declare module "*?url" {
  const url: string
  export default url
}
