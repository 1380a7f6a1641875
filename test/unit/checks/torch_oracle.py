"""Checks the rules' findings against real PyTorch. Reads a JSON list of cases on stdin and prints
one verdict per case:
- construct: evaluating `code` must raise (e.g. GroupNorm with groups not dividing channels);
- mismatch: `producer` alone runs on `shape`, and `norm` after it raises;
- bias: with `norm` after `producer` in training mode, changing the producer's bias leaves the
  output unchanged (the bias is cancelled).
A case whose code cannot be evaluated here (names that only exist in the original program) is
reported as "skipped"."""
import json
import sys

import torch

torch.manual_seed(0)
ns = {"torch": torch}


def build(code):
    try:
        return eval(code, dict(ns))
    except NameError:
        return None


verdicts = []
for case in json.load(sys.stdin):
    kind = case["kind"]
    try:
        if kind == "construct":
            try:
                eval(case["code"], dict(ns))
                verdicts.append("accepted")
            except NameError:
                verdicts.append("skipped")
            except Exception:
                verdicts.append("raised")
            continue
        producer = build(case["producer"])
        norm = build(case["norm"])
        if producer is None or norm is None:
            verdicts.append("skipped")
            continue
        x = torch.randn(*case["shape"])
        y = producer(x)
        if kind == "mismatch":
            try:
                norm.train()
                norm(y)
                verdicts.append("accepted")
            except Exception:
                verdicts.append("raised")
        elif kind == "bias":
            norm.train()
            before = norm(producer(x)).detach()
            with torch.no_grad():
                producer.bias.add_(torch.randn_like(producer.bias) * 5)
            after = norm(producer(x)).detach()
            verdicts.append("cancelled" if torch.allclose(before, after, atol=1e-4) else "changed")
    except Exception as e:  # the producer itself cannot run on this shape
        verdicts.append("skipped")
json.dump(verdicts, sys.stdout)
