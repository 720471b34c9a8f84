/** \file
io/safetensors.h — named tensors in a safetensors file, written and read trusting nothing.

\verbatim
A safetensors file (https://huggingface.co/docs/safetensors) is what Hugging Face models
ship in, so Python's `safetensors` library (or twenty lines of `json`, `struct` and
`torch.frombuffer`, see tests/reference/check_safetensors.py) can open attograd's files:

    bytes 0..7        N, the length of the header, an unsigned 64-bit little-endian integer
    bytes 8..8+N-1    the header: UTF-8 JSON, padded with spaces to a multiple of 8 bytes
                      {"__metadata__": {"format": "attograd-checkpoint", ...},
                       "encoder.weight": {"dtype": "F32", "shape": [4,3],
                                          "data_offsets": [0, 48]}, ...}
    bytes 8+N..end    the data section: every tensor's elements, row-major, little-endian,
                      packed one after another; data_offsets are [begin, end) within it

What attograd adds, all inside the format (other readers ignore it), in the metadata:
  "format": "attograd-checkpoint", "format_version": "2", and "checksum": the CRC-32 of the
  whole file (header and data) as written with the checksum's own 8 hex digits set to "0",
  so a flipped bit anywhere, in a tensor's bytes, a name, a shape or a metadata value, is
  caught. (Version 1 covered the data section only.)

A save goes through io::write_file_atomically (io/file.h): a crash leaves the old file or
the new one, and nothing but the file itself is ever written. A file is untrusted input:
every length, offset and shape is checked before it is used (a wrong one is a
CheckpointError, never an out-of-bounds read or a huge allocation).
\endverbatim
*/
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/index_tensor.h"
#include "core/tensor.h"
#include "io/file.h"

namespace ag::io {

/// A safetensors file that cannot be written or read: an I/O error, a file that is not
/// safetensors, a corrupt or truncated file, a foreign or newer file, or one that does not fit
/// what is loaded from it. The message starts with the function name, then the path, then the
/// problem, e.g. "load_checkpoint: model.safetensors: missing tensor 'decoder.bias'".
class CheckpointError : public FileError {
public:
    using FileError::FileError;
};

/// The "format" metadata value of attograd's files.
inline constexpr std::string_view kFormat = "attograd-checkpoint";
/// The format version this attograd writes and reads.
inline constexpr int kFormatVersion = 2;

/// The CRC-32 (IEEE 802.3 polynomial, as zlib's crc32 and Python's zlib.crc32) of `size`
/// bytes, continuing from `crc`, the checksum of the bytes before them (0 to start):
/// crc32("123456789") == 0xcbf43926.
uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);

/// The contents of a safetensors file: its tensors, each list in file (data offset) order,
/// and its metadata.
struct SafetensorsFile {
    /// The floating-point tensors (F32, or F64 converted to float), with their names.
    std::vector<std::pair<std::string, Tensor>> tensors;
    /// The integer tensors (I64), with their names.
    std::vector<std::pair<std::string, IndexTensor>> indices;
    /// The "__metadata__" strings, including "format", "format_version" and "checksum" when
    /// attograd wrote the file.
    std::map<std::string, std::string> metadata;

    /// The tensor called `name`. Throws CheckpointError naming it if there is none.
    const Tensor& tensor(const std::string& name) const;
    /// The index tensor called `name`. Throws CheckpointError naming it if there is none.
    const IndexTensor& index_tensor(const std::string& name) const;
};

/// Writes `tensors` (as F32) and `indices` (as I64) with `metadata` to the safetensors file
/// `path`, replacing it atomically (io::write_file_atomically). The metadata written also
/// holds "format", "format_version" and "checksum" (see the description of io/safetensors.h). Names
/// must be non-empty, valid UTF-8, unique across both lists and not "__metadata__"; tensors must be
/// defined and finite.
/// Throws ValueError on a bad name, an undefined tensor, a NaN or infinity (naming the tensor
/// and the element), or a metadata key that is one of the three reserved ones; FileError (a
/// CheckpointError when written by this function) when the file cannot be written, or `path`
/// is a symbolic link or a special file.
void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {},
                      const std::vector<std::pair<std::string, IndexTensor>>& indices = {});

/// How read_safetensors treats a file.
struct ReadOptions {
    /// false (the default): the file must be attograd's, of this format version, with a
    /// checksum that matches and finite floats. true: also accept a plain safetensors file
    /// from elsewhere (Python, Hugging Face), which has no checksum to verify; one that bears
    /// attograd's marks (a "format" starting with "attograd", or both a "format_version" and a
    /// "checksum" entry) is still checked in full, so a damaged checkpoint is not taken for a
    /// foreign file.
    bool from_elsewhere = false;
    /// The function named at the start of error messages.
    std::string_view caller = "read_safetensors";
};

/// Reads and checks the whole safetensors file `path`. Accepts dtypes F32, F64 (converted to
/// float, as PyTorch fixtures may hold doubles) and I64.
/// Throws CheckpointError on: a path that is not a regular file (a pipe, a device, a folder)
/// or cannot be read; a header length beyond the file; malformed JSON (with its byte offset);
/// an entry without dtype, shape or data_offsets; an unsupported dtype; offsets outside the
/// data section, overlapping or leaving gaps; a byte range that does not match shape x
/// element size; a truncated file; and, for attograd's files, a missing or mismatched
/// checksum, another format version ("format version 1, expected 2") or a NaN or infinity;
/// and a file with attograd's marks (ReadOptions::from_elsewhere) but another format
/// ("damaged: it has attograd's marks but format '...'").
/// Without options.from_elsewhere, also on a file that is not attograd's.
SafetensorsFile read_safetensors(const std::string& path, const ReadOptions& options = {});

}  // namespace ag::io
