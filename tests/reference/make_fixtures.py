#!/usr/bin/env python3
"""Builds the PyTorch reference fixtures that tests/test_nn_reference.cpp checks attograd against.

For each case (a layer, an attention variant, a Transformer block, the whole Transformer, the
loss) this script builds the same computation in PyTorch with fixed random weights, runs it
forward and backward on fixed inputs, and writes one small safetensors file,
tests/reference/<case>.safetensors, holding:

    input.<name>         the inputs (float F32, or token ids / targets / lengths as I64)
    param.<name>         every parameter, under attograd's own dotted name (what
                         Module::named_parameters() calls it),
                         e.g. "param.self_attention.query.weight"
    output.<name>        what forward returns (and the attention weights, where there are some)
    loss_weight.<name>   R, a fixed random tensor: the backward starts from loss = sum(output * R),
                         so every output element gets its own gradient weight
    grad_input.<name>    d loss / d input, for every float input except masks
    grad.<name>          d loss / d parameter, for every parameter

plus string metadata with the sizes and options the C++ test needs to build the same module.

PyTorch computes in float64 on the float32 values that are stored, so the fixtures are the exact
answer for those values, up to float32 rounding of the results; attograd computes in float32.

Regenerate (needs Debian's python3-torch; the C++ tests need no Python):

    /usr/bin/python3 tests/reference/make_fixtures.py

Output is deterministic: torch.manual_seed fixes every random draw, so rerunning with the same
PyTorch version rewrites identical files.

Mapping PyTorch's names to ours:
  - nn.MultiheadAttention packs the three input projections into in_proj_weight [3D, D] and
    in_proj_bias [3D]; its rows 0..D-1, D..2D-1, 2D..3D-1 are our query, key and value Linears.
    out_proj is our "output".
  - nn.TransformerEncoderLayer / DecoderLayer: self_attn -> self_attention, multihead_attn ->
    cross_attention, linear1 / linear2 -> feed_forward.expand / feed_forward.contract, norm1..3
    keep their names.
  - nn.Transformer: encoder.layers.N / decoder.layers.N / encoder.norm / decoder.norm keep their
    names; the embeddings and the output Linear are separate modules here.

Masks: attograd's masks are float tensors with 1 where attention is NOT allowed; PyTorch takes
bool masks with True where it is not allowed and uses -inf where we use -1e9. The two agree as
long as no query has every key masked, so every mask below leaves each query at least one key.
"""
import json
import math
import os
import struct
import sys
import zlib

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- writing safetensors ----------------------------------------------------------------------
#
# The format (https://huggingface.co/docs/safetensors): 8 bytes N (unsigned 64-bit little
# endian), then N bytes of JSON header padded with spaces to a multiple of 8, then the raw
# little-endian data of every tensor, one after another. The `safetensors` package is not
# installed with Debian's torch, and the format is simple enough to write by hand.

DTYPE_NAMES = {torch.float32: "F32", torch.int64: "I64"}


def write_safetensors(path, tensors, metadata):
    """Writes `tensors` (a dict name -> float32 or int64 tensor, kept in order) to `path`."""
    assert sys.byteorder == "little", "numpy's bytes are the machine's; the format wants LE"
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        raw = tensor.contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPE_NAMES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    data = b"".join(chunks)
    # No "checksum": that key marks attograd's own checkpoints, which are checked in full.
    # These are files from elsewhere, read with from_elsewhere.
    header["__metadata__"] = dict(metadata)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)
    return len(text) + 8 + len(data)


# ---- one case ---------------------------------------------------------------------------------


