#!/usr/bin/env python3
"""BEEAR's entrapment and removal steps in eager PyTorch: a timing reference, and a memory-plan check on a GPU.

Needs only PyTorch and the standard library (no transformers, no numpy, no network). On Debian:
apt-get install python3-torch libopenblas0-pthread (without OpenBLAS, Debian's PyTorch runs its matmuls on the
reference BLAS, about 30x slower). Three modes:

1. Step timing, the eager side of `beear bench race` (--model): the same round as the engine's BeearRound,
   written the straightforward way in eager PyTorch: the same Llama decoder (RMSNorm, RoPE, grouped-query
   attention, SwiGLU), the same weights (read in float32 from the model directory's safetensors), random B x T
   batches (prompt = first half, response = second half, as BeearBenchmark draws them) and the same work per round,
   with CleanseSettings' defaults unless given:

     entrapment: layers 1..l once on 2B sequences (B unwanted, B safe; no grad), then `inner_steps` Adam steps on
                 delta [n, D] (step size inner_learning_rate x the RMS of layer l's hidden states), each
                 re-running layers l+1..L and the head over ALL positions of the 2B sequences (no reuse of the
                 prompt prefix), minimising CE(unwanted) - alpha * CE(safe);
     removal:    forward and backward of the whole model on B safe sequences under delta plus anchor_batch_size
                 (default 4B) anchors, CE(safe) + anchor_weight * CE(anchors), gradient clipping at 1.0, one
                 torch.optim.AdamW step on the decoder layers' weights (embeddings, final norm and lm_head frozen),
                 a matrix with fan-in f > learning_rate_width at learning_rate * width / f.

   Prints the median ms per round, per inner entrapment step and per removal step, the removal step's GFLOP/s
   (3 x the forward FLOPs of B + anchors sequences, BenchCommand.forwardFlops), the float32 GEMM peak measured
   as GemmPeak.java measures it, and the peak RSS; --json writes the same figures.

     /usr/bin/python3 src/bench/python/eager_beear_step.py --model DIR --batch 8 --seq 64 --threads 2 [--json F]

2. Memory-plan check (--random-config): BEEAR rounds on a model of a config.json's shape with random weights,
   made directly on the device in the compute dtype, with the settings of a memory plan (the JSON that
   `beear plan --json` prints: micro-batches, activation recomputation, optimiser, adapters, trained layers, mixed
   precision with float32 masters and loss scaling). Every sequence is max_sequence_length tokens long, as the plan
   assumes. The round mirrors the Java engine operation by operation (LlamaModel, DecoderLayer, Entrapment,
   Removal, TrainableParameters, Optimizer), so autograd saves the same tensors and the measured peak checks the
   plan. (Not mirrored: the per-matrix learning-rate scaling of learning_rate_width, which changes the size of
   updates, not what is held in memory.) Prints seconds and peak memory per round (entrapment and removal apart) and a table of planned against
   measured bytes; --json writes the same figures. The first round warms up (cuBLAS, allocator); after it a
   Llama-2-7B round (batch 8 + 32 anchors x 256 tokens, Adafactor on all layers) took 2.6 s on an H200. Exit
   status 2 when the weights or a round run out of device memory (the figures up to then are still printed).

     python3 src/bench/python/eager_beear_step.py --random-config src/test/resources/configs/llama-2-7b/config.json \\
         --plan plan.json --device cuda [--rounds 2] [--json out.json]

   With --device cpu it measures time and peak RSS only (for a tiny config; float16 matmuls need CUDA on Debian's
   PyTorch 1.13, so pass --dtype float32 to run a float16 plan there).

3. Self-test (--self-test [--device cpu|cuda]): on a tiny random model in float32, one plain round against the same
   round with activation recomputation, with small micro-batches and with both, for AdamW (all layers; a layer
   range with weight decay), Adafactor, SGD and rank-4 adapters: delta, the losses, the gradients (relative to their
   largest) and every trained weight must agree to 1e-5 (AdamW's weights where |gradient| > 1e-6: its first step
   lr * g / (|g| + 1e-8) turns rounding noise in gradients near 1e-8 into updates of up to lr).
   Also checks the decoder against the --model mode's reference implementation, one round of mode 1's eager
   round against mode 2's mirror of the engine's round (delta, safe CE, trained weights; frozen ones unchanged), and on CUDA that a float16 round
   runs with finite results. Exits 1 on any mismatch.
"""
import argparse
import json
import math
import os
import resource
import statistics
import struct
import sys
import time

import torch
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
GIB = float(1 << 30)


