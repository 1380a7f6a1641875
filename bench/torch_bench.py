"""Single-thread PyTorch timings for the bench shapes (Debian's python3-torch at /usr/bin/python3).

Two ways to run:
  torch_bench.py [repeats]   prints one JSON object of medians in ms per case.
  torch_bench.py --serve     answers lines "CASE COUNT" on stdin with a JSON list of COUNT
                             timings in ms, so a caller can alternate PyTorch with its own runs.
Without torch it prints {"torch": null, "reason": ...} (in --serve mode as its first line).
"""
import json
import statistics
import sys
import time


def build_cases(torch):
    g = torch.Generator().manual_seed(0)
    x_bn = torch.randn(32, 64, 56, 56, generator=g)
    bn = torch.nn.BatchNorm2d(64).train()
    x_ln = torch.randn(8, 512, 768, generator=g)
    ln = torch.nn.LayerNorm(768)
    rms_w = torch.ones(768)
    # RMSNorm does not exist in torch 1.13: the documented formula with torch ops.
    eps = torch.finfo(torch.float32).eps

    def rms():
        return x_ln * torch.rsqrt(x_ln.pow(2).mean(-1, keepdim=True) + eps) * rms_w

    return {"batch_norm": lambda: bn(x_bn), "layer_norm": lambda: ln(x_ln), "rms_norm": rms}


def timings(fn, count):
    out = []
    for _ in range(count):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def main():
    serve = "--serve" in sys.argv
    try:
        import torch
    except Exception as exc:  # torch missing or broken: report, never crash
        print(json.dumps({"torch": None, "reason": "torch unavailable: %s" % exc}), flush=True)
        return
    torch.set_num_threads(1)
    with torch.no_grad():
        cases = build_cases(torch)
        if serve:
            print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
            for line in sys.stdin:
                parts = line.split()
                if len(parts) != 2 or parts[0] not in cases:
                    print(json.dumps({"error": "expected 'CASE COUNT', CASE one of %s" % sorted(cases)}), flush=True)
                    continue
                print(json.dumps(timings(cases[parts[0]], int(parts[1]))), flush=True)
            return
        repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 20
        out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
        for name, fn in cases.items():
            timings(fn, 3)
            out[name] = statistics.median(timings(fn, repeats))
        print(json.dumps(out))


if __name__ == "__main__":
    main()