class Case:
    """Collects one fixture: inputs, parameters under our names, outputs, then the backward.

    PyTorch-side tensors are float64 holding float32 values (see `f32`), so torch computes on
    exactly the numbers the file stores.
    """

    def __init__(self, name, description, **metadata):
        # Each case draws from its own seed, so adding or changing a case leaves the others'
        # files byte for byte the same.
        torch.manual_seed(zlib.crc32(name.encode("utf-8")))
        self.name = name
        self.metadata = {"case": name, "description": description,
                         "generated_by": "tests/reference/make_fixtures.py",
                         "torch_version": torch.__version__}
        self.metadata.update({key: str(value) for key, value in metadata.items()})
        self.inputs = {}      # name -> float64 or int64 tensor
        self.parameters = []  # (our name, torch parameter, row slice or None)
        self.outputs = {}     # name -> (tensor, whether it enters the loss)

    def input(self, name, tensor, differentiable=True):
        """Registers an input; float inputs become leaves that receive a gradient unless they
        are constants (masks)."""
        if tensor.is_floating_point():
            tensor = f32(tensor).requires_grad_(differentiable)
        self.inputs[name] = tensor
        return tensor

    def parameter(self, our_name, torch_parameter, rows=None):
        """Maps a torch parameter (or the slice `rows` of it) to one of our parameter names."""
        self.parameters.append((our_name, torch_parameter, rows))

    def weight_and_bias(self, prefix, module):
        """A Linear or a LayerNorm: "weight" and "bias" on both sides."""
        self.parameter(prefix + "weight", module.weight)
        self.parameter(prefix + "bias", module.bias)

    def multi_head_attention(self, prefix, attention):
        """torch's packed in_proj [3D, D] -> our query, key, value; out_proj -> output."""
        d = attention.embed_dim
        for i, part in enumerate(["query", "key", "value"]):
            rows = slice(i * d, (i + 1) * d)
            self.parameter(f"{prefix}{part}.weight", attention.in_proj_weight, rows)
            self.parameter(f"{prefix}{part}.bias", attention.in_proj_bias, rows)
        self.weight_and_bias(prefix + "output.", attention.out_proj)

    def encoder_layer(self, prefix, layer):
        self.multi_head_attention(prefix + "self_attention.", layer.self_attn)
        self.weight_and_bias(prefix + "feed_forward.expand.", layer.linear1)
        self.weight_and_bias(prefix + "feed_forward.contract.", layer.linear2)
        self.weight_and_bias(prefix + "norm1.", layer.norm1)
        self.weight_and_bias(prefix + "norm2.", layer.norm2)

    def decoder_layer(self, prefix, layer):
        self.multi_head_attention(prefix + "self_attention.", layer.self_attn)
        self.multi_head_attention(prefix + "cross_attention.", layer.multihead_attn)
        self.weight_and_bias(prefix + "feed_forward.expand.", layer.linear1)
        self.weight_and_bias(prefix + "feed_forward.contract.", layer.linear2)
        self.weight_and_bias(prefix + "norm1.", layer.norm1)
        self.weight_and_bias(prefix + "norm2.", layer.norm2)
        self.weight_and_bias(prefix + "norm3.", layer.norm3)

    def output(self, name, tensor, in_loss=True):
        self.outputs[name] = (tensor, in_loss)

    def check_mapping(self, *modules):
        """Every torch parameter must be mapped, and every row of it exactly once."""
        covered = {}
        for _, parameter, rows in self.parameters:
            count = covered.setdefault(id(parameter), torch.zeros(parameter.shape[0], dtype=int))
            count[rows if rows is not None else slice(None)] += 1
        for module in modules:
            for torch_name, parameter in module.named_parameters():
                count = covered.get(id(parameter))
                assert count is not None and bool((count == 1).all()), \
                    f"{self.name}: torch parameter {torch_name} is not mapped exactly once"

    def write(self):
        """Runs the backward of loss = sum(output * R) and writes the fixture."""
        tensors = {}
        for name, tensor in self.inputs.items():
            tensors["input." + name] = stored(tensor)
        for our_name, parameter, rows in self.parameters:
            tensors["param." + our_name] = stored(sliced(parameter, rows))

        loss = 0
        loss_weights = {}
        for name, (tensor, in_loss) in self.outputs.items():
            tensors["output." + name] = stored(tensor)
            if in_loss:
                weight = f32(torch.randn(tensor.shape))
                loss_weights[name] = weight
                loss = loss + (tensor * weight).sum()
        loss.backward()

        for name, weight in loss_weights.items():
            tensors["loss_weight." + name] = stored(weight)
        for name, tensor in self.inputs.items():
            if tensor.requires_grad:
                tensors["grad_input." + name] = stored(tensor.grad)
        for our_name, parameter, rows in self.parameters:
            tensors["grad." + our_name] = stored(sliced(parameter.grad, rows))

        path = os.path.join(HERE, self.name + ".safetensors")
        size = write_safetensors(path, tensors, self.metadata)
        print(f"{os.path.relpath(path)}: {len(tensors)} tensors, {size} bytes")
        return size


