#!/usr/bin/env bash
# Builds the GPU-machine kit (design/gpu.md): the GPU machine has no Node.js and no network, and
# only the working tree plus `carry` paths travel, so everything the check needs goes into the
# git-ignored .gpu-kit/ and .gl/ folders:
#   .gpu-kit/check.mjs        packages/core/bench/gpu-check.ts bundled by esbuild (tfjs included)
#   .gpu-kit/node.xz          this machine's node binary, xz-compressed
#   .gpu-kit/dawn.node.xz     Dawn's linux-x64 binary from the npm package `webgpu`, xz-compressed
#   .gpu-kit/node_modules/webgpu/{index.js,package.json}   its loader, next to the bundle
#   .gl/libvulkan1_*.deb      Debian's Vulkan loader, unpacked there by scripts/gpu-run.sh
# With --bundle-only, only bundles the check to packages/core/dist/gpu-check.mjs (for `pnpm gpu:check`
# on a machine with Node, where `webgpu` resolves from packages/core/node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."

# tfjs's loaders use require/__filename/__dirname, which an ESM bundle lacks.
BANNER="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"

bundle() {
  # `webgpu` stays external: it loads a native binary, which cannot be bundled.
  pnpm exec esbuild packages/core/bench/gpu-check.ts --bundle --platform=node --format=esm \
    --external:webgpu --conditions=source --outfile="$1" --log-level=warning --banner:js="$BANNER"
}

if [ "${1:-}" = "--bundle-only" ]; then
  mkdir -p packages/core/dist
  bundle packages/core/dist/gpu-check.mjs
  exit 0
fi

rm -rf .gpu-kit
mkdir -p .gpu-kit/node_modules/webgpu .gl
bundle .gpu-kit/check.mjs

WEBGPU_DIR=$(cd packages/core && node -p "require('node:path').dirname(require.resolve('webgpu/package.json'))")
cp "$WEBGPU_DIR/index.js" "$WEBGPU_DIR/package.json" .gpu-kit/node_modules/webgpu/
xz -T2 -6 -c "$WEBGPU_DIR/dist/linux-x64/dawn.node" > .gpu-kit/dawn.node.xz
xz -T2 -6 -c "$(command -v node)" > .gpu-kit/node.xz

# The check runs on tfjs's webgpu and cpu backends; ship the wasm backend's binaries only if the
# bundle ever pulls that backend in.
if grep -q "tfjs-backend-wasm" .gpu-kit/check.mjs; then
  WASM_DIR=$(cd packages/core && node -p "require('node:path').dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))")/dist
  cp "$WASM_DIR"/*.wasm .gpu-kit/
fi

# Debian's Vulkan loader and glvnd (the GPU machine has the NVIDIA driver and its ICD json, but no
# loader; NVIDIA's ICD, libGLX_nvidia.so.0, fails to start without libGLdispatch from glvnd).
rm -f .gl/*.deb
mkdir -p /tmp/amd64/partial
apt_amd64='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
apt-get $apt_amd64 update >/dev/null
(cd .gl && apt-get $apt_amd64 download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)

du -sh .gpu-kit .gl
echo "kit total: $(du -cb .gpu-kit .gl | tail -1 | cut -f1) bytes"
