#!/usr/bin/python3
"""Estimates final models of the baby config on the same validation batches with the same code, so that
bench/versus compares TinyGpt's and nanoGPT's final quality fairly: each weights file (a TinyGpt export,
`tinygpt export --format pt`, nanoGPT's ckpt.pt with its `model` entry, or a torch.save'd state dict) is
loaded into the project's nanoGPT reference model (tests/python/reference_gpt.py) and evaluated on the
same N batches of the validation split, drawn from one fixed generator.

  estimate.py [--iters 200] [--seed 0] WEIGHTS...      prints one JSON object: {path: val loss}
"""

import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "python"))
sys.path.insert(0, HERE)
import nanogpt_recipe  # noqa: E402
import reference_gpt  # noqa: E402


def state_dict(path):
    loaded = torch.load(path, map_location="cpu") if path.endswith("ckpt.pt") else reference_gpt.load_weights(path)
    weights = loaded.get("model", loaded)
    # torch.compile's prefix and the causal-mask buffers of PyTorch < 2 are no weights
    return {k.removeprefix("_orig_mod."): v for k, v in weights.items() if not k.endswith(".attn.bias")}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iters", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("weights", nargs="+")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    alphabet, splits = nanogpt_recipe.load_splits()
    val = splits["val"]
    batch_size, block_size = 12, 64
    generator = torch.Generator().manual_seed(args.seed)
    starts = torch.randint(len(val) - block_size, (args.iters, batch_size), generator=generator)

    results = {}
    for path in args.weights:
        config = reference_gpt.GPTConfig(block_size=block_size, vocab_size=len(alphabet), n_layer=4, n_head=4,
                                         n_embd=128, dropout=0.0, bias=False)
        model = reference_gpt.GPT(config)
        model.load_state_dict(state_dict(path), strict=True)
        model.eval()
        losses = []
        with torch.no_grad():
            for row in starts:
                x = torch.stack([val[i:i + block_size] for i in row])
                y = torch.stack([val[i + 1:i + 1 + block_size] for i in row])
                _, loss = model(x, y)
                losses.append(loss.item())
        results[path] = sum(losses) / len(losses)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