def f32(tensor):
    """float64 holding float32 values: rounds to float32 first, so both sides use one number."""
    return tensor.detach().float().double()


def stored(tensor):
    """What the file holds: float32 (rounded from torch's float64 result) or int64."""
    tensor = tensor.detach()
    return tensor.float() if tensor.is_floating_point() else tensor


def sliced(tensor, rows):
    return tensor if rows is None else tensor[rows]


def prepare(module):
    """Float64 on float32 values, every 1-d parameter (bias, norm gain) moved off its default.

    Biases start at 0 and LayerNorm gains at 1 in PyTorch; perturbing them makes a mix-up
    (e.g. norm1 with norm2, or a bias added twice) visible in the outputs.
    """
    with torch.no_grad():
        for parameter in module.parameters():
            if parameter.dim() == 1:
                parameter.add_(0.2 * torch.randn(parameter.shape))
    module.double()
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.copy_(f32(parameter))
    module.train()  # dropout is 0; train mode keeps torch off its fused inference "fast path"
    return module


# ---- masks ------------------------------------------------------------------------------------


def causal_bool(size):
    """[T, T], True above the diagonal: query t may not see keys after t."""
    return torch.ones(size, size, dtype=torch.bool).triu(1)


def key_padding_bool(lengths, max_length):
    """[B, S], True at positions >= length: padded keys."""
    return torch.arange(max_length)[None, :] >= torch.tensor(lengths)[:, None]


def as_our_mask(bool_mask):
    """Our convention: float, 1 where attention is not allowed."""
    return bool_mask.double()


# ---- the cases --------------------------------------------------------------------------------
#
# Shapes use the dimension vocabulary of STYLE.md: B batch, T target length, S source length,
# D model width, H heads, Dh head width, V vocabulary.

B, D, H, D_FF = 2, 8, 2, 16


def case_linear():
    case = Case("linear", "nn::Linear(5, 4) on x [2, 3, 5]", in_features=5, out_features=4)
    linear = prepare(torch.nn.Linear(5, 4))
    x = case.input("x", torch.randn(B, 3, 5))
    case.weight_and_bias("", linear)
    case.output("y", linear(x))
    case.check_mapping(linear)
    return case


def case_layer_norm():
    case = Case("layer_norm", "nn::LayerNorm(8) on x [2, 3, 8], non-default gain and bias",
                dim=D, eps=1e-5)
    norm = prepare(torch.nn.LayerNorm(D, eps=1e-5))
    x = case.input("x", 3.0 * torch.randn(B, 3, D) + 1.0)  # off-centre, wide: normalizing matters
    case.weight_and_bias("", norm)
    case.output("y", norm(x))
    case.check_mapping(norm)
    return case


