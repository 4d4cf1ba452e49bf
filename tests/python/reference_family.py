#!/usr/bin/python3
"""Parity references for the [Gpt] family beyond nanoGPT, written for Debian's PyTorch 1.13.

Three models, each in its upstream code's own structure and parameter names:
  * ``lecture``  -- the lecture's ``gpt.py`` (karpathy/ng-video-lecture): per-head ``Head`` modules with
    key/query/value Linears without bias and a ``tril`` buffer, ``MultiHeadAttention.proj`` with bias,
    ``FeedFoward`` Linear -> ReLU -> Linear -> Dropout, pre-LN blocks, ``ln_f``, ``lm_head`` with bias, untied,
    no embedding dropout.
  * ``nanochat`` -- nanochat's first-release ``nanochat/gpt.py``: no position embedding, RoPE on q and k (halves,
    ``y1 = x1*cos + x2*sin``, ``y2 = -x1*sin + x2*cos``), then QK-norm; parameter-free RMSNorm after the embedding,
    before each sublayer and before ``lm_head``; separate ``c_q``, ``c_k``, ``c_v`` with ``n_kv_head`` (``repeat_kv``);
    MLP ``relu(x)^2``; no biases; untied; logits ``15*tanh(logits/15)``. PyTorch 1.13 lacks ``F.rms_norm`` and
    ``F.scaled_dot_product_attention``: both are written out below. nanochat keeps its RoPE tables and ``wte`` in
    bfloat16; this float32 reference drops those casts.
  * ``swiglu``   -- nanoGPT's GPT with Llama's SwiGLU MLP (``c_proj(silu(c_fc(x)) * c_up(x))``) and optional RMSNorm.

The models take TinyGpt's config (the JSON of ``GptConfig``: ``Layers``, ``Heads``, ``KvHeads``, ...). ``to_tinygpt``
and ``from_tinygpt`` map each upstream state dict to TinyGpt's nanoGPT-style keys (one fused ``c_attn``: q heads,
then k heads, then v heads) and back.

Commands (``reference_family.py COMMAND --help``):
  save-random  an upstream model with random weights: torch.save its own state dict, and logits for token ids
  logits       load TinyGpt-layout weights (mapped into the upstream model, strictly; or its own names with
               --upstream), write logits and loss
"""

import argparse
import json
import math
import sys
from collections import OrderedDict

import torch
import torch.nn as nn
from torch.nn import functional as F

sys.path.insert(0, __import__("os").path.dirname(__file__))
from reference_gpt import load_weights, save_safetensors, read_tokens  # noqa: E402

GELU, RELU, RELU_SQUARED, SWIGLU = 0, 1, 2, 3
LAYER_NORM, RMS_NORM = 0, 1
LEARNED, ROTARY = 0, 1


class Config:
    """TinyGpt's GptConfig as read from its JSON (PascalCase names, enums as numbers)."""

    def __init__(self, doc):
        self.n_layer = doc["Layers"]
        self.n_head = doc["Heads"]
        self.n_embd = doc["Embd"]
        self.block_size = doc["BlockSize"]
        self.vocab_size = doc["VocabSize"]
        self.dropout = doc.get("Dropout", 0.0)
        self.bias = doc.get("Bias", False)
        self.tie_weights = doc.get("TieWeights", True)
        self.activation = doc.get("Activation", GELU)
        self.norm = doc.get("Norm", LAYER_NORM)
        self.norm_weights = doc.get("NormWeights", True)
        self.positions = doc.get("Positions", LEARNED)
        self.rope_base = doc.get("RopeBase", 10000.0)
        self.n_kv_head = doc.get("KvHeads") or self.n_head
        self.qk_norm = doc.get("QkNorm", False)
        self.embedding_norm = doc.get("EmbeddingNorm", False)
        self.softcap = doc.get("LogitSoftcap", 0.0)
        qkv_bias = doc.get("QkvBias")
        self.qkv_bias = self.bias if qkv_bias is None else qkv_bias
        self.lm_head_bias = doc.get("LmHeadBias", False)
        self.mlp_hidden = doc.get("MlpHidden") or 4 * self.n_embd
        self.head_size = self.n_embd // self.n_head

    @staticmethod
    def load(path):
        with open(path, encoding="utf-8") as f:
            return Config(json.load(f))


# ---------------------------------------------------------------- PyTorch 1.13 lacks these two

