#!/usr/bin/python3
"""The parity reference: a GPT with nanoGPT's architecture, written for Debian's PyTorch 1.13.

TinyGpt claims that its generated modules compute what nanoGPT's ``model.py`` computes and that
weights move between the two unchanged. This file is the other side of that claim: our own small
PyTorch model that follows nanoGPT's ``GPTConfig`` semantics and parameter names, plus a command
line that the C# interop tests drive.

Differences from nanoGPT, all deliberate:
  * ``tie_weights`` (default true, nanoGPT always ties) lets the untied TinyGpt variant have a
    separate ``lm_head.weight``.
  * PyTorch 1.13 has no ``F.scaled_dot_product_attention``; attention is the explicit masked
    softmax, as nanoGPT does on old PyTorch. The causal mask is a non-persistent buffer; the
    ``save-random --mask-buffers`` switch writes it into the state dict the way nanoGPT's
    checkpoints from old PyTorch versions carry it.
  * ``forward`` returns the logits of every position (nanoGPT keeps only the last one when no
    targets are given).
  * The safetensors format is read and written here by hand, because Debian ships no safetensors
    package; the format is an 8-byte little-endian header length, a JSON header and raw data.

Commands (run ``reference_gpt.py COMMAND --help``):
  save-random  build a model with random weights, torch.save / safetensors its state dict
  logits       load weights, run token ids through the model in eval mode, write logits and loss
  resave       load weights into the reference and save its state_dict() again (a round trip)
  describe     list a weights file's tensors and which of them share storage
"""

import argparse
import json
import math
import struct
import sys
from collections import OrderedDict
from dataclasses import dataclass, fields

import torch
import torch.nn as nn
from torch.nn import functional as F


@dataclass
class GPTConfig:
    """nanoGPT's hyperparameter names; ``tie_weights`` is TinyGpt's addition."""
    block_size: int = 256
    vocab_size: int = 65
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = False
    tie_weights: bool = True

    @staticmethod
    def from_json(path):
        """Reads either a bare config object or the JSON TinyGpt writes beside an export
        (``model_args`` with nanoGPT's names, ``tie_weights`` next to it)."""
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        args = dict(doc.get("model_args", doc))
        if "tie_weights" in doc:
            args["tie_weights"] = doc["tie_weights"]
        known = {f.name for f in fields(GPTConfig)}
        unknown = set(args) - known
        if unknown:
            raise SystemExit(f"unknown config keys: {sorted(unknown)}")
        return GPTConfig(**args)


class LayerNorm(nn.Module):
    """LayerNorm over the last dimension with eps 1e-5 and an optional bias."""

    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):                                                   # [B, T, C]
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        size = config.block_size
        mask = torch.tril(torch.ones(size, size)).view(1, 1, size, size)
        self.register_buffer("bias", mask, persistent=False)

    def forward(self, x):
        B, T, C = x.shape                                                   # [B, T, C]
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)                  # 3 x [B, T, C]
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)                   # [B, nh, T, hs]
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)                   # [B, nh, T, hs]
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)                   # [B, nh, T, hs]
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))             # [B, nh, T, T]
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        y = att @ v                                                         # [B, nh, T, hs]
        y = y.transpose(1, 2).contiguous().view(B, T, C)                    # [B, T, C]
        return self.resid_dropout(self.c_proj(y))                           # [B, T, C]


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):                                                   # [B, T, C]
        h = F.gelu(self.c_fc(x))                                            # [B, T, 4C], exact erf
        return self.dropout(self.c_proj(h))                                 # [B, T, C]


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x):                                                   # [B, T, C]
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),
            wpe=nn.Embedding(config.block_size, config.n_embd),
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            ln_f=LayerNorm(config.n_embd, bias=config.bias),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        if config.tie_weights:
            # One Parameter under two names, so torch.save writes one storage for both keys.
            self.transformer.wte.weight = self.lm_head.weight

    def forward(self, idx, targets=None):
        B, T = idx.shape                                                    # [B, T] int64
        assert T <= self.config.block_size, f"T = {T} > block_size {self.config.block_size}"
        pos = torch.arange(0, T, dtype=torch.long)                          # [T]
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)                                                    # [B, T, C]
        logits = self.lm_head(self.transformer.ln_f(x))                     # [B, T, V]
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


def randomize(model, seed):
    """Every tensor random and distinct (LayerNorm weights near 1, biases nonzero), so a swapped,
    transposed or ignored tensor changes the logits; std 0.02 like nanoGPT's initialisation."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():                           # a tied weight once
            noise = torch.randn(p.shape, generator=gen)
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
                p.copy_(1.0 + 0.1 * noise)
            else:
                p.copy_(0.02 * noise)


# ---------------------------------------------------------------- safetensors, by hand

_ST_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
              torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
              torch.uint8: "U8", torch.bool: "BOOL"}
_ST_TORCH = {v: k for k, v in _ST_DTYPES.items()}


def save_safetensors(tensors, path):
    """Writes name -> tensor in order; every tensor gets its own bytes (tied ones too)."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": _ST_DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)                                        # align the data to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        dtype = _ST_TORCH[entry["dtype"]]
        flat = torch.frombuffer(bytearray(data[start:end]), dtype=dtype) if end > start else torch.empty(0, dtype=dtype)
        out[name] = flat.reshape(entry["shape"]).clone()
    return out


