#!/usr/bin/python3
"""The PyTorch side of TinyGpt's benchmark: nanoGPT's model and AdamW setup in float32, as nanoGPT runs
on a CPU, trained on the exact batches and from the exact starting weights the C# side used.

Run by bench/TinyGpt.Bench (one JSON object on stdout); by hand:
  pytorch_train.py peak --threads 2
  pytorch_train.py train --spec spec.json --threads 2

The model is tests/python/reference_gpt.py's GPT (the project's parity reference). PyTorch 1.13 has no scaled_dot_product_attention: attention is the explicit
masked softmax, as nanoGPT does on PyTorch < 2.0.
"""

import argparse
import json
import math
import os
import struct
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "..", "tests", "python")


class Config:
    def __init__(self, n_layer, n_head, n_embd, block_size, vocab_size, dropout, bias, tie_weights=True):
        self.n_layer, self.n_head, self.n_embd = n_layer, n_head, n_embd
        self.block_size, self.vocab_size, self.dropout = block_size, vocab_size, dropout
        self.bias, self.tie_weights = bias, tie_weights


def build_model(c):
    """The project's parity reference (nanoGPT's GPT for PyTorch 1.13), so the benchmark and the parity
    tests measure one and the same model."""
    sys.path.insert(0, REFERENCE)
    import reference_gpt
    config = reference_gpt.GPTConfig(block_size=c.block_size, vocab_size=c.vocab_size, n_layer=c.n_layer,
                                     n_head=c.n_head, n_embd=c.n_embd, dropout=c.dropout, bias=c.bias)
    return reference_gpt.GPT(config), "tests/python/reference_gpt.py"


def read_tensors(path):
    """The weights the C# side wrote: u64 header length, JSON {name: {shape, offset}}, float32 data."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length).decode("utf-8"))
        data = f.read()
    out = {}
    for name, entry in header.items():
        count = math.prod(entry["shape"])
        flat = torch.frombuffer(bytearray(data[entry["offset"]:entry["offset"] + 4 * count]), dtype=torch.float32)
        out[name] = flat.view(entry["shape"])
    return out


def configure_optimizer(model, lr, betas, weight_decay):
    """nanoGPT's configure_optimizers: decay the >= 2-D tensors, not biases and norm gains."""
    params = [p for p in model.parameters() if p.requires_grad]      # a tied weight once
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=betas)             # PyTorch 1.13: no fused AdamW on CPU


def prepare(spec):
    """The model from the C# side's weights, nanoGPT's AdamW and the batches, ready to step."""
    c = Config(**spec["config"])
    model, _ = build_model(c)
    weights = read_tensors(spec["weights"])
    missing, unexpected = model.load_state_dict(weights, strict=False)
    missing = [k for k in missing if not (k == "lm_head.weight" and "transformer.wte.weight" in weights)]
    if missing or unexpected:
        raise SystemExit(f"weights do not fit the model: missing {missing}, unexpected {unexpected}")
    torch.manual_seed(spec.get("seed", 1337))
    opt = configure_optimizer(model, spec["lr"], tuple(spec["betas"]), spec["weight_decay"])
    B, T = spec["batch_size"], c.block_size
    steps = spec["warmup_steps"] + spec["steps"]
    with open(spec["batches"], "rb") as f:
        data = torch.frombuffer(bytearray(f.read()), dtype=torch.int64).view(steps, B, T + 1)
    model.train()
    return model, opt, data, T


def new_phases():
    return {name: 0.0 for name in ("forward", "zero_grad", "backward", "clip", "step", "item")}


def timed_step(model, opt, x, y, grad_clip, phases):
    """One training step of train.py's loop, each phase's seconds added to phases; returns the loss."""
    t0 = time.perf_counter()
    _, loss = model(x, y)
    t1 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    t2 = time.perf_counter()
    loss.backward()
    t3 = time.perf_counter()
    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    t4 = time.perf_counter()
    opt.step()
    t5 = time.perf_counter()
    value = loss.item()
    t6 = time.perf_counter()
    for name, seconds in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)):
        phases[name] += seconds
    return value


def train(spec):
    model, opt, data, T = prepare(spec)
    source = "tests/python/reference_gpt.py"
    steps = spec["warmup_steps"] + spec["steps"]
    losses = []
    phases = new_phases()
    for step in range(steps):
        x, y = data[step, :, :T].contiguous(), data[step, :, 1:].contiguous()
        # Warm-up steps are timed into a throw-away tally.
        tally = phases if step >= spec["warmup_steps"] else new_phases()
        losses.append(timed_step(model, opt, x, y, spec["grad_clip"], tally))
    timed = sum(phases.values())
    return {"model": source, "seconds": timed, "losses": losses, "threads": torch.get_num_threads(), "phases": phases}


def serve(spec):
    """Steps on request, so that a caller can interleave short chunks of PyTorch steps with its own: each
    line 'steps N' on stdin runs N training steps (cycling through the batches) and answers one JSON line
    with their seconds, by phase as in train; 'threads N' sets torch's threads; 'quit' ends."""
    model, opt, data, T = prepare(spec)
    step = 0
    print(json.dumps({"ready": True, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        if words[0] == "threads":
            torch.set_num_threads(int(words[1]))
            print(json.dumps({"threads": torch.get_num_threads()}), flush=True)
            continue
        phases = new_phases()
        losses = []
        for _ in range(int(words[1])):
            b = step % data.shape[0]
            x, y = data[b, :, :T].contiguous(), data[b, :, 1:].contiguous()
            losses.append(timed_step(model, opt, x, y, spec["grad_clip"], phases))
            step += 1
        print(json.dumps({"seconds": sum(phases.values()), "phases": phases, "losses": losses}), flush=True)
    return None


def peak(size=2048, repeats=5):
    """Best float32 matmul GFLOP/s at size^3 (what the BLAS behind this torch delivers)."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - began)
    return {"float32_gflops": 2 * size ** 3 / best / 1e9, "size": size}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["peak", "train", "serve"])
    parser.add_argument("--spec", help="JSON file: config, weights, batches, steps, optimizer settings")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.command == "peak":
        result = peak()
    elif args.command == "serve":
        with open(args.spec, encoding="utf-8") as f:
            serve(json.load(f))
        return
    else:
        with open(args.spec, encoding="utf-8") as f:
            result = train(json.load(f))
    result["torch"] = torch.__version__
    result["blas"] = loaded_blas()
    print(json.dumps(result))


def loaded_blas():
    """The BLAS this process really runs: Debian's torch calls whichever libblas.so.3 the alternatives pick."""
    torch.randn(64, 64) @ torch.randn(64, 64)
    with open("/proc/self/maps", encoding="utf-8") as f:
        libraries = {line.split()[-1] for line in f if ".so" in line}
    for library in sorted(libraries):
        if "openblas" in library:
            return "OpenBLAS (" + ("OpenMP" if "openmp" in library else "pthreads" if "pthread" in library else "serial") + ")"
    for library in sorted(libraries):
        if "libmkl" in library:
            return "MKL"
    return "reference BLAS (slow: apt-get install libopenblas0-openmp)"


if __name__ == "__main__":
    main()
