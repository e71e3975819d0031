#!/usr/bin/env bash
# The one command to run on the GPU machine (after scripts/gpu-kit.sh here; carry .gpu-kit and .gl):
# unpacks node and Dawn, installs the Vulkan loader from .gl, points Vulkan at the NVIDIA driver,
# runs the check with a timeout, then (where PyTorch exists) the PyTorch comparison. Results go to
# $OUT (default bench/results): gpu.json, torch.json and gpu-run.log.
# Sizes: GPU_CHECK_* variables (see packages/core/bench/gpu-check.ts), TORCH_ROWS/TORCH_D/TORCH_ITERS;
# GPU_RUN_TORCH=0 skips the PyTorch comparison (e.g. for a VAE-only run).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/bench/results}
export OUT
mkdir -p "$OUT"
exec > >(tee -a "$OUT/gpu-run.log") 2>&1
# Unpack outside the working tree, so a local test never leaves 120 MB of binaries in .gpu-kit.
RUN=${GPU_KIT_RUN:-${TMPDIR:-/tmp}/perturb-gpu-kit}
echo "== gpu-run $(date -u +%FT%TZ) on $(hostname), unpacking into $RUN"
mkdir -p "$RUN/node_modules/webgpu/dist/linux-x64"
cp .gpu-kit/check.mjs "$RUN/"
cp .gpu-kit/node_modules/webgpu/index.js .gpu-kit/node_modules/webgpu/package.json "$RUN/node_modules/webgpu/"
[ -x "$RUN/node" ] || { xz -T2 -dc .gpu-kit/node.xz > "$RUN/node" && chmod +x "$RUN/node"; }
DAWN=$RUN/node_modules/webgpu/dist/linux-x64/dawn.node
[ -f "$DAWN" ] || xz -dc .gpu-kit/dawn.node.xz > "$DAWN"
for f in .gpu-kit/*.wasm; do [ -f "$f" ] && cp "$f" "$RUN/"; done

# The Vulkan loader plus glvnd: NVIDIA's ICD (libGLX_nvidia.so.0) cannot start without libGLdispatch.
if [ "${GPU_RUN_SKIP_GL:-0}" != 1 ]; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
for f in /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json; do
  [ -f "$f" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$f
done
if [ -z "${VK_DRIVER_FILES:-}" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then export VK_DRIVER_FILES=$f; break; fi
  done
fi
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-<unset>}"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

timeout "${GPU_CHECK_TIMEOUT:-360}" "$RUN/node" "$RUN/check.mjs"
echo "== check exit status $?"

if [ "${GPU_RUN_TORCH:-1}" = 0 ]; then
  echo "== GPU_RUN_TORCH=0: skipped the PyTorch comparison"
elif python3 -c "import torch" 2>/dev/null; then
  timeout "${TORCH_TIMEOUT:-150}" python3 scripts/torch_gumbel.py "$OUT/torch.json"
  echo "== torch exit status $?"
else
  echo "== no PyTorch here: skipped the comparison"
fi