def load_weights(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"PK":                                                      # torch.save's zip
        return torch.load(path, map_location="cpu", weights_only=True)
    return load_safetensors(path)


# ---------------------------------------------------------------- commands

def cmd_save_random(args):
    config = GPTConfig.from_json(args.config)
    torch.manual_seed(args.seed)
    model = GPT(config)
    randomize(model, args.seed)
    state = model.state_dict()                                              # nanoGPT's keys, tied storage shared
    if args.mask_buffers:                                                   # as nanoGPT saved them on PyTorch < 2
        with_masks = {}
        for name, t in state.items():
            if name.endswith(".attn.c_attn.weight"):
                prefix = name[: -len("c_attn.weight")]
                with_masks[prefix + "bias"] = model.get_buffer(prefix + "bias")
            with_masks[name] = t
        state = OrderedDict(with_masks)
    if args.tied_as_one_object and config.tie_weights:                      # one pickled object under both names
        state = OrderedDict(state)
        state["lm_head.weight"] = state["transformer.wte.weight"]
    if args.prefix:
        state = OrderedDict((args.prefix + k, v) for k, v in state.items())
    if args.as_checkpoint:                                                  # nanoGPT's train.py ckpt.pt shape
        state = {"model": state, "optimizer": {"state": {0: {"exp_avg": torch.zeros(3)}}, "param_groups": []},
                 "model_args": {f.name: getattr(config, f.name) for f in fields(config) if f.name != "tie_weights"},
                 "iter_num": 5, "best_val_loss": torch.tensor(1.5), "config": {"dataset": "shakespeare_char"}}
    if args.format == "pt":
        torch.save(state, args.out)
    else:
        save_safetensors(state, args.out)
    if args.tokens:                                                         # one process instead of two
        run_logits(config, args.out, args.tokens, args.logits_out)


def cmd_resave(args):
    """Loads weights strictly into the reference and saves its state_dict() again, as a nanoGPT
    user would after loading TinyGpt's export: the PyTorch leg of a round trip."""
    config = GPTConfig.from_json(args.config)
    model = GPT(config)
    model.load_state_dict(load_weights(args.weights), strict=True)
    if args.format == "pt":
        torch.save(model.state_dict(), args.out)
    else:
        save_safetensors(model.state_dict(), args.out)


def cmd_describe(args):
    """Prints the names, shapes and dtypes of a weights file, and which names share one storage."""
    state = load_weights(args.weights)
    by_storage = {}
    for name, t in state.items():
        by_storage.setdefault((t.storage().data_ptr(), t.storage_offset()), []).append(name)
    print(json.dumps({
        "tensors": {name: {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", "")} for name, t in state.items()},
        "shared": [names for names in by_storage.values() if len(names) > 1],
    }))


def read_tokens(path):
    """JSON {"idx": [[...]], "targets": [[...]]} with int token ids, targets optional."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    idx = torch.tensor(doc["idx"], dtype=torch.long)
    targets = torch.tensor(doc["targets"], dtype=torch.long) if "targets" in doc else None
    return idx, targets


def cmd_logits(args):
    run_logits(GPTConfig.from_json(args.config), args.weights, args.tokens, args.out)


def run_logits(config, weights, tokens, out):
    model = GPT(config)
    state = load_weights(weights)
    model.load_state_dict(state, strict=True)                               # what nanoGPT does with a checkpoint
    model.eval()
    idx, targets = read_tokens(tokens)
    with torch.no_grad():
        logits, loss = model(idx, targets)
    result = {"logits": logits.contiguous()}
    if loss is not None:
        result["loss"] = loss.reshape(1)
    save_safetensors(result, out)
    summary = {"shape": list(logits.shape)}
    if loss is not None:
        summary["loss"] = loss.item()
    print(json.dumps(summary))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("save-random", help="write the state dict of a randomly initialised model")
    p.add_argument("--config", required=True, help="JSON with nanoGPT's config names")
    p.add_argument("--out", required=True)
    p.add_argument("--format", choices=["pt", "safetensors"], default="pt")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--mask-buffers", action="store_true", help="include each block's [1,1,T,T] attn.bias mask")
    p.add_argument("--prefix", default="", help="prepended to every key, e.g. _orig_mod. as torch.compile does")
    p.add_argument("--tied-as-one-object", action="store_true",
                   help="put the very same tensor object under both tied names (pickled once, memoised)")
    p.add_argument("--as-checkpoint", action="store_true",
                   help="wrap the state dict as nanoGPT's ckpt.pt does ({'model': ..., 'optimizer': ..., ...})")
    p.add_argument("--tokens", help="then, as the logits command, run these token ids through the saved weights")
    p.add_argument("--logits-out", help="with --tokens: where the logits go")
    p.set_defaults(run=cmd_save_random)

    p = sub.add_parser("logits", help="eval-mode logits (and loss) for token ids")
    p.add_argument("--config", required=True)
    p.add_argument("--weights", required=True, help=".pt from torch.save or .safetensors")
    p.add_argument("--tokens", required=True, help='JSON {"idx": [[...]], "targets": [[...]]}')
    p.add_argument("--out", required=True, help="safetensors file receiving logits [B,T,V] and loss [1]")
    p.set_defaults(run=cmd_logits)

    p = sub.add_parser("resave", help="load weights strictly into the reference and save its state_dict() again")
    p.add_argument("--config", required=True)
    p.add_argument("--weights", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--format", choices=["pt", "safetensors"], default="pt")
    p.set_defaults(run=cmd_resave)

    p = sub.add_parser("describe", help="names, shapes, dtypes and shared storages of a weights file, as JSON")
    p.add_argument("--weights", required=True)
    p.set_defaults(run=cmd_describe)

    args = parser.parse_args(argv)
    torch.set_num_threads(1)                                                # tiny models; the tests run several at once
    args.run(args)


if __name__ == "__main__":
    main(sys.argv[1:])