def rms_norm(x, weight=None):
    """F.rms_norm(x, (x.size(-1),), weight) with its default eps, the machine epsilon of x's dtype."""
    eps = torch.finfo(x.dtype).eps
    y = x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps)
    return y if weight is None else y * weight


def scaled_dot_product_attention(q, k, v, is_causal=False):
    """F.scaled_dot_product_attention: softmax(q k^T / sqrt(hs)) v, causal mask aligned top left."""
    T, S = q.size(-2), k.size(-2)
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.size(-1)))
    if is_causal:
        mask = torch.ones(T, S, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf"))
    return F.softmax(att, dim=-1) @ v


# ---------------------------------------------------------------- the lecture's gpt.py

class Head(nn.Module):
    """one head of self-attention"""

    def __init__(self, c, head_size):
        super().__init__()
        self.key = nn.Linear(c.n_embd, head_size, bias=False)
        self.query = nn.Linear(c.n_embd, head_size, bias=False)
        self.value = nn.Linear(c.n_embd, head_size, bias=False)
        self.register_buffer("tril", torch.tril(torch.ones(c.block_size, c.block_size)))
        self.dropout = nn.Dropout(c.dropout)

    def forward(self, x):
        B, T, C = x.shape
        k = self.key(x)                                                     # (B,T,hs)
        q = self.query(x)                                                   # (B,T,hs)
        wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5                 # (B,T,T)
        wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
        wei = F.softmax(wei, dim=-1)
        wei = self.dropout(wei)
        v = self.value(x)                                                   # (B,T,hs)
        return wei @ v                                                      # (B,T,hs)


class MultiHeadAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads = nn.ModuleList([Head(c, c.head_size) for _ in range(c.n_head)])
        self.proj = nn.Linear(c.head_size * c.n_head, c.n_embd)
        self.dropout = nn.Dropout(c.dropout)

    def forward(self, x):
        out = torch.cat([h(x) for h in self.heads], dim=-1)
        return self.dropout(self.proj(out))


class FeedFoward(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(c.n_embd, 4 * c.n_embd),
            nn.ReLU(),
            nn.Linear(4 * c.n_embd, c.n_embd),
            nn.Dropout(c.dropout),
        )

    def forward(self, x):
        return self.net(x)


class LectureBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.sa = MultiHeadAttention(c)
        self.ffwd = FeedFoward(c)
        self.ln1 = nn.LayerNorm(c.n_embd)
        self.ln2 = nn.LayerNorm(c.n_embd)

    def forward(self, x):
        x = x + self.sa(self.ln1(x))
        return x + self.ffwd(self.ln2(x))


class GPTLanguageModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.token_embedding_table = nn.Embedding(c.vocab_size, c.n_embd)
        self.position_embedding_table = nn.Embedding(c.block_size, c.n_embd)
        self.blocks = nn.Sequential(*[LectureBlock(c) for _ in range(c.n_layer)])
        self.ln_f = nn.LayerNorm(c.n_embd)
        self.lm_head = nn.Linear(c.n_embd, c.vocab_size)

    def forward(self, idx, targets=None):
        B, T = idx.shape
        tok_emb = self.token_embedding_table(idx)                           # (B,T,C)
        pos_emb = self.position_embedding_table(torch.arange(T))            # (T,C)
        x = self.blocks(tok_emb + pos_emb)                                  # (B,T,C)
        logits = self.lm_head(self.ln_f(x))                                 # (B,T,vocab_size)
        loss = None if targets is None else F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))
        return logits, loss


def lecture_to_tinygpt(state, c):
    out = OrderedDict()
    out["transformer.wte.weight"] = state["token_embedding_table.weight"]
    out["transformer.wpe.weight"] = state["position_embedding_table.weight"]
    for i in range(c.n_layer):
        b, h = f"blocks.{i}.", f"transformer.h.{i}."
        heads = range(c.n_head)
        out[h + "ln_1.weight"], out[h + "ln_1.bias"] = state[b + "ln1.weight"], state[b + "ln1.bias"]
        out[h + "attn.c_attn.weight"] = torch.cat(
            [state[f"{b}sa.heads.{j}.{part}.weight"] for part in ("query", "key", "value") for j in heads])
        out[h + "attn.c_proj.weight"], out[h + "attn.c_proj.bias"] = state[b + "sa.proj.weight"], state[b + "sa.proj.bias"]
        out[h + "ln_2.weight"], out[h + "ln_2.bias"] = state[b + "ln2.weight"], state[b + "ln2.bias"]
        out[h + "mlp.c_fc.weight"], out[h + "mlp.c_fc.bias"] = state[b + "ffwd.net.0.weight"], state[b + "ffwd.net.0.bias"]
        out[h + "mlp.c_proj.weight"], out[h + "mlp.c_proj.bias"] = state[b + "ffwd.net.2.weight"], state[b + "ffwd.net.2.bias"]
    out["transformer.ln_f.weight"], out["transformer.ln_f.bias"] = state["ln_f.weight"], state["ln_f.bias"]
    out["lm_head.weight"], out["lm_head.bias"] = state["lm_head.weight"], state["lm_head.bias"]
    return out


