"""PyTorch baseline for the WebGPU check: F.gumbel_softmax at [ROWS, D] on CUDA.

Times the forward pass (relaxed and hard) and forward + backward (y.backward(dy)), averaged over
many iterations between CUDA events after a warm-up, the same shape and temperature as
packages/core/bench/gpu-check.ts. Writes JSON to the path given as the first argument.
Sizes: TORCH_ROWS (65536), TORCH_D (1000), TORCH_ITERS (50).
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

ROWS = int(os.environ.get("TORCH_ROWS", 65536))
D = int(os.environ.get("TORCH_D", 1000))
ITERS = int(os.environ.get("TORCH_ITERS", 50))
TAU = 0.5


def time_ms(step, iters=ITERS, warmup=5):
    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(iters):
        step()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / iters


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "torch.json"
    if not torch.cuda.is_available():
        json.dump({"error": "CUDA unavailable"}, open(out, "w"))
        return
    torch.manual_seed(0)
    dev = torch.device("cuda")
    theta = torch.randn(ROWS, D, device=dev)
    dy = torch.randn(ROWS, D, device=dev)
    leaf = theta.clone().requires_grad_(True)

    def fwd():
        with torch.no_grad():
            F.gumbel_softmax(theta, tau=TAU)

    def fwd_hard():
        with torch.no_grad():
            F.gumbel_softmax(theta, tau=TAU, hard=True)

    def fwd_bwd():
        leaf.grad = None
        y = F.gumbel_softmax(leaf, tau=TAU)
        y.backward(dy)

    def fwd_bwd_st():
        leaf.grad = None
        y = F.gumbel_softmax(leaf, tau=TAU, hard=True)
        y.backward(dy)

    result = {
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(0),
        "shape": [ROWS, D],
        "iterations": ITERS,
        "tau": TAU,
        "forwardMs": time_ms(fwd),
        "forwardHardMs": time_ms(fwd_hard),
        "forwardBackwardMs": time_ms(fwd_bwd),
        "forwardBackwardStraightThroughMs": time_ms(fwd_bwd_st),
    }
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
    print("[torch]", json.dumps(result))


if __name__ == "__main__":
    main()