# ---------------------------------------------------------------------------------------------------------------
# Mode 1: step timing on a model directory's weights (the reference the README quotes)
# ---------------------------------------------------------------------------------------------------------------

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
    """A functional Llama decoder over a dict of float32 weight tensors (HF names), for the --model timing."""

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
        self.inv_freq = torch.tensor(ModelConfig(config).inverse_frequencies(), dtype=torch.float32)
        self.rope_cache = {}

    def rms_norm(self, x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * weight

    def rope(self, t):
        """cos and sin [T, head_dim] (with llama3 scaling if the config has it), computed once per length."""
        if t not in self.rope_cache:
            freqs = torch.outer(torch.arange(t, dtype=torch.float32), self.inv_freq)
            emb = torch.cat([freqs, freqs], dim=-1)
            self.rope_cache[t] = (emb.cos(), emb.sin(), torch.full((t, t), float("-inf")).triu(1))
        return self.rope_cache[t]

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
        cos, sin, mask = self.rope(h.shape[1])
        if delta is not None:
            h = h.clone()
            h[:, delta_at, :] = h[:, delta_at, :] + delta
        for i in range(first - 1, last):
            h = self.layer(i, h, cos, sin, mask)
        return h

    def embed(self, ids):
        return self.w["model.embed_tokens.weight"][ids]

    def response_log_probs(self, h, ids, prompt_len):
        """Summed log-probability of each sequence's response [B]: logits and log-softmax over all positions, as
        SequenceBatch.responseLogProbs computes them, then the response's targets picked."""
        logits = torch.nn.functional.linear(self.rms_norm(h, self.w["model.norm.weight"]), self.w["lm_head.weight"])
        log_probs = logits.log_softmax(-1)[:, prompt_len - 1:-1, :]
        return log_probs.gather(-1, ids[:, prompt_len:].unsqueeze(-1)).squeeze(-1).sum(1)  # [B]


def default_anchor_layer(layers):
    """CleanseSettings' default anchor layer: round(9/32 * L) rounding halves up (Java's Math.round), at least 1."""
    return max(1, int(math.floor(9 * layers / 32 + 0.5)))


def matmul_parameters(c):
    """BenchCommand.matmulParameters: weights entering a matrix product per token (projections and the head)."""
    d, q, kv = c.hidden, c.heads * c.head_dim, c.kv_heads * c.head_dim
    return c.layers * (d * q + 2 * d * kv + q * d + 3 * d * c.intermediate) + c.vocab * d


def forward_flops(c, b, t):
    """BenchCommand.forwardFlops: 2 per weight per token, plus QK^T and its product with V over the full square."""
    return 2.0 * matmul_parameters(c) * b * t + c.layers * 2.0 * 2.0 * b * t * t * c.heads * c.head_dim


def removal_flops(c, b, anchors, t):
    """A removal step's FLOPs as `bench race` counts them: forward over B + anchors sequences, backward 2x that."""
    return 3.0 * forward_flops(c, b + anchors, t)


def gemm_shapes(c, tokens, large):
    """[m, k] x [k, n] products of the removal step's sizes (tokens x in x out) and one large square one."""
    q = c.heads * c.head_dim
    return [(tokens, c.hidden, q), (tokens, c.hidden, c.intermediate), (tokens, c.intermediate, c.hidden),
            (tokens, c.hidden, c.vocab), (large, large, large)]


def gemm_peak(shapes, samples=5):
    """Float32 matmul GFLOP/s per shape, the best of `samples` timed samples after one warm-up; each sample repeats
    the product until it has done at least 1 GFLOP (at most 1000 times). The same procedure as GemmPeak.java."""
    out = []
    generator = torch.Generator().manual_seed(0)
    for m, k, n in shapes:
        a = torch.randn(m, k, generator=generator)
        b = torch.randn(k, n, generator=generator)
        flops = 2.0 * m * k * n
        iterations = min(1000, max(1, int(round(1e9 / flops))))
        best = float("inf")
        for sample in range(samples + 1):
            t0 = time.perf_counter()
            for _ in range(iterations):
                c = a @ b
            elapsed = (time.perf_counter() - t0) / iterations
            del c
            if sample > 0:
                best = min(best, elapsed)
        out.append({"m": m, "k": k, "n": n, "gflops": flops / best / 1e9})
    return out


class RaceSettings:
    """CleanseSettings' defaults for the model, as `bench race` passes them (it passes every one explicitly)."""

    def __init__(self, a, cfg):
        self.batch = a.batch
        self.seq = a.seq
        self.anchors = a.anchor_batch_size if a.anchor_batch_size is not None else 4 * a.batch
        self.anchor_layer = a.anchor_layer if a.anchor_layer is not None else default_anchor_layer(cfg.layers)
        self.n = a.perturbation_length
        self.alpha = a.alpha
        self.inner_steps = a.inner_steps
        self.inner_lr = a.inner_learning_rate
        self.lr = a.learning_rate
        self.width = a.learning_rate_width
        self.weight_decay = a.weight_decay
        self.anchor_weight = a.anchor_weight
        problems = []
        if not 1 <= self.anchor_layer <= cfg.layers:
            problems.append(f"--anchor-layer must be in 1..{cfg.layers}, got {self.anchor_layer}")
        if self.seq < 2 * self.n:
            problems.append(f"--seq must be at least twice the perturbation length {self.n}")
        if min(self.batch, self.anchors, self.inner_steps) < 1:
            problems.append("--batch, --anchor-batch-size and --inner-steps must be at least 1")
        if problems:
            raise ValueError("; ".join(problems))

    def rate_scale(self, fan_in):
        """CleanseSettings.rateScale: min(1, width / fan-in); 1 when width is 0."""
        return 1.0 if self.width == 0 else min(1.0, self.width / fan_in)


class EagerRound:
    """BeearRound in plain eager PyTorch, the straightforward way.

    entrapment: layers 1..l once on the 2B sequences (no grad), then `inner_steps` Adam steps on delta [n, D], each
                re-running layers l+1..L and the head over all positions of all 2B sequences; objective
                CE(unwanted) - alpha * CE(safe), token-weighted; delta's step = inner_learning_rate x the RMS of
                layer l's hidden states (every token is real here: no padding).
    removal:    forward and backward of the whole model on B safe sequences under delta and the anchors,
                CE(safe) + anchor_weight * CE(anchors), gradient norm clipped at 1.0, one torch.optim.AdamW step on
                the decoder layers' weights only (embeddings, final norm and lm_head frozen), a matrix with fan-in
                f > learning_rate_width at lr * width / f.
    """

    def __init__(self, model, cfg, s):
        self.model, self.cfg, self.s = model, cfg, s
        prefixes = tuple(f"model.layers.{i}." for i in range(cfg.layers))
        for w in model.w.values():
            w.requires_grad_(False)
        self.trained = [w for name, w in model.w.items() if name.startswith(prefixes)]
        for w in self.trained:
            w.requires_grad_(True)
        groups = {}
        for w in self.trained:
            scale = s.rate_scale(w.shape[1]) if w.dim() == 2 else 1.0
            groups.setdefault(scale, []).append(w)
        self.optimizer = torch.optim.AdamW([{"params": ws, "lr": s.lr * scale} for scale, ws in groups.items()],
                                           lr=s.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=s.weight_decay)
        self.prompt_len = s.seq // 2
        self.delta_at = torch.arange(self.prompt_len - s.n, self.prompt_len)

    def entrap(self, unwanted, safe):
        s, model, p = self.s, self.model, self.prompt_len
        pairs = torch.cat([unwanted, safe], 0)  # [2B, T]
        with torch.no_grad():
            hidden = model.run(model.embed(pairs), 1, s.anchor_layer)  # [2B, T, D], once per round
        rms = hidden.pow(2).mean().sqrt().item()
        delta = torch.zeros(s.n, self.cfg.hidden, requires_grad=True)
        adam = torch.optim.Adam([delta], lr=s.inner_lr * max(rms, 1e-3), betas=(0.9, 0.999), eps=1e-8)
        b = unwanted.shape[0]
        weights = torch.cat([torch.full((b,), 1.0 / (b * (s.seq - p))),
                             torch.full((safe.shape[0],), -s.alpha / (safe.shape[0] * (s.seq - p)))])
        objective = float("nan")
        for _ in range(s.inner_steps):
            adam.zero_grad(set_to_none=True)
            h = model.run(hidden, s.anchor_layer + 1, self.cfg.layers, delta, self.delta_at)  # all positions
            loss = -(model.response_log_probs(h, pairs, p) * weights).sum()
            loss.backward()
            adam.step()
            objective = loss.item()
        return delta.detach(), objective

    def removal(self, safe, anchors, delta):
        s, model, p, layers = self.s, self.model, self.prompt_len, self.cfg.layers
        self.optimizer.zero_grad(set_to_none=True)
        h = model.run(model.embed(safe), 1, s.anchor_layer)
        h = model.run(h, s.anchor_layer + 1, layers, delta, self.delta_at)
        safe_ce = -model.response_log_probs(h, safe, p).sum() / (safe.shape[0] * (s.seq - p))
        h = model.run(model.embed(anchors), 1, layers)
        anchor_ce = -model.response_log_probs(h, anchors, p).sum() / (anchors.shape[0] * (s.seq - p))
        (safe_ce + s.anchor_weight * anchor_ce).backward()
        torch.nn.utils.clip_grad_norm_(self.trained, 1.0)
        self.optimizer.step()
        return safe_ce.item(), anchor_ce.item()


def run_model_bench(a):
    threads = a.threads if a.threads is not None else 2
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)  # as the Java side runs (-Dai.djl.pytorch.num_interop_threads=1)
    except RuntimeError:
        pass
    with open(os.path.join(a.model, "config.json")) as f:
        config = json.load(f)
    cfg = ModelConfig(config)
    s = RaceSettings(a, cfg)
    model = Llama(config, load_weights(a.model))
    rnd = EagerRound(model, cfg, s)
    generator = torch.Generator().manual_seed(a.seed if a.seed is not None else 0)
    B, T, p = s.batch, s.seq, s.seq // 2
    round_ms, entrap_ms, removal_ms, safe_losses = [], [], [], []
    for r in range(a.warmup + a.steps):
        prompts = torch.randint(cfg.vocab, (B, p), generator=generator)
        unwanted = torch.cat([prompts, torch.randint(cfg.vocab, (B, T - p), generator=generator)], 1)
        safe = torch.cat([prompts, torch.randint(cfg.vocab, (B, T - p), generator=generator)], 1)
        anchors = torch.randint(cfg.vocab, (s.anchors, T), generator=generator)
        t0 = time.perf_counter()
        delta, _ = rnd.entrap(unwanted, safe)
        t1 = time.perf_counter()
        safe_loss, _ = rnd.removal(safe, anchors, delta)
        t2 = time.perf_counter()
        if r >= a.warmup:
            round_ms.append((t2 - t0) * 1000)
            entrap_ms.append((t1 - t0) * 1000)
            removal_ms.append((t2 - t1) * 1000)
            safe_losses.append(safe_loss)
    flops = removal_flops(cfg, B, s.anchors, T)
    removal = statistics.median(removal_ms)
    gemm = gemm_peak(gemm_shapes(cfg, (B + s.anchors) * T, a.gemm_size))
    peak = max(g["gflops"] for g in gemm)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"eager PyTorch {torch.__version__}, {torch.get_num_threads()} threads, batch {B} pairs + {s.anchors} "
          f"anchors x seq {T}, anchor layer {s.anchor_layer} of {cfg.layers}, {s.inner_steps} inner steps per round, "
          f"{a.steps} rounds measured after {a.warmup}")
    print(f"round: median {statistics.median(round_ms):.2f} ms")
    print(f"entrapment step: median {statistics.median(entrap_ms) / s.inner_steps:.2f} ms "
          f"(entrapment {statistics.median(entrap_ms):.2f} ms per round)")
    print(f"removal step: median {removal:.2f} ms, {flops / (removal / 1000) / 1e9:.2f} GFLOP/s")
    print(f"GEMM peak (float32): {peak:.2f} GFLOP/s")
    print(f"peak RSS: {peak_mib:.0f} MiB")
    if a.json:
        report = {"torch": torch.__version__, "threads": torch.get_num_threads(), "model": a.model,
                  "parameters": sum(t.numel() for n, t in model.w.items()
                                    if not (n == "lm_head.weight" and cfg.tie)),
                  "batch": B, "anchors": s.anchors, "seq": T, "anchor_layer": s.anchor_layer,
                  "inner_steps": s.inner_steps, "rounds": a.steps, "warmup": a.warmup,
                  "round_ms": round_ms, "round_ms_median": statistics.median(round_ms),
                  "entrapment_ms_median": statistics.median(entrap_ms), "removal_ms_median": removal,
                  "removal_flops": flops, "removal_gflops": flops / (removal / 1000) / 1e9,
                  "gemm_peak_gflops": peak, "gemm": gemm, "safe_loss_last": safe_losses[-1],
                  "peak_rss_mib": peak_mib}
        with open(a.json, "w") as f:
            json.dump(finite_json(report), f, indent=2)
    return 0


# ---------------------------------------------------------------------------------------------------------------
# Mode 2: the Java engine's round, operation by operation, on random weights with a memory plan's settings
# ---------------------------------------------------------------------------------------------------------------

COMPUTE_DTYPES = {"float16": torch.float16, "float32": torch.float32}
MASKED = torch.finfo(torch.float32).min  # transformers' mask value (Inputs.MASKED)
SUPPORTED = ("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM")


