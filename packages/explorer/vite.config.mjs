// Relative asset URLs, so the built page works from any folder or file server. tfjs alone is over
// Vite's 500 kB chunk advice; the explorer's own size is measured and printed by its test.
export default { base: "./", build: { chunkSizeWarningLimit: 2000 } }
