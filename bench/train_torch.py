#!/usr/bin/env python3
"""PyTorch's side of bench/trainer.sh: the same GPT as Winnow's trainer (token + position embeddings, pre-LN
blocks, causal attention, GELU(tanh) MLP 4x, final LN, head tied to the token embedding), the same AdamW
(betas 0.9/0.95, eps 1e-8, decay only on the matrices and embeddings), warm-up + cosine schedule and global-norm
clipping, on the same batches of a Winnow run's llm.c train shards (manifest order, B x T + 1 tokens, advancing
B x T). With --init it starts from a Winnow checkpoint's weights (winnow train --steps 0 writes one), so the two
loss curves can be compared step by step.

    train_torch.py SHARD_DIR --layers 4 --heads 4 --d-model 128 --context 128 --batch-size 16 --steps 30 \
        --threads 2 [--init init.ckpt] [--learning-rate 1e-3 ...]
Prints one JSON line: tokens_per_second (median after warm-up), losses per step, peak RSS.
"""
import argparse, json, math, os, resource, struct, sys, time

import numpy as np


def read_checkpoint(path):
    b = open(path, "rb").read()
    assert b[:8] == b"WNWCKPT1", "not a Winnow checkpoint"
    hlen = struct.unpack("<Q", b[12:20])[0]
    header = json.loads(b[20:20 + hlen])
    n = sum(sizes(header["model"]))
    params = np.frombuffer(b, dtype="<f4", count=n, offset=20 + hlen)
    return header, params


def sizes(m):
    V, T, L, C = m["vocabSize"], m["context"], m["layers"], m["channels"]
    return [V * C, T * C, L * C, L * C, L * 3 * C * C, L * 3 * C, L * C * C, L * C, L * C, L * C, L * 4 * C * C, L * 4 * C, L * C * 4 * C, L * C, C, C]


class Stream:
    def __init__(self, out_dir):
        m = json.load(open(os.path.join(out_dir, "manifest.json")))
        self.shards = []
        for s in m["tokens"]["shards"]:
            if s["format"] == "llmc" and s["split"] == "train":
                raw = np.fromfile(os.path.join(out_dir, s["files"][0]["path"]), dtype=np.uint8)
                header = raw[:1024].view(np.int32)
                dtype = np.uint16 if header[0] == 20240520 else np.uint32
                self.shards.append(raw[1024:].view(dtype).astype(np.int64))
        self.tokens = np.concatenate(self.shards)
        self.vocab = m["tokens"]["tokenizer"]["vocab_size"]
        self.pos = 0

    def next(self, n, advance):
        idx = (self.pos + np.arange(n)) % len(self.tokens)
        self.pos = (self.pos + advance) % len(self.tokens)
        return self.tokens[idx]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    for k, d in [("layers", 4), ("heads", 4), ("d-model", 128), ("context", 128), ("batch-size", 16), ("steps", 30), ("threads", 1),
                 ("warmup-steps", 20), ("seed", 1)]:
        ap.add_argument("--" + k, type=int, default=d)
    for k, d in [("learning-rate", 1e-3), ("min-learning-rate", 1e-4), ("weight-decay", 0.1), ("grad-clip", 1.0)]:
        ap.add_argument("--" + k, type=float, default=d)
    ap.add_argument("--init")
    a = ap.parse_args()
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    data = Stream(a.dir)
    V, T, L, NH, C, B = data.vocab, a.context, a.layers, a.heads, a.d_model, a.batch_size

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
            self.qkv, self.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
            self.fc, self.fcproj = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)

        def forward(self, x):
            q, k, v = self.qkv(self.ln1(x)).split(C, dim=-1)
            q, k, v = (t.view(x.shape[0], x.shape[1], NH, C // NH).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(x.shape)
            x = x + self.proj(y)
            return x + self.fcproj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(T, C)
            self.blocks = nn.ModuleList(Block() for _ in range(L))
            self.lnf = nn.LayerNorm(C)

        def forward(self, idx, targets):
            x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
            for blk in self.blocks:
                x = blk(x)
            logits = self.lnf(x) @ self.wte.weight.T
            return F.cross_entropy(logits.view(-1, V), targets.view(-1))

    model = GPT()
    if a.init:
        header, flat = read_checkpoint(a.init)
        parts, off = [], 0
        for n in sizes(header["model"]):
            parts.append(torch.from_numpy(flat[off:off + n].copy())); off += n
        wte, wpe, ln1w, ln1b, qkvw, qkvb, apw, apb, ln2w, ln2b, fcw, fcb, fpw, fpb, lnfw, lnfb = parts
        with torch.no_grad():
            model.wte.weight.copy_(wte.view(V, C)); model.wpe.weight.copy_(wpe.view(T, C))
            for l, blk in enumerate(model.blocks):
                blk.ln1.weight.copy_(ln1w.view(L, C)[l]); blk.ln1.bias.copy_(ln1b.view(L, C)[l])
                blk.qkv.weight.copy_(qkvw.view(L, 3 * C, C)[l]); blk.qkv.bias.copy_(qkvb.view(L, 3 * C)[l])
                blk.proj.weight.copy_(apw.view(L, C, C)[l]); blk.proj.bias.copy_(apb.view(L, C)[l])
                blk.ln2.weight.copy_(ln2w.view(L, C)[l]); blk.ln2.bias.copy_(ln2b.view(L, C)[l])
                blk.fc.weight.copy_(fcw.view(L, 4 * C, C)[l]); blk.fc.bias.copy_(fcb.view(L, 4 * C)[l])
                blk.fcproj.weight.copy_(fpw.view(L, C, 4 * C)[l]); blk.fcproj.bias.copy_(fpb.view(L, C)[l])
            model.lnf.weight.copy_(lnfw); model.lnf.bias.copy_(lnfb)
    decay = [model.wte.weight, model.wpe.weight] + [p for blk in model.blocks for p in (blk.qkv.weight, blk.proj.weight, blk.fc.weight, blk.fcproj.weight)]
    ids = {id(p) for p in decay}
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": [p for p in model.parameters() if id(p) not in ids], "weight_decay": 0.0}],
                            lr=a.learning_rate, betas=(0.9, 0.95), eps=1e-8)

    def lr_at(step):
        if step < a.warmup_steps:
            return a.learning_rate * (step + 1) / a.warmup_steps
        total = max(a.steps, a.warmup_steps + 1)
        prog = min(1.0, (step - a.warmup_steps) / max(1, total - a.warmup_steps))
        return a.min_learning_rate + 0.5 * (a.learning_rate - a.min_learning_rate) * (1 + math.cos(math.pi * prog))

    losses, rates = [], []
    for step in range(a.steps):
        t0 = time.perf_counter()
        buf = torch.from_numpy(data.next(B * T + 1, B * T))
        x, y = buf[:-1].view(B, T), buf[1:].view(B, T)
        loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if a.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.grad_clip)
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        opt.step()
        dt = time.perf_counter() - t0
        losses.append(round(loss.item(), 5))
        if step >= min(5, a.steps // 4):
            rates.append(B * T / dt)
    rates.sort()
    print(json.dumps({"tool": "pytorch " + torch.__version__, "threads": a.threads, "steps": a.steps,
                      "tokens_per_second": round(rates[len(rates) // 2]) if rates else 0, "losses": losses,
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


if __name__ == "__main__":
    main()
