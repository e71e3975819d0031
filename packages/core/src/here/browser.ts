/**
 * Outside Node there is no file to resolve from: `useWasmThreads` changes nothing there (see
 * WasmThreads.ts). Selected by the `browser`/`default` conditions of the `#here` import.
 *
 * @internal
 */
export const here: string | undefined = undefined
