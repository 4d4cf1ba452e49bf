#!/usr/bin/python3
"""nanoGPT's own training recipe for the baby config, in PyTorch, on TinyGpt's embedded corpus: the
yardstick bench/quality holds `tinygpt train --model baby` to.

It is train.py's loop for
  python train.py config/train_shakespeare_char.py --device=cpu --compile=False --eval_iters=20
    --log_interval=1 --block_size=64 --batch_size=12 --n_layer=4 --n_head=4 --n_embd=128
    --max_iters=2000 --lr_decay_iters=2000 --dropout=0.0
(seed 1337, random batches from torch.randint, nanoGPT's initialization, AdamW with decay on >= 2-D
tensors, warmup + cosine learning rate, gradient clip 1.0, an estimate every 250 iterations), around the
project's parity reference model (tests/python/reference_gpt.py). At the end it also estimates the loss
over many more batches, since a 20-batch estimate moves by about +-0.02 from one draw to the next.

Prints one line per estimate and, last, one JSON object.
  nanogpt_recipe.py [--seed 1337] [--threads 2] [--steps 2000] [--final-eval-iters 200] [--save FILE]
(--save writes the final weights with torch.save, as always_save_checkpoint=True keeps nanoGPT's.)
"""

import argparse
import json
import math
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "python"))
import reference_gpt  # noqa: E402

CORPUS = os.path.join(HERE, "..", "src", "TinyGpt.Runtime", "Data", "tinyshakespeare.txt")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--eval-interval", type=int, default=250)
    parser.add_argument("--eval-iters", type=int, default=20)
    parser.add_argument("--final-eval-iters", type=int, default=200)
    parser.add_argument("--save", help="write the final state dict here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    alphabet, splits = load_splits()

    batch_size, block_size, n_layer = 12, 64, 4
    config = reference_gpt.GPTConfig(block_size=block_size, vocab_size=len(alphabet), n_layer=n_layer, n_head=4,
                                     n_embd=128, dropout=0.0, bias=False)
    model = reference_gpt.GPT(config)
    initialize(model, n_layer)

    def get_batch(name):
        d = splits[name]
        ix = torch.randint(len(d) - block_size, (batch_size,))
        x = torch.stack([d[i:i + block_size] for i in ix])
        y = torch.stack([d[i + 1:i + 1 + block_size] for i in ix])
        return x, y

    @torch.no_grad()
    def estimate_loss(iters):
        out = {}
        model.eval()
        for name in ("train", "val"):
            losses = torch.zeros(iters)
            for k in range(iters):
                _, loss = model(*get_batch(name))
                losses[k] = loss.item()
            out[name] = losses.mean().item()
        model.train()
        return out

    params = [p for p in model.parameters() if p.requires_grad]       # a tied weight once
    optimizer = torch.optim.AdamW([
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ], lr=1e-3, betas=(0.9, 0.99))

    began = time.perf_counter()
    estimates = []
    x, y = get_batch("train")
    for it in range(args.steps + 1):
        lr = learning_rate(it, peak=1e-3, minimum=1e-4, warmup=100, decay=args.steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        if it % args.eval_interval == 0 or it == args.steps:
            e = estimate_loss(args.eval_iters)
            estimates.append({"step": it, "train": e["train"], "val": e["val"]})
            print(f"step {it}: train {e['train']:.4f}, val {e['val']:.4f} ({time.perf_counter() - began:.0f} s)",
                  file=sys.stderr, flush=True)
        if it == args.steps:
            break                     # as train.py: the last iteration only evaluates
        _, loss = model(x, y)
        x, y = get_batch("train")
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    seconds = time.perf_counter() - began
    if args.save:
        torch.save(model.state_dict(), args.save)
    final = estimate_loss(args.final_eval_iters)
    print(json.dumps({"seed": args.seed, "steps": args.steps, "seconds": seconds, "estimates": estimates,
                      "final": {"eval_iters": args.final_eval_iters, **final}, "torch": torch.__version__}))


def load_splits():
    """The embedded corpus as token ids with TinyGpt's and nanoGPT's alphabet (sorted characters) and 90/10 split."""
    with open(CORPUS, encoding="utf-8") as f:
        text = f.read()
    alphabet = sorted(set(text))
    index = {c: i for i, c in enumerate(alphabet)}
    data = torch.tensor([index[c] for c in text], dtype=torch.long)
    split = int(0.9 * len(data))
    return alphabet, {"train": data[:split], "val": data[split:]}


def initialize(model, n_layer):
    """nanoGPT's _init_weights and its scaled residual projections."""
    for m in model.modules():
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if m.bias is not None:
                torch.nn.init.zeros_(m.bias)
        elif isinstance(m, torch.nn.Embedding):
            torch.nn.init.normal_(m.weight, mean=0.0, std=0.02)
    for name, p in model.named_parameters():
        if name.endswith("c_proj.weight"):
            torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))


def learning_rate(it, peak, minimum, warmup, decay):
    """train.py's get_lr: linear warmup, cosine decay to the minimum."""
    if it < warmup:
        return peak * (it + 1) / (warmup + 1)
    if it > decay:
        return minimum
    ratio = (it - warmup) / (decay - warmup)
    return minimum + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (peak - minimum)


if __name__ == "__main__":
    main()
