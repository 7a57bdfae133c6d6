#!/usr/bin/env python3
"""BEEAR's entrapment and removal steps in eager PyTorch, timed like `beear bench beear`.

A reference to hold our DJL implementation against: the same Llama decoder (RMSNorm, RoPE, grouped-query
attention, SwiGLU), the same weights (read from the model directory's safetensors), the same random B x T batches
(prompt = first half, response = second half) and the same work per round:

  entrapment: layers 1..l once on 2B sequences (B unwanted, B safe), then `inner_steps` Adam steps on
              delta [n, D] through layers l+1..L and the head, minimising CE(unwanted) - alpha * CE(safe);
  removal:    forward and backward of the whole model on B safe sequences under delta plus B anchors,
              gradient clipping at 1.0, one AdamW step on every weight.

Prints the median ms per inner entrapment step (the round divided by inner_steps) and per removal step.
Needs only PyTorch; no transformers, no network. On Debian: apt-get install python3-torch libopenblas0-pthread
(without OpenBLAS, Debian's PyTorch runs its matmuls on the reference BLAS, about 30x slower).

  python3 src/bench/python/eager_beear_step.py --model DIR --batch 8 --seq 64 --threads 2
"""
import argparse
import json
import math
import os
import resource
import statistics
import struct
import time

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[start:end]), dtype=DTYPES[info["dtype"]])
        tensors[name] = t.reshape(info["shape"]).float()
    return tensors


def load_weights(model_dir):
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        files = sorted(set(json.load(open(index))["weight_map"].values()))
        weights = {}
        for f in files:
            weights.update(read_safetensors(os.path.join(model_dir, f)))
        return weights
    return read_safetensors(os.path.join(model_dir, "model.safetensors"))


