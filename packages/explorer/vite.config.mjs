// Relative asset URLs, so the built page works from any folder or file server.
export default { base: "./" }
