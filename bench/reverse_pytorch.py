#!/usr/bin/env python3
"""The reverse demo's training run in PyTorch, to compare time-to-accuracy with attograd.

Same task (reverse 10 digits), same model (d_model 128, 4 heads, 2+2 layers, feed-forward 512,
dropout 0, embeddings scaled by sqrt(d_model), sinusoidal positions, final layer norms), same
optimisation (Adam, lr 1e-3, 100 warmup steps then cosine decay to 10%, gradient clipping at
1.0, batch 64) and same evaluation (greedy decoding of 500 held-out sequences every 100 steps,
stopping at 99% exact match). Prints one machine-readable line at the end:

    result: framework=pytorch task=reverse exact_match=... steps=... seconds=...

Run with Debian's PyTorch:  /usr/bin/python3 bench/reverse_pytorch.py --threads 2
"""
import argparse
import math
import random
import time

import torch
from torch import nn

PAD, BOS, EOS = 0, 1, 2
SYMBOLS = 10
VOCAB = 3 + SYMBOLS


def sample(rng, length):
    source = [3 + rng.randrange(SYMBOLS) for _ in range(length)]
    return source, source[::-1]


def make_batch(examples):
    s = max(len(x) for x, _ in examples)
    t = max(len(y) for _, y in examples) + 1
    source = torch.full((len(examples), s), PAD, dtype=torch.long)
    target_in = torch.full((len(examples), t), PAD, dtype=torch.long)
    target_out = torch.full((len(examples), t), PAD, dtype=torch.long)
    for b, (x, y) in enumerate(examples):
        source[b, : len(x)] = torch.tensor(x)
        target_in[b, 0] = BOS
        target_in[b, 1 : len(y) + 1] = torch.tensor(y)
        target_out[b, : len(y)] = torch.tensor(y)
        target_out[b, len(y)] = EOS
    return source, target_in, target_out


class Model(nn.Module):
    def __init__(self, d_model=128, heads=4, layers=2, d_ff=512, max_length=256):
        super().__init__()
        self.d_model = d_model
        self.source_embedding = nn.Embedding(VOCAB, d_model)
        self.target_embedding = nn.Embedding(VOCAB, d_model)
        position = torch.arange(max_length).unsqueeze(1)
        frequency = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        table = torch.zeros(max_length, d_model)
        table[:, 0::2] = torch.sin(position * frequency)
        table[:, 1::2] = torch.cos(position * frequency)
        self.register_buffer("positions", table)
        self.transformer = nn.Transformer(d_model, heads, layers, layers, d_ff, dropout=0.0,
                                          batch_first=True)
        self.output = nn.Linear(d_model, VOCAB)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def embed(self, table, ids):
        return table(ids) * math.sqrt(self.d_model) + self.positions[: ids.shape[1]]

    def encode(self, source):
        return self.transformer.encoder(self.embed(self.source_embedding, source),
                                        src_key_padding_mask=source == PAD)

    def decode(self, memory, source, target_in):
        t = target_in.shape[1]
        causal = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
        hidden = self.transformer.decoder(self.embed(self.target_embedding, target_in), memory,
                                          tgt_mask=causal, memory_key_padding_mask=source == PAD)
        return self.output(hidden)

    def forward(self, source, target_in):
        return self.decode(self.encode(source), source, target_in)


@torch.no_grad()
def evaluate(model, examples, max_length):
    model.eval()
    source, _, _ = make_batch(examples)
    memory = model.encode(source)
    prefix = torch.full((len(examples), 1), BOS, dtype=torch.long)
    for _ in range(max_length):  # greedy, re-running the decoder over the prefix
        next_token = model.decode(memory, source, prefix)[:, -1].argmax(-1, keepdim=True)
        prefix = torch.cat([prefix, next_token], dim=1)
    exact = 0
    for b, (_, y) in enumerate(examples):
        out = prefix[b, 1:].tolist()
        out = out[: out.index(EOS)] if EOS in out else out
        exact += out == y
    model.train()
    return exact / len(examples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--length", type=int, default=10)
    parser.add_argument("--stop-at", type=float, default=0.99)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    model = Model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    warmup, base = 100, 1e-3

    def rate(step):  # the same warmup + cosine schedule as attograd's demos
        if step < warmup:
            return base * step / warmup
        progress = min(1.0, (step - warmup) / (args.steps - warmup))
        return 0.1 * base + 0.9 * base * (1 + math.cos(math.pi * progress)) / 2

    held_out = [sample(random.Random(10_000 + i), args.length) for i in range(500)]
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD)
    start = time.perf_counter()
    exact, step = 0.0, 0
    for step in range(1, args.steps + 1):
        for group in optimizer.param_groups:
            group["lr"] = rate(step)
        source, target_in, target_out = make_batch([sample(rng, args.length) for _ in range(64)])
        logits = model(source, target_in)
        loss = loss_fn(logits.reshape(-1, VOCAB), target_out.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 100 == 0 or step == args.steps:
            exact = evaluate(model, held_out, args.length + 1)
            print(f"step {step}: loss {loss.item():.4f} exact match {exact:.3f} "
                  f"({time.perf_counter() - start:.1f} s)", flush=True)
            if exact >= args.stop_at:
                break
    print(f"result: framework=pytorch task=reverse exact_match={exact:.3f} steps={step} "
          f"seconds={time.perf_counter() - start:.1f} threads={args.threads}")


if __name__ == "__main__":
    main()