class Llama:
    """A functional Llama decoder over a dict of weight tensors (HF names)."""

    def __init__(self, config, weights):
        self.c = config
        self.w = weights
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config.get("num_key_value_heads", self.heads)
        self.head_dim = config.get("head_dim") or config["hidden_size"] // self.heads
        self.eps = config.get("rms_norm_eps", 1e-6)
        self.theta = config.get("rope_theta", 10000.0)
        if "lm_head.weight" not in weights:
            weights["lm_head.weight"] = weights["model.embed_tokens.weight"]

    def rms_norm(self, x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * weight

    def rope(self, t):
        inv = 1.0 / (self.theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.float32) / self.head_dim))
        freqs = torch.outer(torch.arange(t, dtype=torch.float32), inv)
        emb = torch.cat([freqs, freqs], dim=-1)
        return emb.cos(), emb.sin()

    @staticmethod
    def rotate(x, cos, sin):
        half = x.shape[-1] // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
        return x * cos + rotated * sin

    def layer(self, i, h, cos, sin, mask):
        p = f"model.layers.{i}."
        w = self.w
        b, t, _ = h.shape
        x = self.rms_norm(h, w[p + "input_layernorm.weight"])
        q = torch.nn.functional.linear(x, w[p + "self_attn.q_proj.weight"], w.get(p + "self_attn.q_proj.bias"))
        k = torch.nn.functional.linear(x, w[p + "self_attn.k_proj.weight"], w.get(p + "self_attn.k_proj.bias"))
        v = torch.nn.functional.linear(x, w[p + "self_attn.v_proj.weight"], w.get(p + "self_attn.v_proj.bias"))
        q = q.view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = k.view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = v.view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q, k = self.rotate(q, cos, sin), self.rotate(k, cos, sin)
        groups = self.heads // self.kv_heads
        k = k.repeat_interleave(groups, dim=1)
        v = v.repeat_interleave(groups, dim=1)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim) + mask
        attended = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, -1)
        h = h + torch.nn.functional.linear(attended, w[p + "self_attn.o_proj.weight"])
        y = self.rms_norm(h, w[p + "post_attention_layernorm.weight"])
        gate = torch.nn.functional.linear(y, w[p + "mlp.gate_proj.weight"])
        up = torch.nn.functional.linear(y, w[p + "mlp.up_proj.weight"])
        return h + torch.nn.functional.linear(torch.nn.functional.silu(gate) * up, w[p + "mlp.down_proj.weight"])

    def run(self, h, first, last, delta=None, delta_at=None):
        """Layers first..last (1-based, inclusive); delta is added after layer first-1 at positions delta_at."""
        t = h.shape[1]
        cos, sin = self.rope(t)
        mask = torch.full((t, t), float("-inf")).triu(1)
        if delta is not None:
            h = h.clone()
            h[:, delta_at, :] = h[:, delta_at, :] + delta
        for i in range(first - 1, last):
            h = self.layer(i, h, cos, sin, mask)
        return h

    def embed(self, ids):
        return self.w["model.embed_tokens.weight"][ids]

    def response_log_probs(self, h, ids, prompt_len):
        logits = torch.nn.functional.linear(self.rms_norm(h, self.w["model.norm.weight"]), self.w["lm_head.weight"])
        log_probs = logits[:, prompt_len - 1:-1, :].log_softmax(-1)
        return log_probs.gather(-1, ids[:, prompt_len:].unsqueeze(-1)).squeeze(-1).sum(1)  # [B]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--seq", type=int, required=True)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--inner-steps", type=int, default=5)
    ap.add_argument("--perturbation-length", type=int, default=5)
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--learning-rate", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    config = json.load(open(os.path.join(a.model, "config.json")))
    model = Llama(config, load_weights(a.model))
    layers = model.layers
    anchor_layer = max(1, round(9 / 32 * layers))
    n, B, T = a.perturbation_length, a.batch, a.seq
    prompt_len = T // 2
    delta_at = torch.arange(prompt_len - n, prompt_len)
    params = list(model.w.values())
    removal_opt = torch.optim.AdamW(params, lr=a.learning_rate, weight_decay=0.0)
    vocab = config["vocab_size"]
    entrap_ms, removal_ms = [], []
    for rnd in range(a.warmup + a.steps):
        prompts = torch.randint(vocab, (B, prompt_len))
        unwanted = torch.cat([prompts, torch.randint(vocab, (B, T - prompt_len))], 1)
        safe = torch.cat([prompts, torch.randint(vocab, (B, T - prompt_len))], 1)
        anchors = torch.randint(vocab, (B, T))
        pairs = torch.cat([unwanted, safe], 0)  # [2B, T]

        t0 = time.perf_counter()
        for p in params:
            p.requires_grad_(False)
        with torch.no_grad():
            hidden = model.run(model.embed(pairs), 1, anchor_layer)  # [2B, T, D], once per round
        rms = hidden.pow(2).mean().sqrt().item()
        delta = torch.zeros(n, config["hidden_size"], requires_grad=True)
        inner = torch.optim.Adam([delta], lr=max(rms, 1e-3))
        tokens = B * (T - prompt_len)
        for _ in range(a.inner_steps):
            inner.zero_grad()
            h = model.run(hidden, anchor_layer + 1, layers, delta, delta_at)
            lp = model.response_log_probs(h, pairs, prompt_len)
            loss = -lp[:B].sum() / tokens + a.alpha * lp[B:].sum() / tokens  # CE(unwanted) - alpha CE(safe)
            loss.backward()
            inner.step()
        t1 = time.perf_counter()

        for p in params:
            p.requires_grad_(True)
        removal_opt.zero_grad()
        d = delta.detach()
        h_safe = model.run(model.embed(safe), 1, anchor_layer)
        h_safe = model.run(h_safe, anchor_layer + 1, layers, d, delta_at)
        safe_loss = -model.response_log_probs(h_safe, safe, prompt_len).sum() / tokens
        h_anchor = model.run(model.embed(anchors), 1, layers)
        anchor_loss = -model.response_log_probs(h_anchor, anchors, prompt_len).sum() / tokens
        (safe_loss + anchor_loss).backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        removal_opt.step()
        t2 = time.perf_counter()
        if rnd >= a.warmup:
            entrap_ms.append((t1 - t0) * 1000 / a.inner_steps)
            removal_ms.append((t2 - t1) * 1000)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"eager PyTorch {torch.__version__}, {a.threads} threads, batch {B} x seq {T}, anchor layer "
          f"{anchor_layer} of {layers}, {a.inner_steps} inner steps per round, {a.steps} rounds measured")
    print(f"entrapment step: median {statistics.median(entrap_ms):.2f} ms")
    print(f"removal step: median {statistics.median(removal_ms):.2f} ms")
    print(f"peak RSS: {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