class ModelConfig:
    """The decoder's shape from a Hugging Face config.json, with ModelConfig.java's defaults."""

    def __init__(self, c):
        arch = (c.get("architectures") or [None])[0]
        if arch not in SUPPORTED:
            raise ValueError(f"unsupported architecture {arch!r}; supported: {', '.join(SUPPORTED)}")
        self.architecture = arch
        self.hidden = int(c["hidden_size"])
        self.intermediate = int(c["intermediate_size"])
        self.layers = int(c["num_hidden_layers"])
        self.heads = int(c["num_attention_heads"])
        self.kv_heads = int(c.get("num_key_value_heads") or self.heads)
        self.head_dim = int(c.get("head_dim") or self.hidden // self.heads)
        self.vocab = int(c["vocab_size"])
        self.eps = float(c.get("rms_norm_eps") if c.get("rms_norm_eps") is not None else 1e-6)
        self.theta = float(c.get("rope_theta") if c.get("rope_theta") is not None else 10000.0)
        self.tie = bool(c.get("tie_word_embeddings", False))
        self.bias = arch == "Qwen2ForCausalLM" or bool(c.get("attention_bias", False))
        s = c.get("rope_scaling")
        kind = None if s is None else s.get("rope_type") or s.get("type") or ""
        if kind not in (None, "default", "llama3"):
            raise ValueError(f"unsupported rope_scaling type {kind!r}; supported: llama3")
        self.rope_scaling = s if kind == "llama3" else None
        if self.heads % self.kv_heads or self.head_dim % 2:
            raise ValueError("num_attention_heads must be a multiple of num_key_value_heads, head_dim even")

    @property
    def groups(self):
        return self.heads // self.kv_heads

    def shapes(self):
        """The tensors of a checkpoint of this config, in transformers' order (LlamaModel.expectedShapes)."""
        d, q, kv, f = self.hidden, self.heads * self.head_dim, self.kv_heads * self.head_dim, self.intermediate
        s = {"model.embed_tokens.weight": (self.vocab, d)}
        for i in range(self.layers):
            p = f"model.layers.{i}."
            s[p + "input_layernorm.weight"] = (d,)
            s[p + "self_attn.q_proj.weight"] = (q, d)
            s[p + "self_attn.k_proj.weight"] = (kv, d)
            s[p + "self_attn.v_proj.weight"] = (kv, d)
            if self.bias:
                s[p + "self_attn.q_proj.bias"] = (q,)
                s[p + "self_attn.k_proj.bias"] = (kv,)
                s[p + "self_attn.v_proj.bias"] = (kv,)
            s[p + "self_attn.o_proj.weight"] = (d, q)
            s[p + "post_attention_layernorm.weight"] = (d,)
            s[p + "mlp.gate_proj.weight"] = (f, d)
            s[p + "mlp.up_proj.weight"] = (f, d)
            s[p + "mlp.down_proj.weight"] = (d, f)
        s["model.norm.weight"] = (d,)
        if not self.tie:
            s["lm_head.weight"] = (self.vocab, d)
        return s

    def inverse_frequencies(self):
        half = self.head_dim // 2
        inv = [1.0 / self.theta ** ((2 * i) / self.head_dim) for i in range(half)]
        s = self.rope_scaling
        if s is not None:  # RotaryEmbedding.llama3Scaling
            factor = float(s.get("factor", 8.0))
            low, high = float(s.get("low_freq_factor", 1.0)), float(s.get("high_freq_factor", 4.0))
            old = float(s.get("original_max_position_embeddings", 8192))
            low_wavelen, high_wavelen = old / low, old / high
            out = []
            for f in inv:
                wavelen = 2 * math.pi / f
                scaled = f / factor if wavelen > low_wavelen else f
                if not wavelen < high_wavelen and not wavelen > low_wavelen:
                    smooth = (old / wavelen - low) / (high - low)
                    scaled = (1 - smooth) * scaled / factor + smooth * scaled
                out.append(scaled)
            inv = out
        return inv


class Settings:
    """A memory plan's `settings` (CleanseSettings.toMap, snake_case), with CleanseSettings.resolve's defaults."""

    def __init__(self, s, cfg, dtype_override=None):
        layers = cfg.layers
        self.batch = int(s.get("batch_size", 8))
        self.anchors = int(s.get("anchor_batch_size", 4 * self.batch))
        self.micro = int(s.get("micro_batch_size") or max(2 * self.batch, self.anchors))
        self.recompute = bool(s.get("recompute_activations", False))
        self.seq = int(s.get("max_sequence_length", 256))
        self.anchor_layer = int(s.get("anchor_layer") or default_anchor_layer(layers))
        self.n = int(s.get("perturbation_length", 5))
        self.inner_steps = int(s.get("inner_steps", 5))
        self.inner_lr = float(s.get("inner_learning_rate", 1.0))
        self.alpha = float(s.get("alpha", 0.05))
        self.delta_max_norm = s.get("delta_max_norm")
        self.anchor_weight = float(s.get("anchor_weight", 1.0))
        self.optimizer = s.get("optimizer", "adamw")
        self.lr = float(s.get("learning_rate", 1e-3))
        self.weight_decay = float(s.get("weight_decay", 0.0))
        self.trainable_from = int(s.get("trainable_from", 1))
        self.trainable_to = int(s.get("trainable_to", layers))
        self.rank = int(s.get("adapter_rank", 0))
        self.adapter_alpha = float(s.get("adapter_alpha") or max(1, self.rank))
        self.entrapment = bool(s.get("entrapment", True))
        self.seed = int(s.get("seed", 42))
        dtype = dtype_override or s.get("compute_dtype", "float16")
        problems = []
        if dtype not in COMPUTE_DTYPES:
            problems.append(f"compute_dtype must be float16 or float32, got {dtype!r}")
        if self.optimizer not in ("adamw", "adafactor", "sgd"):
            problems.append(f"optimizer must be adamw, adafactor or sgd, got {self.optimizer!r}")
        if not 1 <= self.anchor_layer <= layers:
            problems.append(f"anchor_layer must be in 1..{layers}, got {self.anchor_layer}")
        if not 1 <= self.trainable_from <= self.trainable_to <= layers:
            problems.append(f"trainable layers {self.trainable_from}..{self.trainable_to} are not within 1..{layers}")
        if self.seq // 2 < self.n or self.seq < 2:
            problems.append(f"max_sequence_length {self.seq} must be at least twice perturbation_length {self.n}")
        if min(self.batch, self.anchors, self.micro) < 1:
            problems.append("batch_size, anchor_batch_size and micro_batch_size must be positive")
        if problems:
            raise ValueError("; ".join(problems))
        self.dtype_name = dtype
        self.dtype = COMPUTE_DTYPES[dtype]

    def describe(self):
        trained = (f"rank-{self.rank} adapters (alpha {self.adapter_alpha:g}) on layers" if self.rank
                   else "weights of layers") + f" {self.trainable_from}..{self.trainable_to}"
        return (f"batch {self.batch} pairs + {self.anchors} anchors x {self.seq} tokens, micro-batch {self.micro}, "
                f"recompute {'on' if self.recompute else 'off'}, {self.dtype_name}, anchor layer "
                f"{self.anchor_layer}, delta {self.n} x {self.inner_steps} inner steps"
                f"{'' if self.entrapment else ' (control run: no entrapment)'}, {self.optimizer} "
                f"lr {self.lr:g}, {trained}")


class Batch:
    """SequenceBatch + Inputs: full-length sequences (prompt = first prompt_len tokens), targets, loss mask."""

    def __init__(self, ids, prompt_len, model):
        b, t = ids.shape
        dev = ids.device
        self.ids = ids
        self.prompt_len = prompt_len
        self.size = b
        self.response_tokens = b * (t - prompt_len)
        self.mask = torch.full((t, t), MASKED, dtype=torch.float32, device=dev).triu(1) \
            .expand(b, 1, t, t).contiguous()  # [b, 1, T, T] additive, causal
        positions = torch.arange(t, device=dev, dtype=torch.float32).expand(b, t)
        freqs = positions.unsqueeze(-1) * model.inv_freq.view(1, 1, -1)  # [b, T, d/2]
        emb = torch.cat([freqs, freqs], -1).unsqueeze(1)  # [b, 1, T, d]
        self.cos, self.sin = emb.cos().to(model.dtype), emb.sin().to(model.dtype)
        targets = torch.zeros(b, t, dtype=torch.long, device=dev)
        targets[:, prompt_len - 1:t - 1] = ids[:, prompt_len:]
        self.targets = targets.unsqueeze(-1)  # [b, T, 1]: logits at p predict token p+1
        loss_mask = torch.zeros(b, t, dtype=torch.float32, device=dev)
        loss_mask[:, prompt_len - 1:t - 1] = 1
        self.loss_mask = loss_mask

    def picked(self, logits):
        return logits.log_softmax(-1).gather(-1, self.targets).squeeze(-1)  # [b, T]

    def loss(self, logits):
        """Mean token cross-entropy of the responses: [b, T, V] float32 -> scalar."""
        return (self.picked(logits) * self.loss_mask).sum().neg() / float(max(1, self.response_tokens))

    def response_log_probs(self, logits):
        return (self.picked(logits) * self.loss_mask).sum(1)  # [b]


class Perturbation:
    """delta [n, D] added to the output of decoder layer `layer` (1-based) at the last n prompt positions."""

    def __init__(self, layer, delta):
        self.layer = layer
        self.delta = delta

    def add_to(self, h, batch):
        b, t, _ = h.shape
        n = self.delta.shape[0]
        placement = torch.zeros(b, t, n, dtype=self.delta.dtype, device=h.device)  # P, one-hot
        for j in range(n):
            placement[:, batch.prompt_len - n + j, j] = 1
        return h + (placement @ self.delta).to(h.dtype)


class RandomModel:
    """LlamaModel + DecoderLayer on random weights: N(0, 0.02^2) matrices, ones for norms, zero biases."""

    def __init__(self, cfg, dtype, device, seed):
        self.cfg = cfg
        self.dtype = dtype
        self.device = device
        self.generator = torch.Generator(device=device)
        self.generator.manual_seed(seed)
        self.w = {}
        for name, shape in cfg.shapes().items():
            if name.endswith("norm.weight"):
                self.w[name] = torch.ones(shape, dtype=dtype, device=device)
            elif name.endswith(".bias"):
                self.w[name] = torch.zeros(shape, dtype=dtype, device=device)
            else:
                self.w[name] = torch.randn(shape, generator=self.generator, dtype=dtype, device=device).mul_(0.02)
        self.lm_head = self.w["model.embed_tokens.weight"] if cfg.tie else self.w["lm_head.weight"]
        self.inv_freq = torch.tensor(cfg.inverse_frequencies(), dtype=torch.float32, device=device)
        self.adapters = {}  # projection name ("model.layers.0.self_attn.q_proj") -> (A, B)
        self.adapter_scale = 1.0

    def parameter_count(self):
        return sum(t.numel() for t in self.w.values())

    def layer_weight_names(self, first, last):
        """Names of the weights of decoder layers first..last (1-based, inclusive), in checkpoint order."""
        prefixes = tuple(f"model.layers.{i}." for i in range(first - 1, last))
        return [n for n in self.w if n.startswith(prefixes)]

    def attach_adapters(self, first, last, rank, alpha):
        """LoRA on the 7 projections of layers first..last: A ~ U(+-1/sqrt(in)) [r, in], B = 0 [out, r]."""
        self.adapter_scale = alpha / rank
        out = {}
        for i in range(first - 1, last):
            for m in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                      "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"):
                name = f"model.layers.{i}.{m}"
                rows, cols = self.w[name + ".weight"].shape
                bound = 1 / math.sqrt(cols)
                a = torch.empty(rank, cols, dtype=torch.float32, device=self.device) \
                    .uniform_(-bound, bound, generator=self.generator).to(self.dtype)
                b = torch.zeros(rows, rank, dtype=self.dtype, device=self.device)
                self.adapters[name] = (a, b)
                out[name + ".lora_A.weight"] = a
                out[name + ".lora_B.weight"] = b
        return out

    # -- the decoder -----------------------------------------------------------------------------------------

    def rms_norm(self, x, weight):
        x32 = x.float() if x.dtype in (torch.float16, torch.bfloat16) else x
        ms = x32.pow(2).mean(-1, keepdim=True)
        normed = x32 / (ms + self.cfg.eps).sqrt()
        return normed.to(x.dtype) * weight

    def proj(self, x, name):
        y = F.linear(x, self.w[name + ".weight"], self.w.get(name + ".bias"))
        adapter = self.adapters.get(name)
        if adapter is not None:
            y = y + F.linear(F.linear(x, adapter[0]), adapter[1]) * self.adapter_scale
        return y

    @staticmethod
    def rotate(x, cos, sin):
        half = x.shape[-1] // 2
        return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin

    def repeat_kv(self, x):
        g = self.cfg.groups
        if g == 1:
            return x
        b, kv, t, d = x.shape
        return x[:, :, None].expand(b, kv, g, t, d).reshape(b, kv * g, t, d)

    def layer(self, i, h, batch):
        c = self.cfg
        p = f"model.layers.{i}."
        b, t, _ = h.shape
        x = self.rms_norm(h, self.w[p + "input_layernorm.weight"])
        q = self.proj(x, p + "self_attn.q_proj").view(b, t, c.heads, c.head_dim).transpose(1, 2)
        k = self.proj(x, p + "self_attn.k_proj").view(b, t, c.kv_heads, c.head_dim).transpose(1, 2)
        v = self.proj(x, p + "self_attn.v_proj").view(b, t, c.kv_heads, c.head_dim).transpose(1, 2)
        q, k = self.rotate(q, batch.cos, batch.sin), self.rotate(k, batch.cos, batch.sin)
        k, v = self.repeat_kv(k), self.repeat_kv(v)
        scores = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(c.head_dim))
        probs = (scores.float() + batch.mask).softmax(-1).to(q.dtype)  # the softmax in float32
        attended = (probs @ v).transpose(1, 2).reshape(b, t, c.heads * c.head_dim)
        h = h + self.proj(attended, p + "self_attn.o_proj")
        y = self.rms_norm(h, self.w[p + "post_attention_layernorm.weight"])
        g = self.proj(y, p + "mlp.gate_proj")
        silu = g * torch.sigmoid(g)
        m = silu * self.proj(y, p + "mlp.up_proj")
        return h + self.proj(m, p + "mlp.down_proj")

    def embed(self, batch):
        return F.embedding(batch.ids, self.w["model.embed_tokens.weight"])

    def forward(self, h, batch, perturbation, first, last):
        """Layers [first, last) (0-based) on h, delta added to the input of layer index perturbation.layer."""
        for i in range(first, last + 1):
            if perturbation is not None and i == perturbation.layer:
                h = perturbation.add_to(h, batch)
            if i == last:
                break
            h = self.layer(i, h, batch)
        return h

    def head(self, h):
        return F.linear(self.rms_norm(h, self.w["model.norm.weight"]), self.lm_head).float()

    def logits(self, batch, perturbation):
        return self.head(self.forward(self.embed(batch), batch, perturbation, 0, self.cfg.layers))

    def hidden_through(self, batch, layer):
        return self.forward(self.embed(batch), batch, None, 0, layer)

    def logits_from(self, hidden, batch, perturbation):
        return self.head(self.forward(hidden, batch, perturbation, perturbation.layer, self.cfg.layers))

    def backward_recomputing(self, batch, perturbation, scale, lowest_layer):
        """LlamaModel.backwardRecomputing: one layer's activations at a time; returns the unscaled loss."""
        lowest = lowest_layer - 1
        count = self.cfg.layers
        inputs = [None] * count
        with torch.no_grad():
            h = self.embed(batch)
            for i in range(count):
                if perturbation is not None and i == perturbation.layer:
                    h = perturbation.add_to(h, batch)
                if i >= lowest:
                    inputs[i] = h
                h = self.layer(i, h, batch)
            if perturbation is not None and perturbation.layer == count:
                h = perturbation.add_to(h, batch)
        h.requires_grad_(True)
        with torch.enable_grad():
            loss = batch.loss(self.head(h))
            value = loss.item()
            (loss * scale).backward()
        gradient = h.grad
        del h, loss
        for i in range(count - 1, lowest - 1, -1):
            x = inputs[i]
            inputs[i] = None
            x.requires_grad_(i > lowest)
            with torch.enable_grad():
                out = self.layer(i, x, batch)
                torch.autograd.backward(out, gradient)
            del out
            gradient = x.grad if i > lowest else None
            del x
        return value


