/**
 * This package's own location in Node, for `createRequire` (internal/tfjs.ts resolves
 * tfjs-backend-wasm's files from where this package is installed). Apart from the code that uses it
 * because browser bundlers warn on `import.meta` in an iife; selected by the `node` condition of
 * the `#here` import (package.json `imports`).
 *
 * @internal
 */
export const here: string | undefined = import.meta.url
