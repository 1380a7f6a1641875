"""Single-thread PyTorch timings for the bench shapes; prints one JSON object of medians in ms.

Run with a Python that has torch (Debian's python3-torch at /usr/bin/python3). Prints
{"torch": null, "reason": ...} when torch cannot be imported, so the harness can still report.
"""
import json
import statistics
import sys
import time


def median_ms(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def main():
    try:
        import torch
    except Exception as exc:  # torch missing or broken: report, never crash
        print(json.dumps({"torch": None, "reason": "torch unavailable: %s" % exc}))
        return
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)

    with torch.no_grad():
        x_bn = torch.randn(32, 64, 56, 56, generator=g)
        bn = torch.nn.BatchNorm2d(64).train()
        x_ln = torch.randn(8, 512, 768, generator=g)
        ln = torch.nn.LayerNorm(768)
        rms_w = torch.ones(768)
        # RMSNorm does not exist in torch 1.13; this is the documented formula with torch ops.
        eps = torch.finfo(torch.float32).eps

        def rms():
            return x_ln * torch.rsqrt(x_ln.pow(2).mean(-1, keepdim=True) + eps) * rms_w

        out = {
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "batch_norm": median_ms(lambda: bn(x_bn), 3, repeats),
            "layer_norm": median_ms(lambda: ln(x_ln), 5, repeats * 2),
            "rms_norm": median_ms(rms, 5, repeats * 2),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