def attention_by_hand(q, k, v, bool_mask):
    """softmax(q k^T / sqrt(d_k), masked) v, returning (output, weights)."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if bool_mask is not None:
        scores = scores.masked_fill(bool_mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


def case_scaled_dot_product_attention():
    case = Case("scaled_dot_product_attention",
                "scaled_dot_product_attention(q [2,2,3,4], k [2,2,5,4], v [2,2,5,3], "
                "mask [2,1,3,5]): a random mask broadcast over heads")
    q = case.input("q", torch.randn(B, H, 3, 4))
    k = case.input("k", torch.randn(B, H, 5, 4))
    v = case.input("v", torch.randn(B, H, 5, 3))
    # A random mask [B, 1, Tq, Tk] that leaves every query at least one key.
    mask = torch.rand(B, 1, 3, 5) < 0.5
    allowed = torch.randint(0, 5, (B, 1, 3))
    mask.scatter_(-1, allowed[..., None], False)
    case.input("mask", as_our_mask(mask), differentiable=False)
    output, weights = attention_by_hand(q, k, v, mask)
    case.output("output", output)
    case.output("weights", weights, in_loss=False)
    return case


def case_self_attention():
    case = Case("self_attention",
                "nn::SelfAttention(d_model 8, head_dim 4) on x [2, 4, 8] with a causal mask",
                d_model=D, head_dim=4)
    # Ours has no output projection: three Linears and attention, built here by hand.
    projections = {part: prepare(torch.nn.Linear(D, 4)) for part in ["query", "key", "value"]}
    x = case.input("x", torch.randn(B, 4, D))
    for part, linear in projections.items():
        case.weight_and_bias(part + ".", linear)
    q, k, v = (projections[part](x) for part in ["query", "key", "value"])
    output, weights = attention_by_hand(q, k, v, causal_bool(4))
    case.output("output", output)
    case.output("attention_weights", weights, in_loss=False)
    case.check_mapping(*projections.values())
    return case


def case_multi_head_attention_self():
    lengths = [5, 3]
    case = Case("multi_head_attention_self",
                "nn::MultiHeadAttention(8, 2 heads) self-attention on x [2, 5, 8], causal mask "
                "combined with key padding (lengths 5, 3)",
                d_model=D, heads=H)
    attention = prepare(torch.nn.MultiheadAttention(D, H, dropout=0.0, batch_first=True))
    x = case.input("x", torch.randn(B, 5, D))
    case.input("lengths", torch.tensor(lengths))
    # Padding is at the end, so query t always sees key 0 (lengths are >= 1): no empty row.
    causal, padding = causal_bool(5), key_padding_bool(lengths, 5)
    case.input("mask", as_our_mask(causal[None] | padding[:, None, :]), differentiable=False)
    case.multi_head_attention("", attention)
    output, weights = attention(x, x, x, attn_mask=causal, key_padding_mask=padding,
                                need_weights=True, average_attn_weights=False)
    case.output("output", output)
    case.output("attention_weights", weights, in_loss=False)  # [B, H, T, T]
    case.check_mapping(attention)
    return case


def case_multi_head_attention_cross():
    lengths = [4, 2]
    case = Case("multi_head_attention_cross",
                "nn::MultiHeadAttention(8, 2 heads) cross-attention: query [2, 3, 8] over "
                "memory [2, 5, 8] with key padding (lengths 4, 2)",
                d_model=D, heads=H)
    attention = prepare(torch.nn.MultiheadAttention(D, H, dropout=0.0, batch_first=True))
    query = case.input("query", torch.randn(B, 3, D))
    memory = case.input("memory", torch.randn(B, 5, D))
    case.input("lengths", torch.tensor(lengths))
    padding = key_padding_bool(lengths, 5)
    case.input("mask", as_our_mask(padding[:, None, :]), differentiable=False)
    case.multi_head_attention("", attention)
    output, weights = attention(query, memory, memory, key_padding_mask=padding,
                                need_weights=True, average_attn_weights=False)
    case.output("output", output)
    case.output("attention_weights", weights, in_loss=False)  # [B, H, T, S]
    case.check_mapping(attention)
    return case


def case_encoder_layer(norm_first):
    lengths = [5, 3]
    name = "encoder_layer_" + ("pre_norm" if norm_first else "post_norm")
    case = Case(name,
                f"nn::EncoderLayer (d_model 8, 2 heads, d_ff 16, ReLU, norm_first "
                f"{norm_first}) on x [2, 5, 8] with key padding (lengths 5, 3)",
                d_model=D, heads=H, d_ff=D_FF, norm_first=int(norm_first))
    layer = prepare(torch.nn.TransformerEncoderLayer(D, H, D_FF, dropout=0.0, batch_first=True,
                                                     norm_first=norm_first))
    x = case.input("x", torch.randn(B, 5, D))
    case.input("lengths", torch.tensor(lengths))
    padding = key_padding_bool(lengths, 5)
    case.input("mask", as_our_mask(padding[:, None, :]), differentiable=False)
    case.encoder_layer("", layer)
    case.output("output", layer(x, src_key_padding_mask=padding))
    case.check_mapping(layer)
    return case


def case_decoder_layer(norm_first):
    lengths = [5, 3]
    name = "decoder_layer_" + ("pre_norm" if norm_first else "post_norm")
    case = Case(name,
                f"nn::DecoderLayer (d_model 8, 2 heads, d_ff 16, ReLU, norm_first "
                f"{norm_first}): y [2, 4, 8] with a causal mask over memory [2, 5, 8] with "
                f"key padding (lengths 5, 3)",
                d_model=D, heads=H, d_ff=D_FF, norm_first=int(norm_first))
    layer = prepare(torch.nn.TransformerDecoderLayer(D, H, D_FF, dropout=0.0, batch_first=True,
                                                     norm_first=norm_first))
    y = case.input("y", torch.randn(B, 4, D))
    memory = case.input("memory", torch.randn(B, 5, D))
    case.input("lengths", torch.tensor(lengths))
    causal, padding = causal_bool(4), key_padding_bool(lengths, 5)
    case.input("self_mask", as_our_mask(causal), differentiable=False)
    case.input("memory_mask", as_our_mask(padding[:, None, :]), differentiable=False)
    case.decoder_layer("", layer)
    case.output("output", layer(y, memory, tgt_mask=causal, memory_key_padding_mask=padding))
    case.check_mapping(layer)
    return case


def sinusoidal_positions(max_length, d_model):
    """PE(pos, 2i) = sin(pos / 10000^(2i / D)), PE(pos, 2i+1) = cos(...), rounded to float32
    as ours is."""
    position = torch.arange(max_length, dtype=torch.float64)[:, None]
    frequency = torch.exp(-math.log(10000.0) * torch.arange(0, d_model, 2, dtype=torch.float64)
                          / d_model)
    table = torch.zeros(max_length, d_model, dtype=torch.float64)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency)
    return f32(table)


def case_transformer(norm_first):
    source_vocabulary, target_vocabulary, pad_id, max_length = 11, 13, 0, 16
    name = "transformer" + ("_pre_norm" if norm_first else "")
    case = Case(name,
                f"nn::Transformer, 2 encoder + 2 decoder layers (d_model 8, 2 heads, d_ff 16, "
                f"norm_first {norm_first}), source [2, 5] with padding, target [2, 4]",
                source_vocabulary=source_vocabulary, target_vocabulary=target_vocabulary,
                d_model=D, heads=H, d_ff=D_FF, encoder_layers=2, decoder_layers=2,
                norm_first=int(norm_first), pad_id=pad_id, max_length=max_length)
    source_embedding = prepare(torch.nn.Embedding(source_vocabulary, D))
    target_embedding = prepare(torch.nn.Embedding(target_vocabulary, D))
    transformer = prepare(torch.nn.Transformer(D, H, 2, 2, D_FF, dropout=0.0, batch_first=True,
                                               norm_first=norm_first))
    output = prepare(torch.nn.Linear(D, target_vocabulary))

    # Padding (id 0) at the end of the second source sentence and of the second target.
    source = case.input("source", torch.tensor([[3, 7, 1, 9, 4], [5, 2, 8, 0, 0]]))
    target = case.input("target", torch.tensor([[1, 6, 12, 3], [1, 4, 0, 0]]))

    case.parameter("source_embedding.weight", source_embedding.weight)
    case.parameter("target_embedding.weight", target_embedding.weight)
    for i, layer in enumerate(transformer.encoder.layers):
        case.encoder_layer(f"encoder.layers.{i}.", layer)
    case.weight_and_bias("encoder.norm.", transformer.encoder.norm)
    for i, layer in enumerate(transformer.decoder.layers):
        case.decoder_layer(f"decoder.layers.{i}.", layer)
    case.weight_and_bias("decoder.norm.", transformer.decoder.norm)
    case.weight_and_bias("output.", output)

    # As nn::Transformer::forward: embeddings * sqrt(D) + positions; source padding hidden from
    # every attention over the source; the target side only causal (see transformer.cpp).
    positions = sinusoidal_positions(max_length, D)
    scale = f32(torch.tensor(math.sqrt(D)))  # ours multiplies by the float32 sqrt(D)
    source_in = source_embedding(source) * scale + positions[: source.shape[1]]
    target_in = target_embedding(target) * scale + positions[: target.shape[1]]
    padding = source == pad_id
    hidden = transformer(source_in, target_in, tgt_mask=causal_bool(target.shape[1]),
                         src_key_padding_mask=padding, memory_key_padding_mask=padding)
    case.output("logits", output(hidden))
    case.check_mapping(source_embedding, target_embedding, transformer, output)
    return case


def case_gpt():
    vocabulary, context, layers = 11, 8, 2
    case = Case("gpt",
                f"nn::GPT (vocabulary 11, context 8, d_model 8, 2 heads, 2 pre-norm GELU blocks, "
                f"d_ff 16, output tied to the token embedding) on ids [2, 6]",
                vocabulary=vocabulary, context=context, d_model=D, heads=H, layers=layers,
                d_ff=D_FF)
    token_embedding = prepare(torch.nn.Embedding(vocabulary, D))
    position_embedding = prepare(torch.nn.Embedding(context, D))
    blocks = [prepare(torch.nn.TransformerEncoderLayer(D, H, D_FF, dropout=0.0,
                                                       activation="gelu", batch_first=True,
                                                       norm_first=True))
              for _ in range(layers)]
    norm = prepare(torch.nn.LayerNorm(D))
    ids = case.input("ids", torch.tensor([[3, 7, 1, 9, 4, 10], [5, 2, 8, 0, 6, 6]]))

    case.parameter("token_embedding.weight", token_embedding.weight)
    case.parameter("position_embedding.weight", position_embedding.weight)
    for i, block in enumerate(blocks):
        case.encoder_layer(f"blocks.{i}.", block)
    case.weight_and_bias("norm.", norm)

    # As nn::GPT::forward: token + learned position, causal pre-norm blocks, the final norm,
    # and the output layer is the token embedding itself (its gradient sums both uses).
    x = token_embedding(ids) + position_embedding(torch.arange(ids.shape[1]))
    for block in blocks:
        x = block(x, src_mask=causal_bool(ids.shape[1]))
    case.output("logits", F.linear(norm(x), token_embedding.weight))
    case.check_mapping(token_embedding, position_embedding, norm, *blocks)
    return case


def case_cross_entropy(label_smoothing, ignore_index):
    smoothed = label_smoothing > 0
    name = "cross_entropy" + ("_smoothed" if smoothed else "_plain")
    case = Case(name,
                f"nn::cross_entropy on logits [2, 4, 6] (class dim last), ignore_index "
                f"{ignore_index}, label_smoothing {label_smoothing}",
                ignore_index=ignore_index, label_smoothing=label_smoothing)
    logits = case.input("logits", 2.0 * torch.randn(B, 4, 6))
    if smoothed:  # with padding (0, ignored) at the end of the second row
        targets = torch.tensor([[3, 1, 5, 2], [4, 2, 0, 0]])
    else:
        targets = torch.tensor([[3, 1, 5, 2], [4, 2, 0, 1]])
    case.input("targets", targets)
    # torch takes the class dimension at 1: [B, T, V] -> [B, V, T].
    loss = F.cross_entropy(logits.permute(0, 2, 1), targets, ignore_index=ignore_index,
                           label_smoothing=label_smoothing)
    case.output("loss", loss)
    return case


def main():
    builders = [
        case_linear,
        case_layer_norm,
        case_scaled_dot_product_attention,
        case_self_attention,
        case_multi_head_attention_self,
        case_multi_head_attention_cross,
        lambda: case_encoder_layer(norm_first=False),
        lambda: case_encoder_layer(norm_first=True),
        lambda: case_decoder_layer(norm_first=False),
        lambda: case_decoder_layer(norm_first=True),
        lambda: case_transformer(norm_first=False),
        lambda: case_transformer(norm_first=True),
        case_gpt,
        lambda: case_cross_entropy(label_smoothing=0.1, ignore_index=0),
        lambda: case_cross_entropy(label_smoothing=0.0, ignore_index=-100),
    ]
    total = sum(build().write() for build in builders)
    print(f"total: {total} bytes")


if __name__ == "__main__":
    main()
