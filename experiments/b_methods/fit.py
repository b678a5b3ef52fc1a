"""Experiment (b): throughput curves H(n) = alpha*n + beta of the GLM3-6B and Llama-2-7B kind.

Usage: /usr/bin/python3 fit.py            prints "name alpha beta" per workload
       /usr/bin/python3 fit.py --json     the same, with the points, as JSON

The points are published measurements, copied here with their sources (the collection and
its caveats: ../shared/data/throughput/README.md, not redistributed). No source gives a
multi-GPU LoRA series for either model on one stack, so each curve is a *shape* (beta/alpha,
from the nearest published LoRA series) times a *scale* (H(1), from a single-GPU
measurement of the model itself). docs/RESULTS.md states this assumption.
"""
import json
import sys

# Llama-2-7B LoRA, shape: DLRover/ATorch (Ant Group), atorch/examples/llama2/README.md,
# "Performance" (commit 11bf2fb, PR #825, Nov 2023): FSDP + LoRA on A100-80GB, batch 4 per GPU.
# Printed TFLOPS per GPU; aggregate throughput is proportional to n * TFLOPS/GPU.
LLAMA_SHAPE = {8: 177.9, 16: 165.03, 32: 164.04, 64: 160.69}
# Llama-2-7B LoRA, scale: BAAI FlagPerf, training/nvidia/llama2_7b_finetune-pytorch/README.md:
# 1 x A100-40GB, LoRA r=8, sequence 4096: 4945 tokens/s per GPU = 4945/4096 samples/s.
LLAMA_H1 = 4945 / 4096

# ChatGLM3-6B LoRA, scale: ModelScope ms-swift docs/source_en/LLM/Benchmark.md (2024), LoRA on one
# A100 at max_length 2048: 4.20 samples/s. (No multi-GPU ChatGLM3-6B LoRA measurement was found.)
GLM_H1 = 4.20
# Shape borrowed from Qwen-7B LoRA at sequence 2048, A100-80GB (QwenLM/Qwen README, "Profiling
# of Memory and Speed"): 5.2 s/iter on 1 GPU, 9.25 s/iter on 2x2 GPUs, 8 samples per GPU per
# iteration: H(1) = 8/5.2, H(4) = 32/9.25 samples/s. The closest 6-7B LoRA series at that length.
QWEN_POINTS = {1: 8 / 5.2, 4: 32 / 9.25}


def ols(points):
    """Least-squares alpha, beta of H(n) = alpha*n + beta through {n: H}."""
    ns = list(points)
    hs = [points[n] for n in ns]
    mn, mh = sum(ns) / len(ns), sum(hs) / len(hs)
    sxx = sum((n - mn) ** 2 for n in ns)
    alpha = sum((n - mn) * (h - mh) for n, h in zip(ns, hs)) / sxx
    return alpha, mh - alpha * mn


def workloads():
    llama_points = {n: n * tf for n, tf in LLAMA_SHAPE.items()}  # relative units
    a_rel, b_rel = ols(llama_points)
    llama_ratio = b_rel / a_rel  # beta/alpha in GPU-equivalents
    llama_alpha = LLAMA_H1 / (1 + llama_ratio)
    scale = llama_alpha / a_rel  # relative units -> samples/s
    qa, qb = ols(QWEN_POINTS)
    glm_ratio = qb / qa
    glm_alpha = GLM_H1 / (1 + glm_ratio)
    return [
        dict(name="llama2-7b", label="Llama-2-7B-like LoRA", alpha=llama_alpha, beta=llama_alpha * llama_ratio,
             points={str(n): h * scale for n, h in llama_points.items()}, anchor={"1": LLAMA_H1},
             shape_source="DLRover/ATorch Llama-2-7B LoRA, A100-80GB, n = 8-64 (scaled)",
             scale_source="FlagPerf Llama-2-7B LoRA, 1 x A100-40GB, seq 4096"),
        dict(name="glm3-6b", label="ChatGLM3-6B-like LoRA", alpha=glm_alpha, beta=glm_alpha * glm_ratio,
             points={str(n): h * GLM_H1 / QWEN_POINTS[1] for n, h in QWEN_POINTS.items()}, anchor={"1": GLM_H1},
             shape_source="Qwen-7B LoRA seq 2048, A100-80GB, n = 1, 4 (scaled)",
             scale_source="ms-swift ChatGLM3-6B LoRA, 1 x A100, max_length 2048"),
    ]


if __name__ == "__main__":
    w = workloads()
    if "--json" in sys.argv:
        print(json.dumps(w, indent=1))
    else:
        for x in w:
            print(x["name"], f"{x['alpha']:.4f}", f"{x['beta']:.4f}")