def lecture_from_tinygpt(state, c, model):
    out = OrderedDict((k, v) for k, v in model.state_dict().items() if k.endswith(".tril"))   # the lecture's buffers
    out["token_embedding_table.weight"] = state["transformer.wte.weight"]
    out["position_embedding_table.weight"] = state["transformer.wpe.weight"]
    hs = c.head_size
    for i in range(c.n_layer):
        b, h = f"blocks.{i}.", f"transformer.h.{i}."
        qkv = state[h + "attn.c_attn.weight"]
        for s, part in enumerate(("query", "key", "value")):
            for j in range(c.n_head):
                start = (s * c.n_head + j) * hs
                out[f"{b}sa.heads.{j}.{part}.weight"] = qkv[start:start + hs]
        for ours, theirs in (("ln_1", "ln1"), ("attn.c_proj", "sa.proj"), ("ln_2", "ln2"),
                             ("mlp.c_fc", "ffwd.net.0"), ("mlp.c_proj", "ffwd.net.2")):
            out[b + theirs + ".weight"], out[b + theirs + ".bias"] = state[h + ours + ".weight"], state[h + ours + ".bias"]
    out["ln_f.weight"], out["ln_f.bias"] = state["transformer.ln_f.weight"], state["transformer.ln_f.bias"]
    out["lm_head.weight"], out["lm_head.bias"] = state["lm_head.weight"], state["lm_head.bias"]
    return out


# ---------------------------------------------------------------- nanochat's first-release gpt.py

def norm(x):
    # Purely functional rmsnorm with no learnable params
    return rms_norm(x)


def apply_rotary_emb(x, cos, sin):
    assert x.ndim == 4                                                      # multihead attention
    d = x.shape[3] // 2
    x1, x2 = x[..., :d], x[..., d:]                                         # split the last dim into two halves
    y1 = x1 * cos + x2 * sin                                                # rotate pairs of dims
    y2 = x1 * (-sin) + x2 * cos
    return torch.cat([y1, y2], 3).to(x.dtype)


def repeat_kv(x, n_rep):
    """torch.repeat_interleave(x, dim=1, repeats=n_rep)"""
    if n_rep == 1:
        return x
    bs, n_kv_heads, slen, head_dim = x.shape
    return x[:, :, None, :, :].expand(bs, n_kv_heads, n_rep, slen, head_dim).reshape(bs, n_kv_heads * n_rep, slen, head_dim)


class NanochatAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_head, self.n_kv_head, self.n_embd = c.n_head, c.n_kv_head, c.n_embd
        self.head_dim = c.n_embd // c.n_head
        self.c_q = nn.Linear(c.n_embd, self.n_head * self.head_dim, bias=False)
        self.c_k = nn.Linear(c.n_embd, self.n_kv_head * self.head_dim, bias=False)
        self.c_v = nn.Linear(c.n_embd, self.n_kv_head * self.head_dim, bias=False)
        self.c_proj = nn.Linear(c.n_embd, c.n_embd, bias=False)

    def forward(self, x, cos_sin):
        B, T, C = x.size()
        q = self.c_q(x).view(B, T, self.n_head, self.head_dim)
        k = self.c_k(x).view(B, T, self.n_kv_head, self.head_dim)
        v = self.c_v(x).view(B, T, self.n_kv_head, self.head_dim)
        cos, sin = cos_sin
        q, k = apply_rotary_emb(q, cos, sin), apply_rotary_emb(k, cos, sin)  # QK rotary embedding
        q, k = norm(q), norm(k)                                             # QK norm
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)   # (B, H, T, D)
        nrep = self.n_head // self.n_kv_head
        k, v = repeat_kv(k, nrep), repeat_kv(v, nrep)
        y = scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).contiguous().view(B, T, -1)
        return self.c_proj(y)


class NanochatMLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c.n_embd, 4 * c.n_embd, bias=False)
        self.c_proj = nn.Linear(4 * c.n_embd, c.n_embd, bias=False)

    def forward(self, x):
        return self.c_proj(F.relu(self.c_fc(x)).square())


class NanochatBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attn = NanochatAttention(c)
        self.mlp = NanochatMLP(c)

    def forward(self, x, cos_sin):
        x = x + self.attn(norm(x), cos_sin)
        return x + self.mlp(norm(x))


class NanochatGPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c.vocab_size, c.n_embd),
            h=nn.ModuleList([NanochatBlock(c) for _ in range(c.n_layer)]),
        ))
        self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
        cos, sin = self._precompute_rotary_embeddings(c.block_size * 10, c.n_embd // c.n_head, c.rope_base)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    @staticmethod
    def _precompute_rotary_embeddings(seq_len, head_dim, base=10000):
        channel_range = torch.arange(0, head_dim, 2, dtype=torch.float32)
        inv_freq = 1.0 / (base ** (channel_range / head_dim))
        t = torch.arange(seq_len, dtype=torch.float32)
        freqs = torch.outer(t, inv_freq)
        cos, sin = freqs.cos(), freqs.sin()                                 # nanochat rounds these to bfloat16
        return cos[None, :, None, :], sin[None, :, None, :]                 # add batch and head dims

    def forward(self, idx, targets=None):
        B, T = idx.size()
        cos_sin = self.cos[:, :T], self.sin[:, :T]
        x = norm(self.transformer.wte(idx))
        for block in self.transformer.h:
            x = block(x, cos_sin)
        x = norm(x)
        softcap = 15
        logits = self.lm_head(x)
        logits = softcap * torch.tanh(logits / softcap)
        loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


def nanochat_to_tinygpt(state, c):
    out = OrderedDict()
    for k, v in state.items():
        if ".attn.c_q." in k:
            prefix = k.split(".attn.c_q.")[0] + ".attn."
            out[prefix + "c_attn.weight"] = torch.cat([state[prefix + "c_q.weight"], state[prefix + "c_k.weight"],
                                                       state[prefix + "c_v.weight"]])
        elif ".attn.c_k." in k or ".attn.c_v." in k:
            continue
        else:
            out[k] = v
    return out


def nanochat_from_tinygpt(state, c, model):
    q, kv = c.n_head * c.head_size, c.n_kv_head * c.head_size
    out = OrderedDict()
    for k, v in state.items():
        if k.endswith(".attn.c_attn.weight"):
            prefix = k[: -len("c_attn.weight")]
            out[prefix + "c_q.weight"], out[prefix + "c_k.weight"], out[prefix + "c_v.weight"] = v.split([q, kv, kv])
        else:
            out[k] = v
    return out


# ---------------------------------------------------------------- nanoGPT with Llama's SwiGLU MLP

class Norm(nn.Module):
    def __init__(self, c, dim):
        super().__init__()
        self.kind = c.norm
        self.weight = nn.Parameter(torch.ones(dim)) if c.norm_weights else None
        self.bias = nn.Parameter(torch.zeros(dim)) if c.norm_weights and c.bias and c.norm == LAYER_NORM else None

    def forward(self, x):
        if self.kind == RMS_NORM:
            return rms_norm(x, self.weight)
        return F.layer_norm(x, (x.size(-1),), self.weight, self.bias, 1e-5)


class SwiGluAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.c_attn = nn.Linear(c.n_embd, (c.n_head + 2 * c.n_kv_head) * c.head_size, bias=c.qkv_bias)
        self.c_proj = nn.Linear(c.n_embd, c.n_embd, bias=c.bias)

    def forward(self, x):
        c, (B, T, C) = self.c, x.shape
        q, k, v = self.c_attn(x).split([C, c.n_kv_head * c.head_size, c.n_kv_head * c.head_size], dim=2)
        q = q.view(B, T, c.n_head, c.head_size).transpose(1, 2)
        k = repeat_kv(k.view(B, T, c.n_kv_head, c.head_size).transpose(1, 2), c.n_head // c.n_kv_head)
        v = repeat_kv(v.view(B, T, c.n_kv_head, c.head_size).transpose(1, 2), c.n_head // c.n_kv_head)
        y = scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class SwiGlu(nn.Module):
    """Llama's FeedForward: w2(silu(w1(x)) * w3(x)), as c_proj(silu(c_fc(x)) * c_up(x))."""

    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c.n_embd, c.mlp_hidden, bias=c.bias)         # W1, the gate
        self.c_up = nn.Linear(c.n_embd, c.mlp_hidden, bias=c.bias)         # W3
        self.c_proj = nn.Linear(c.mlp_hidden, c.n_embd, bias=c.bias)       # W2

    def forward(self, x):
        return self.c_proj(F.silu(self.c_fc(x)) * self.c_up(x))


class SwiGluBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1, self.attn, self.ln_2, self.mlp = Norm(c, c.n_embd), SwiGluAttention(c), Norm(c, c.n_embd), SwiGlu(c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class SwiGluGPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c.vocab_size, c.n_embd),
            wpe=nn.Embedding(c.block_size, c.n_embd),
            h=nn.ModuleList([SwiGluBlock(c) for _ in range(c.n_layer)]),
            ln_f=Norm(c, c.n_embd),
        ))
        self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
        if c.tie_weights:
            self.transformer.wte.weight = self.lm_head.weight

    def forward(self, idx, targets=None):
        B, T = idx.shape
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(T))
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss


