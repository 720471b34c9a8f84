#!/usr/bin/env python3
"""Reads a safetensors file written by attograd with nothing but json, struct and torch.

A manual check that our checkpoints are ordinary safetensors files (the C++ tests do not need
Python). It parses the header as the format describes, checks the layout as Hugging Face's
reader does (offsets tile the data section, sizes match shape x dtype), verifies attograd's
CRC-32 (of the whole file, its digits zeroed) with zlib, and prints every tensor. If the
`safetensors` package is installed it also loads the file with safetensors.torch.load_file
and compares.

    python3 tests/reference/check_safetensors.py model.safetensors
    python3 tests/reference/check_safetensors.py --write fixture.safetensors   # a torch-style
        file (F64, I64, no checksum) for read_safetensors to read
"""
import json
import struct
import sys
import zlib

import torch

DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "I64": (torch.int64, 8)}


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    (header_length,) = struct.unpack("<Q", raw[:8])  # unsigned 64-bit little-endian
    assert header_length <= len(raw) - 8, "header length exceeds the file"
    header = json.loads(raw[8 : 8 + header_length].decode("utf-8"))
    data = raw[8 + header_length :]
    metadata = header.pop("__metadata__", {})
    assert all(isinstance(v, str) for v in metadata.values()), "metadata values must be strings"

    covered = 0
    tensors = {}
    for name, entry in sorted(header.items(), key=lambda item: item[1]["data_offsets"]):
        begin, end = entry["data_offsets"]
        dtype, size = DTYPES[entry["dtype"]]
        numel = 1
        for n in entry["shape"]:
            numel *= n
        assert begin == covered, f"{name}: gap or overlap at byte {begin}"
        assert end - begin == numel * size, f"{name}: offsets do not match shape x dtype"
        covered = end
        chunk = bytearray(data[begin:end])  # a writable copy for frombuffer
        values = torch.frombuffer(chunk, dtype=dtype) if numel > 0 else torch.empty(0, dtype=dtype)
        tensors[name] = values.reshape(entry["shape"])
    assert covered == len(data), "the data section has bytes no tensor covers"

    if "checksum" in metadata:
        # Format version 2: the CRC-32 of the whole file with the checksum's 8 digits at "0".
        key = b'"checksum":"'
        at = raw.index(key, 8, 8 + header_length) + len(key)
        zeroed = raw[:at] + b"00000000" + raw[at + 8 :]
        actual = f"{zlib.crc32(zeroed):08x}"
        assert actual == metadata["checksum"], f"checksum {metadata['checksum']} != {actual}"
    return tensors, metadata


def write_fixture(path):
    """A file as PyTorch users would make it: doubles and longs, unpadded, no checksum."""
    tensors = {"weight": torch.tensor([[0.5, -1.25], [3.0, 0.1]], dtype=torch.float64),
               "ids": torch.tensor([3, -4, 5], dtype=torch.int64)}
    header, data = {"__metadata__": {"format": "pt"}}, b""
    for name, t in tensors.items():
        raw = t.numpy().tobytes()
        dtype = {torch.float64: "F64", torch.int64: "I64"}[t.dtype]
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        write_fixture(sys.argv[2])
        return
    tensors, metadata = read(sys.argv[1])
    print("metadata:", metadata)
    for name, t in tensors.items():
        print(f"{name}: {t.dtype} {list(t.shape)}\n{t}")
    try:
        from safetensors.torch import load_file
    except ImportError:
        print("(the safetensors package is not installed: skipped the comparison with it)")
        return
    theirs = load_file(sys.argv[1])
    assert theirs.keys() == tensors.keys()
    for name, t in tensors.items():
        assert torch.equal(theirs[name], t), name
    print("safetensors.torch.load_file agrees")


if __name__ == "__main__":
    main()