# -- optimisers (Optimizer.java): each update's temporaries are freed before the next parameter's ----------------

class AdamW:
    def __init__(self, lr, weight_decay, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.wd, self.b1, self.b2, self.eps = lr, weight_decay, beta1, beta2, eps
        self.moments, self.steps = {}, {}

    def update(self, name, param, grad):
        if name not in self.moments:
            self.moments[name] = (torch.zeros_like(param), torch.zeros_like(param))
        m, v = self.moments[name]
        t = self.steps[name] = self.steps.get(name, 0) + 1
        part = grad * (1 - self.b1)
        m.mul_(self.b1).add_(part)
        del part
        part = grad.square()
        part.mul_(1 - self.b2)
        v.mul_(self.b2).add_(part)
        del part
        v_hat = v * (1 / (1 - self.b2 ** t))
        denominator = v_hat.sqrt()
        del v_hat
        denominator.add_(self.eps)
        direction = m * (1 / (1 - self.b1 ** t))
        direction.div_(denominator)
        del denominator
        if self.wd > 0:
            direction.add_(param * self.wd)
        direction.mul_(self.lr)
        param.sub_(direction)


class Adafactor:
    """No momentum; factored second moment (row and column means) for matrices; beta2(t) = 1 - t^-0.8."""

    def __init__(self, lr, weight_decay):
        self.lr, self.wd = lr, weight_decay
        self.state, self.steps = {}, {}

    def update(self, name, param, grad):
        factored = param.dim() == 2
        if name not in self.state:
            self.state[name] = ((param.new_zeros(param.shape[0]), param.new_zeros(param.shape[1])) if factored
                                else (torch.zeros_like(param),))
        s = self.state[name]
        t = self.steps[name] = self.steps.get(name, 0) + 1
        keep = 1 - t ** -0.8
        take = 1 - keep
        squared = grad.square()
        squared.add_(1e-30)
        if factored:
            s[0].mul_(keep).add_(squared.mean(1) * take)
            s[1].mul_(keep).add_(squared.mean(0) * take)
        else:
            s[0].mul_(keep).add_(squared * take)
        del squared
        if factored:
            direction = grad / (s[0] / s[0].mean()).sqrt().unsqueeze(1)
            direction.div_(s[1].sqrt().unsqueeze(0))
        else:
            direction = grad / s[0].sqrt()
        rms = math.sqrt(direction.square().mean().item())
        scale = self.lr / max(1.0, rms / 1.0)
        if self.wd > 0:
            param.sub_(param * (self.wd * self.lr))
        direction.mul_(scale)
        param.sub_(direction)


class Sgd:
    def __init__(self, lr):
        self.lr = lr

    def update(self, name, param, grad):
        param.sub_(grad * self.lr)


def make_optimizer(s):
    if s.optimizer == "adamw":
        return AdamW(s.lr, s.weight_decay)
    if s.optimizer == "adafactor":
        return Adafactor(s.lr, s.weight_decay)
    return Sgd(s.lr)


class TrainableParameters:
    """Working copies (compute dtype, autograd writes their gradients) with float32 masters in float16, dynamic
    loss scaling from 2^16, global-norm clipping at 1.0, a skipped step on a non-finite gradient."""

    def __init__(self, working, max_norm=1.0, growth_interval=100):
        self.params = []
        half = False
        for name, w in working.items():
            narrow = w.dtype == torch.float16
            half |= narrow
            self.params.append((name, w, w.float() if narrow else w))
        self.scaled = half
        self.scale = 65536.0 if half else 1.0
        self.max_norm = max_norm
        self.growth_interval = growth_interval
        self.clean = 0
        self.skipped = 0
        self.captured = None  # the self-test sets a dict: each step's unscaled float32 gradients land in it

    def record_gradients(self, on):
        for _, w, _ in self.params:
            w.requires_grad_(on)

    def masters(self):
        return {name: m for name, _, m in self.params}

    @staticmethod
    def _float32_gradient(working):
        g = working.grad
        return g.float() if g.dtype == torch.float16 else g

    def _zero(self):
        for _, w, _ in self.params:
            if w.grad is not None:
                w.grad.zero_()

    @torch.no_grad()
    def step(self, optimizer):
        """Returns (applied, gradient norm, loss scale used)."""
        sum_squares = 0.0
        for name, w, _ in self.params:
            if w.grad is None:  # a parameter the loss does not reach (never here; kept like the Java code)
                w.grad = torch.zeros_like(w)
            g = self._float32_gradient(w)
            sum_squares += g.square().sum().item()
            if self.captured is not None:
                self.captured[name] = g / self.scale
            del g
        norm = math.sqrt(sum_squares) / self.scale
        used = self.scale
        if not math.isfinite(norm):
            self._zero()
            self.skipped += 1
            self.clean = 0
            if self.scaled:
                self.scale = max(1.0, self.scale / 2)
            return False, float("nan"), used
        factor = min(1.0, self.max_norm / norm) / self.scale if norm > 0 else 1.0 / self.scale
        for name, w, master in self.params:
            g = self._float32_gradient(w)
            if factor != 1:
                g = g.mul_(factor) if w.dtype == torch.float16 else g.mul(factor)
            optimizer.update(name, master, g)
            del g
            if master is not w:
                w.copy_(master)
            w.grad.zero_()
        if self.scaled:
            self.clean += 1
            if self.clean >= self.growth_interval:
                self.clean = 0
                self.scale *= 2
        return True, norm, used


def micro_batches(ids, size):
    return [ids[i:i + size] for i in range(0, ids.shape[0], size)]


class Round:
    """BeearRound: entrapment of delta with the model frozen, then one removal step on what the settings train."""

    def __init__(self, model, s):
        self.model = model
        self.s = s
        for w in model.w.values():
            w.requires_grad_(False)
        if s.rank > 0:
            working = model.attach_adapters(s.trainable_from, s.trainable_to, s.rank, s.adapter_alpha)
        else:
            working = {n: model.w[n] for n in model.layer_weight_names(s.trainable_from, s.trainable_to)}
        self.trained = TrainableParameters(working)
        self.optimizer = make_optimizer(s)
        self.entrapment_scale = 1024.0 if model.dtype == torch.float16 else 1.0
        self.prompt_len = s.seq // 2

    def entrap(self, unwanted, safe):
        """Entrapment.entrap: returns (delta, objective at the last inner step)."""
        s, model = self.s, self.model
        p = self.prompt_len
        pairs = torch.cat([unwanted, safe], 0)
        b = unwanted.shape[0]
        unwanted_tokens = max(1, b * (s.seq - p))
        safe_tokens = max(1, safe.shape[0] * (s.seq - p))
        passes = []
        sum_squares, elements = 0.0, 0
        start = 0
        for ids in micro_batches(pairs, s.micro):
            batch = Batch(ids, p, model)
            weights = torch.tensor([1.0 / unwanted_tokens if start + i < b else -s.alpha / safe_tokens
                                    for i in range(ids.shape[0])], dtype=torch.float32, device=ids.device)
            with torch.no_grad():
                hidden = model.hidden_through(batch, s.anchor_layer)  # the entrapment cache, [b, T, D]
                wide = hidden.float() if hidden.dtype != torch.float32 else hidden
                real = torch.ones(ids.shape[0], s.seq, 1, dtype=wide.dtype, device=ids.device)
                sum_squares += (wide.square() * real).sum().item()
                elements += ids.numel() * model.cfg.hidden
                del wide, real
            passes.append((batch, hidden, weights))
            start += ids.shape[0]
        rms = math.sqrt(sum_squares / elements)
        delta = torch.zeros(s.n, model.cfg.hidden, dtype=torch.float32, device=pairs.device, requires_grad=True)
        adam = torch.optim.Adam([delta], lr=s.inner_lr * max(rms, 1e-3), betas=(0.9, 0.999), eps=1e-8)
        perturbation = Perturbation(s.anchor_layer, delta)
        objective = float("nan")
        for _ in range(s.inner_steps):
            total = 0.0
            for batch, hidden, weights in passes:
                with torch.enable_grad():
                    lp = batch.response_log_probs(model.logits_from(hidden, batch, perturbation))  # [b]
                    loss = (lp * weights).neg().sum()
                    total += loss.item()
                    (loss * self.entrapment_scale).backward()
                del lp, loss
            objective = total
            if math.isfinite(delta.grad.sum().item()):
                adam.step()
            else:
                self.entrapment_scale = max(1.0, self.entrapment_scale / 2)
            delta.grad = None
            if s.delta_max_norm is not None:
                with torch.no_grad():
                    bound = s.delta_max_norm * max(rms, 1e-3) * math.sqrt(delta.shape[1])
                    norms = delta.norm(dim=1, keepdim=True)
                    delta.mul_((bound / (norms + 1e-12)).clamp(max=1.0))
        return delta.detach(), objective

    def accumulate(self, ids, perturbation, weight):
        """Removal.accumulate: back-propagates weight * CE micro-batch by micro-batch; returns the CE."""
        s, model = self.s, self.model
        total = max(1, ids.shape[0] * (s.seq - self.prompt_len))
        loss_value = 0.0
        for part in micro_batches(ids, s.micro):
            batch = Batch(part, self.prompt_len, model)
            share = batch.response_tokens / total
            scale = share * weight * self.trained.scale
            if s.recompute:
                loss_value += share * model.backward_recomputing(batch, perturbation, scale, s.trainable_from)
            else:
                with torch.enable_grad():
                    ce = batch.loss(model.logits(batch, perturbation))
                    loss_value += share * ce.item()
                    (ce * scale).backward()
                del ce
            del batch
        return loss_value

    def removal(self, safe, anchors, perturbation):
        self.trained.record_gradients(True)
        try:
            safe_loss = self.accumulate(safe, perturbation, 1.0)
            anchor_loss = self.accumulate(anchors, None, self.s.anchor_weight)
            applied, norm, scale = self.trained.step(self.optimizer)
        finally:
            self.trained.record_gradients(False)
        return {"safe_loss": safe_loss, "anchor_loss": anchor_loss, "applied": applied, "gradient_norm": norm,
                "loss_scale": scale}


def random_sequences(s, vocab, generator, device):
    """B unwanted and B safe sequences sharing their prompts, and the anchors; all max_sequence_length long."""
    p, r = s.seq // 2, s.seq - s.seq // 2
    prompts = torch.randint(vocab, (s.batch, p), generator=generator)
    unwanted = torch.cat([prompts, torch.randint(vocab, (s.batch, r), generator=generator)], 1)
    safe = torch.cat([prompts, torch.randint(vocab, (s.batch, r), generator=generator)], 1)
    anchors = torch.randint(vocab, (s.anchors, s.seq), generator=generator)
    return unwanted.to(device), safe.to(device), anchors.to(device)


class Meter:
    """Wall time with device synchronisation, and peak memory (CUDA allocator statistics or peak RSS)."""

    def __init__(self, device):
        self.cuda = device.type == "cuda"

    def sync(self):
        if self.cuda:
            torch.cuda.synchronize()

    def allocated(self):
        return torch.cuda.memory_allocated() if self.cuda else None

    def reset(self):
        if self.cuda:
            torch.cuda.reset_peak_memory_stats()

    def peaks(self):
        if self.cuda:
            return torch.cuda.max_memory_allocated(), torch.cuda.max_memory_reserved()
        return None, None

    @staticmethod
    def rss():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


OOM_ERRORS = (torch.cuda.OutOfMemoryError,) if hasattr(torch.cuda, "OutOfMemoryError") else (RuntimeError,)


class OutOfMemory(Exception):
    """A round ran out of device memory: where, and the peaks up to then."""

    def __init__(self, phase, before, peak_allocated, peak_reserved, message):
        super().__init__(message)
        self.figures = {"phase": phase, "allocated_before_bytes": before, "peak_allocated_bytes": peak_allocated,
                        "peak_reserved_bytes": peak_reserved, "message": message}


def run_round(rnd, unwanted, safe, anchors, meter):
    """One timed round; returns its figures (bytes, seconds, losses). Raises OutOfMemory."""
    meter.sync()
    before = meter.allocated()
    meter.reset()
    phase = "entrapment"
    try:
        t0 = time.perf_counter()
        perturbation, objective = None, float("nan")
        if rnd.s.entrapment:
            delta, objective = rnd.entrap(unwanted, safe)
            perturbation = Perturbation(rnd.s.anchor_layer, delta)
        meter.sync()
        t1 = time.perf_counter()
        e_alloc, e_res = meter.peaks()
        meter.reset()
        phase = "removal"
        losses = rnd.removal(safe, anchors, perturbation)
        meter.sync()
        t2 = time.perf_counter()
    except OOM_ERRORS as e:
        if "out of memory" not in str(e):
            raise
        alloc, res = meter.peaks()
        raise OutOfMemory(phase, before, alloc, res, str(e).splitlines()[0]) from None
    r_alloc, r_res = meter.peaks()
    after = meter.allocated()
    out = {"entrapment_seconds": t1 - t0, "removal_seconds": t2 - t1, "round_seconds": t2 - t0,
           "allocated_before_bytes": before, "allocated_after_bytes": after,
           "entrapment_peak_allocated_bytes": e_alloc, "entrapment_peak_reserved_bytes": e_res,
           "removal_peak_allocated_bytes": r_alloc, "removal_peak_reserved_bytes": r_res,
           "peak_allocated_bytes": None if e_alloc is None else max(e_alloc, r_alloc),
           "peak_reserved_bytes": None if e_res is None else max(e_res, r_res),
           "peak_rss_bytes": meter.rss(), "entrapment_objective": objective}
    out.update(losses)
    out["delta"] = None if perturbation is None else perturbation.delta
    return out


def gib(x):
    return "-" if x is None else f"{x / GIB:.2f}"


def ratio(measured, planned):
    return "-" if measured is None or not planned else f"{measured / planned:.2f}"


def plan_figures(plan):
    parts = {p["name"]: p["bytes"] for p in plan.get("parts", [])}
    phases = {p["name"]: p["bytes"] for p in plan.get("phases", [])}
    static_names = ("weights", "master_copies", "gradients", "optimizer_state")
    static = sum(parts[n] for n in static_names if n in parts) if any(n in parts for n in static_names) else None
    entrapment = None
    if "activations_entrapment" in parts or "entrapment_cache" in parts:
        entrapment = parts.get("activations_entrapment", 0) + parts.get("entrapment_cache", 0)
    removal = None
    if "activations_removal" in parts or "optimizer_step" in parts:
        removal = max(parts.get("activations_removal", 0), parts.get("optimizer_step", 0))
    return parts, phases, static, entrapment, removal


def run_plan(a):
    device = torch.device(a.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cpu" and a.threads is not None:
        torch.set_num_threads(a.threads)
    with open(a.random_config) as f:
        cfg = ModelConfig(json.load(f))
    with open(a.plan) as f:
        plan = json.load(f)
    if "settings" not in plan:
        raise SystemExit(f"{a.plan} has no 'settings' object; give the JSON of `beear plan --json`")
    s = Settings(plan["settings"], cfg, a.dtype)
    seed = a.seed if a.seed is not None else s.seed
    probe = torch.ones(2, 2, dtype=s.dtype, device=device)
    try:
        F.linear(probe, probe)
    except RuntimeError as e:
        raise SystemExit(f"{s.dtype_name} matmuls do not run on {device} with this PyTorch ({e}); "
                         "pass --dtype float32 to run the plan's settings in float32")
    del probe
    meter = Meter(device)
    torch.manual_seed(seed)
    t0 = time.perf_counter()
    try:
        model = RandomModel(cfg, s.dtype, device, seed)
        rnd = Round(model, s)
    except OOM_ERRORS as e:
        if "out of memory" not in str(e):
            raise
        print(f"OUT OF MEMORY creating the weights, adapters and masters: {gib(meter.allocated())} GiB allocated "
              f"({str(e).splitlines()[0]})")
        return 2
    meter.sync()
    setup_seconds = time.perf_counter() - t0
    created = meter.allocated()  # weights, adapters, masters
    name = torch.cuda.get_device_name(device) if meter.cuda else "cpu"
    print(f"random {cfg.architecture} from {a.random_config}: {cfg.layers} layers, hidden {cfg.hidden}, "
          f"{cfg.heads} heads ({cfg.kv_heads} KV), MLP {cfg.intermediate}, vocabulary {cfg.vocab}, "
          f"{model.parameter_count():,} parameters in {s.dtype_name}")
    print(f"device: {name}, PyTorch {torch.__version__}"
          + ("" if meter.cuda else f", {torch.get_num_threads()} threads"))
    print(f"settings from {a.plan}: {s.describe()}")
    trained_count = sum(m.numel() for m in rnd.trained.masters().values())
    print(f"{trained_count:,} trained parameters; model created in {setup_seconds:.1f} s"
          + (f", {gib(created)} GiB allocated (weights, adapters, masters)" if meter.cuda else ""))
    generator = torch.Generator()
    generator.manual_seed(seed)
    rounds, oom = [], None
    for r in range(1, a.rounds + 1):
        unwanted, safe, anchors = random_sequences(s, cfg.vocab, generator, device)
        try:
            f = run_round(rnd, unwanted, safe, anchors, meter)
        except OutOfMemory as e:
            oom = dict(e.figures, round=r)
            print(f"round {r}: OUT OF MEMORY during the {oom['phase']}: peak allocated "
                  f"{gib(oom['peak_allocated_bytes'])} GiB, peak reserved {gib(oom['peak_reserved_bytes'])} GiB, "
                  f"allocated before the round {gib(oom['allocated_before_bytes'])} GiB ({oom['message']})")
            break
        f.pop("delta")
        rounds.append(f)
        line = (f"round {r}: entrapment {f['entrapment_seconds']:.2f} s, removal {f['removal_seconds']:.2f} s, "
                f"round {f['round_seconds']:.2f} s")
        if meter.cuda:
            line += (f"; GiB allocated before {gib(f['allocated_before_bytes'])}, peak allocated "
                     f"{gib(f['peak_allocated_bytes'])} (entrapment {gib(f['entrapment_peak_allocated_bytes'])}, "
                     f"removal {gib(f['removal_peak_allocated_bytes'])}), peak reserved "
                     f"{gib(f['peak_reserved_bytes'])} (entrapment {gib(f['entrapment_peak_reserved_bytes'])}, "
                     f"removal {gib(f['removal_peak_reserved_bytes'])}), allocated after "
                     f"{gib(f['allocated_after_bytes'])}")
        else:
            line += f"; peak RSS so far {f['peak_rss_bytes'] / (1 << 20):.0f} MiB"
        line += (f"; objective {f['entrapment_objective']:.4f}, CE safe {f['safe_loss']:.4f}, anchor "
                 f"{f['anchor_loss']:.4f}, step {'applied' if f['applied'] else 'SKIPPED'} "
                 f"(loss scale {f['loss_scale']:g})")
        print(line, flush=True)

    parts, phases, static_plan, entrap_plan, removal_plan = plan_figures(plan)
    train_plan = phases.get("train")
    peak_plan = plan.get("peak_bytes")
    report = {"device": name, "torch": torch.__version__, "config": a.random_config, "plan": a.plan,
              "parameters": model.parameter_count(), "trained_parameters": trained_count,
              "settings": plan["settings"], "compute_dtype": s.dtype_name, "setup_seconds": setup_seconds,
              "rounds": rounds, "out_of_memory": oom}
    if meter.cuda:
        peaked = rounds + ([oom] if oom else [])
        peak_alloc = max(f["peak_allocated_bytes"] for f in peaked)
        peak_res = max(f["peak_reserved_bytes"] for f in peaked)
        static = rounds[-1]["allocated_after_bytes"] if rounds else None
        # rises from the rounds after the first: round 1 allocates the gradients and optimiser state as it goes
        steady = rounds[1:] or rounds
        entrap = max((f["entrapment_peak_allocated_bytes"] - f["allocated_before_bytes"] for f in steady),
                     default=None)
        removal = max((f["removal_peak_allocated_bytes"] - f["allocated_before_bytes"] for f in steady),
                      default=None)
        free, total = torch.cuda.mem_get_info(device)
        outside = total - free - torch.cuda.memory_reserved(device)  # CUDA context, libraries, other processes
        masters_plan = None if "weights" not in parts else parts["weights"] + parts.get("master_copies", 0)
        rows = [
            ("train phase vs peak allocated", train_plan, peak_alloc),
            ("train phase vs peak reserved", train_plan, peak_res),
            ("peak_bytes vs peak allocated", peak_plan, peak_alloc),
            ("peak_bytes vs peak reserved", peak_plan, peak_res),
            ("weights + master_copies vs allocated at start", masters_plan, created),
            ("static parts vs allocated between rounds", static_plan, static),
            ("entrapment: activations + cache vs its rise", entrap_plan, entrap),
            ("removal: max(activations, step) vs its rise", removal_plan, removal),
            ("runtime_bytes vs device use outside PyTorch", plan.get("runtime_bytes"), outside),
            ("required_bytes vs peak reserved + outside", plan.get("required_bytes"), peak_res + outside),
        ]
        over = (f"rounds 2..{len(rounds)}" if len(rounds) > 1
                else "round 1, whose removal rise includes the gradients and optimiser state it creates")
        if oom:
            print(f"\nthe run ended OUT OF MEMORY in round {oom['round']}: the measured peaks are lower bounds")
        print(f"\nplan against measurement (GiB; peaks: the maximum over {len(peaked)} round(s); a rise is a phase's "
              f"peak minus what was allocated before its round, the maximum over {over}; static parts: weights + "
              f"master_copies + gradients + optimizer_state; device memory {gib(total)}):")
        print(f"{'':48s} {'planned':>9s} {'measured':>9s} {'measured/planned':>17s}")
        for label, planned, measured in rows:
            print(f"{label:48s} {gib(planned):>9s} {gib(measured):>9s} {ratio(measured, planned):>17s}")
        print("static parts planned: " + ", ".join(
            f"{n} {gib(parts.get(n))}" for n in ("weights", "master_copies", "gradients", "optimizer_state")))
        report["measured"] = {"peak_allocated_bytes": peak_alloc, "peak_reserved_bytes": peak_res,
                              "allocated_at_start_bytes": created, "static_bytes": static,
                              "entrapment_rise_bytes": entrap, "removal_rise_bytes": removal,
                              "outside_pytorch_bytes": outside, "device_total_bytes": total}
    else:
        peak_rss = Meter.rss()
        print(f"peak RSS: {peak_rss / (1 << 20):.0f} MiB (planned train phase {gib(train_plan)} GiB, peak_bytes "
              f"{gib(peak_plan)} GiB + runtime {gib(plan.get('runtime_bytes'))} GiB)")
        report["measured"] = {"peak_rss_bytes": peak_rss}
    report["planned"] = {"train_phase_bytes": train_plan, "peak_bytes": peak_plan, "static_bytes": static_plan,
                         "entrapment_bytes": entrap_plan, "removal_bytes": removal_plan,
                         "runtime_bytes": plan.get("runtime_bytes"), "required_bytes": plan.get("required_bytes"),
                         "parts": parts}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(finite_json(report), f, indent=2)
        print(f"wrote {a.json}")
    return 2 if oom else 0


def finite_json(x):
    """NaN and infinities as null, so the file is strict JSON."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: finite_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [finite_json(v) for v in x]
    return x


# ---------------------------------------------------------------------------------------------------------------
# Mode 3: self-test
# ---------------------------------------------------------------------------------------------------------------

TINY = {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
        "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 500,
        "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "attention_bias": True, "tie_word_embeddings": False}
TINY_SETTINGS = {"batch_size": 4, "anchor_batch_size": 6, "max_sequence_length": 32, "anchor_layer": 2,
                 "perturbation_length": 3, "inner_steps": 3, "inner_learning_rate": 1.0, "alpha": 0.05,
                 "anchor_weight": 1.0, "optimizer": "adamw", "learning_rate": 1e-3, "weight_decay": 0.0,
                 "trainable_from": 1, "trainable_to": 4, "adapter_rank": 0, "adapter_alpha": 1.0,
                 "compute_dtype": "float32", "seed": 7}


def one_run(settings, device, rounds=1, config=TINY):
    """A fresh tiny model (same seed, same sequences) after `rounds` rounds: (initial masters, masters, figures of
    the last round, its removal gradients (unscaled float32, before clipping), model)."""
    cfg = ModelConfig(config)
    s = Settings(settings, cfg)
    model = RandomModel(cfg, s.dtype, device, s.seed)
    rnd = Round(model, s)
    rnd.trained.captured = {}
    initial = {n: m.detach().clone() for n, m in rnd.trained.masters().items()}
    generator = torch.Generator()
    generator.manual_seed(s.seed)
    f = None
    for _ in range(rounds):
        f = run_round(rnd, *random_sequences(s, cfg.vocab, generator, device), Meter(device))
    masters = {n: m.detach().clone() for n, m in rnd.trained.masters().items()}
    return initial, masters, f, dict(rnd.trained.captured), model


def max_difference(a, b, where=None):
    """max |a - b| over pairs of tensors, optionally only where the boolean masks `where` hold."""
    out = 0.0
    for i, (x, y) in enumerate(zip(a, b)):
        d = (x.float() - y.float()).abs()
        if where is not None:
            d = d[where[i]]
        if d.numel():
            out = max(out, d.max().item())
    return out


def check_eager_round(check, device):
    """One round of EagerRound (mode 1) and of Round (mode 2, the engine's operations) on the same tiny weights and
    sequences: delta, the removal's safe CE and every trained weight must agree. TINY's matrices are at most 128
    wide, so learning_rate_width 256 leaves every rate at learning_rate, which Round does not scale either."""
    if device.type != "cpu":
        return
    cfg = ModelConfig(TINY)
    settings = dict(TINY_SETTINGS, anchor_layer=None)
    s = Settings(settings, cfg)
    mirror_model = RandomModel(cfg, torch.float32, device, s.seed)
    eager_model = Llama(dict(TINY), {n: t.detach().clone() for n, t in mirror_model.w.items()})
    mirror = Round(mirror_model, s)
    a = argparse.Namespace(batch=s.batch, seq=s.seq, anchor_batch_size=s.anchors, anchor_layer=None,
                           perturbation_length=s.n, alpha=s.alpha, inner_steps=s.inner_steps,
                           inner_learning_rate=s.inner_lr, learning_rate=s.lr, learning_rate_width=256,
                           weight_decay=s.weight_decay, anchor_weight=s.anchor_weight)
    eager = EagerRound(eager_model, cfg, RaceSettings(a, cfg))
    unwanted, safe, anchors = random_sequences(s, cfg.vocab, torch.Generator().manual_seed(5), device)
    delta_m, _ = mirror.entrap(unwanted, safe)
    ce_m = mirror.removal(safe, anchors, Perturbation(s.anchor_layer, delta_m))["safe_loss"]
    delta_e, _ = eager.entrap(unwanted, safe)
    ce_e, _ = eager.removal(safe, anchors, delta_e)
    dd = (delta_m - delta_e).abs().max().item() / max(1e-12, delta_m.abs().max().item())
    names = list(mirror.trained.masters())
    smooth = [eager_model.w[n].grad.abs() > 1e-6 for n in names]  # AdamW's first step amplifies noise near g = 0
    dw = max_difference([mirror_model.w[n] for n in names], [eager_model.w[n] for n in names], smooth)
    frozen = all(torch.equal(t, mirror_model.w[n]) for n, t in eager_model.w.items() if n not in names)
    check("eager round (mode 1) vs the engine's round (mode 2)",
          dd < 1e-4 and abs(ce_m - ce_e) < 1e-5 and dw < 1e-5 and frozen and s.anchor_layer == eager.s.anchor_layer,
          f"anchor layer {s.anchor_layer}, delta {dd:.2e} of max |delta|, safe CE {ce_e:.6f} vs {ce_m:.6f}, "
          f"max |weight difference| {dw:.2e} where |g| > 1e-6, embeddings, norm and head unchanged: {frozen}")


def self_test(a):
    device = torch.device(a.device or "cpu")
    if device.type == "cpu" and a.threads is not None:
        torch.set_num_threads(a.threads)
    failures = 0

    def check(label, ok, detail):
        nonlocal failures
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {label}: {detail}", flush=True)

    # the decoder against the --model mode's reference implementation (float32, no delta)
    cfg = ModelConfig(TINY)
    model = RandomModel(cfg, torch.float32, device, 3)
    ids = torch.randint(cfg.vocab, (3, 16), generator=torch.Generator().manual_seed(3)).to(device)
    batch = Batch(ids, 8, model)
    with torch.no_grad():
        ours = model.logits(batch, None)
        ref = Llama(dict(TINY), {n: t.cpu() for n, t in model.w.items()})  # the reference runs on the CPU
        h = ref.run(ref.embed(ids.cpu()), 1, cfg.layers)
        theirs = F.linear(ref.rms_norm(h, ref.w["model.norm.weight"]), ref.w["lm_head.weight"])
    d = (ours.cpu() - theirs).abs().max().item()
    check("decoder vs reference", d < 1e-4, f"max |logit difference| {d:.2e}")

    # mode 1's straightforward round against mode 2's mirror of the engine's round: the same computation
    check_eager_round(check, device)

    cases = [
        ("adamw, all layers", {}),
        ("adamw, weight decay 0.1, layers 2..4, delta_max_norm", {"trainable_from": 2, "weight_decay": 0.1,
                                                                  "delta_max_norm": 0.5}),
        ("adafactor", {"optimizer": "adafactor"}),
        ("sgd, anchor layer 4", {"optimizer": "sgd", "anchor_layer": 4, "learning_rate": 0.05}),
        ("rank-4 adapters on layers 2..3", {"adapter_rank": 4, "adapter_alpha": 8.0, "trainable_from": 2,
                                            "trainable_to": 3, "learning_rate": 1e-2}),
    ]
    variants = [("recompute", {"recompute_activations": True}),
                ("micro-batch 3", {"micro_batch_size": 3}),
                ("micro-batch 3 + recompute", {"micro_batch_size": 3, "recompute_activations": True}),
                ("micro-batch 1 + recompute", {"micro_batch_size": 1, "recompute_activations": True})]
    tolerance = 1e-5
    for label, overrides in cases:
        base = dict(TINY_SETTINGS, **overrides)
        initial, reference, rf, rg, _ = one_run(base, device)
        moved = max_difference(initial.values(), reference.values())
        g_max = max(g.abs().max().item() for g in rg.values())
        # AdamW's first update is lr * g / (|g| + 1e-8): where |g| is near 1e-8 it turns rounding noise in the
        # gradient into updates of up to lr, so its weights are compared where |g| > 1e-6 (the gradients everywhere)
        smooth = [g.abs() > 1e-6 for g in rg.values()] if base["optimizer"] == "adamw" else None
        check(f"{label}: plain round", rf["applied"] and moved > 0 and math.isfinite(rf["safe_loss"]),
              f"safe CE {rf['safe_loss']:.4f}, anchor CE {rf['anchor_loss']:.4f}, objective "
              f"{rf['entrapment_objective']:.4f}, max |gradient| {g_max:.2e}, max |update| {moved:.2e}")
        for vlabel, v in variants:
            _, masters, f, grads, _ = one_run(dict(base, **v), device)
            dg = max_difference(rg.values(), grads.values()) / g_max
            dw = max_difference(reference.values(), masters.values(), smooth)
            dw_all = max_difference(reference.values(), masters.values())
            dd = max_difference([rf["delta"]], [f["delta"]])
            dl = abs(f["safe_loss"] - rf["safe_loss"]) + abs(f["anchor_loss"] - rf["anchor_loss"])
            ok = max(dg, dw, dd, dl) <= tolerance and list(grads) == list(rg)
            check(f"{label}: {vlabel}", ok,
                  f"max |weight difference| {dw:.2e}"
                  + (f" where |g| > 1e-6, {dw_all:.2e} anywhere" if smooth else "")
                  + f", gradient {dg:.2e} of max |g|, delta {dd:.2e}, losses {dl:.2e}")
    if device.type == "cuda":
        for label, overrides in [("float16 adamw", {}), ("float16 adafactor, recompute, micro-batch 3",
                                                      {"optimizer": "adafactor", "recompute_activations": True,
                                                       "micro_batch_size": 3}),
                                 ("float16 rank-4 adapters", {"adapter_rank": 4, "trainable_from": 2})]:
            base = dict(TINY_SETTINGS, compute_dtype="float16", **overrides)
            _, m16, f16, _, model16 = one_run(base, device, rounds=2)
            _, m32, _, _, _ = one_run(dict(base, compute_dtype="float32"), device, rounds=2)
            finite = all(torch.isfinite(m).all().item() for m in m16.values())
            working = all(torch.equal(model16.w[n], m.to(torch.float16)) for n, m in m16.items() if n in model16.w)
            dw = max_difference(m32.values(), m16.values())
            check(label, finite and working and f16["applied"] and all(m.dtype == torch.float32 for m in m16.values()),
                  f"step {'applied' if f16['applied'] else 'skipped'}, loss scale {f16['loss_scale']:g}, "
                  f"masters float32 and finite, working copies = masters in float16: {working}, "
                  f"max |float16 - float32 master| {dw:.2e} (information only)")
    print(f"self-test: {'all passed' if failures == 0 else f'{failures} failed'}")
    return 1 if failures else 0


# ---------------------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[2:]))
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--model", help="mode 1: model directory (config.json, safetensors) to time steps on")
    mode.add_argument("--random-config", help="mode 2: config.json whose shape the random model takes")
    mode.add_argument("--self-test", action="store_true", help="mode 3: check recomputation and micro-batching")
    ap.add_argument("--batch", type=int, help="mode 1: B, pairs per round (required)")
    ap.add_argument("--seq", type=int, help="mode 1: T, tokens per sequence (required)")
    ap.add_argument("--steps", type=int, default=20, help="mode 1: rounds measured")
    ap.add_argument("--warmup", type=int, default=3, help="mode 1: rounds not measured")
    ap.add_argument("--threads", type=int, help="CPU threads (mode 1 default: 2)")
    ap.add_argument("--inner-steps", type=int, default=5, help="mode 1")
    ap.add_argument("--perturbation-length", type=int, default=5, help="mode 1")
    ap.add_argument("--alpha", type=float, default=0.05, help="mode 1")
    ap.add_argument("--inner-learning-rate", type=float, default=1.0,
                    help="mode 1: delta's Adam step as a fraction of the hidden states' RMS at the anchor layer")
    ap.add_argument("--learning-rate", type=float, default=1e-3, help="mode 1")
    ap.add_argument("--learning-rate-width", type=int, default=256,
                    help="mode 1: a matrix with fan-in f > width steps at learning_rate * width / f (0: off)")
    ap.add_argument("--weight-decay", type=float, default=0.0, help="mode 1")
    ap.add_argument("--anchor-layer", type=int, help="mode 1: l (default round(9/32 * L), at least 1)")
    ap.add_argument("--anchor-batch-size", type=int, help="mode 1: anchoring sequences per removal step (default 4B)")
    ap.add_argument("--anchor-weight", type=float, default=1.0, help="mode 1")
    ap.add_argument("--gemm-size", type=int, default=2048,
                    help="mode 1: side of the large square matmul of the GEMM peak measurement")
    ap.add_argument("--seed", type=int, help="random seed (mode 1 default: 0; mode 2: the plan's seed)")
    ap.add_argument("--plan", help="mode 2: the JSON of `beear plan --json` (required)")
    ap.add_argument("--device", help="modes 2 and 3: cuda or cpu (mode 2 default: cuda if available)")
    ap.add_argument("--rounds", type=int, default=2, help="mode 2: rounds to run (the first warms up)")
    ap.add_argument("--dtype", choices=sorted(COMPUTE_DTYPES), help="mode 2: override the plan's compute_dtype")
    ap.add_argument("--json", help="modes 1 and 2: also write the figures to this JSON file")
    a = ap.parse_args()
    if a.model:
        if a.batch is None or a.seq is None:
            ap.error("--model needs --batch and --seq")
        if a.steps < 1 or a.warmup < 0 or a.gemm_size < 1 or (a.threads is not None and a.threads < 1):
            ap.error("--steps, --gemm-size and --threads must be at least 1, --warmup at least 0")
        try:
            sys.exit(run_model_bench(a))
        except ValueError as e:
            raise SystemExit(f"error: {e}")
    elif a.random_config:
        if not a.plan:
            ap.error("--random-config needs --plan")
        if a.rounds < 1:
            ap.error("--rounds must be at least 1")
        try:
            sys.exit(run_plan(a))
        except ValueError as e:
            raise SystemExit(f"error: {e}")
    else:
        sys.exit(self_test(a))


if __name__ == "__main__":
    main()