def same_keys(state, c):
    return OrderedDict(state)


def swiglu_from_tinygpt(state, c, model):
    return OrderedDict(state)


ARCHITECTURES = {
    "lecture": (GPTLanguageModel, lecture_to_tinygpt, lecture_from_tinygpt),
    "nanochat": (NanochatGPT, nanochat_to_tinygpt, nanochat_from_tinygpt),
    "swiglu": (SwiGluGPT, same_keys, swiglu_from_tinygpt),
}


def randomize(model, seed):
    """Every tensor random and distinct (norm weights near 1), so a swapped or transposed tensor changes the logits."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            p.copy_(1.0 + 0.1 * noise if p.dim() == 1 and "ln" in name or name.endswith("norm.weight") else 0.02 * noise)
            if p.dim() == 1 and ("ln" in name and name.endswith(".bias")):
                p.copy_(0.02 * noise)


def run_logits(model, tokens, out):
    model.eval()
    idx, targets = read_tokens(tokens)
    with torch.no_grad():
        logits, loss = model(idx, targets)
    result = {"logits": logits.contiguous()}
    if loss is not None:
        result["loss"] = loss.reshape(1)
    save_safetensors(result, out)
    summary = {"shape": list(logits.shape),
               "parameters": sum(p.numel() for p in model.parameters())}       # a tied weight once
    if loss is not None:
        summary["loss"] = loss.item()
    print(json.dumps(summary))


def cmd_save_random(args):
    c = Config.load(args.config)
    build, to_tinygpt, _ = ARCHITECTURES[args.arch]
    torch.manual_seed(args.seed)
    model = build(c)
    randomize(model, args.seed)
    state = model.state_dict()                                              # the upstream's own keys (lecture: with tril)
    torch.save(state, args.out)
    if args.tinygpt_out:
        torch.save(to_tinygpt(state, c), args.tinygpt_out)
    if args.tokens:
        run_logits(model, args.tokens, args.logits_out)


def cmd_logits(args):
    c = Config.load(args.config)
    build, _, from_tinygpt = ARCHITECTURES[args.arch]
    model = build(c)
    state = load_weights(args.weights)
    model.load_state_dict(state if args.upstream else from_tinygpt(state, c, model), strict=True)
    run_logits(model, args.tokens, args.out)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("save-random", help="an upstream model with random weights: its state dict, and logits")
    p.add_argument("--arch", choices=sorted(ARCHITECTURES), required=True)
    p.add_argument("--config", required=True, help="JSON of TinyGpt's GptConfig")
    p.add_argument("--out", required=True, help="torch.save of the upstream state dict")
    p.add_argument("--tinygpt-out", help="also torch.save it mapped to TinyGpt's keys")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--tokens")
    p.add_argument("--logits-out")
    p.set_defaults(run=cmd_save_random)
    p = sub.add_parser("logits", help="load TinyGpt-layout weights into the upstream model, eval-mode logits and loss")
    p.add_argument("--arch", choices=sorted(ARCHITECTURES), required=True)
    p.add_argument("--config", required=True)
    p.add_argument("--weights", required=True)
    p.add_argument("--tokens", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--upstream", action="store_true", help="the weights already have the upstream model's own names")
    p.set_defaults(run=cmd_logits)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    args.run(args)


if __name__ == "__main__":
    main(sys.argv[1:])
