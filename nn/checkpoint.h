// nn/checkpoint.h — saving and loading tensors and models as safetensors files.
//
// A checkpoint is a safetensors file (https://huggingface.co/docs/safetensors), the format
// Hugging Face models ship in, so Python's `safetensors` library (or twenty lines of `json`,
// `struct` and `torch.frombuffer`, see tests/reference/check_safetensors.py) can open it:
//
//     bytes 0..7        N, the length of the header, an unsigned 64-bit little-endian integer
//     bytes 8..8+N-1    the header: UTF-8 JSON, padded with spaces to a multiple of 8 bytes
//                       {"__metadata__": {"format": "attograd-checkpoint", ...},
//                        "encoder.weight": {"dtype": "F32", "shape": [4,3],
//                                           "data_offsets": [0, 48]}, ...}
//     bytes 8+N..end    the data section: every tensor's elements, row-major, little-endian,
//                       packed one after another; data_offsets are [begin, end) within it
//
// Two layers:
//   - save_safetensors / read_safetensors: named Tensors (F32) and IndexTensors (I64) plus
//     string metadata, nothing model-specific. Optimizer state is stored with them under
//     names starting with "optimizer." (e.g. "optimizer.adam.m.encoder.weight").
//   - save_checkpoint / load_checkpoint / load_checkpoint_partial: a Module's
//     named_parameters(), matched by name.
//
// What we add on top of the format, all inside it (other readers ignore it): metadata keys
// "format", "format_version" and "checksum", a CRC-32 of the data section that
// read_safetensors verifies; and crash safety: a save writes "<path>.tmp", flushes it to disk
// and only then renames it over <path>, so a save interrupted half-way leaves the previous
// checkpoint intact.
//
// A file is untrusted input: every length, offset and shape is checked before it is used
// (a wrong one is a CheckpointError, never an out-of-bounds read or a huge allocation), and
// loading into a model copies nothing until the whole file has been checked against it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/index_tensor.h"
#include "core/tensor.h"
#include "nn/module.h"

namespace ag::nn {

/// A checkpoint file that cannot be written or read: an I/O error, a file that is not
/// safetensors, a corrupt or truncated file, or one that does not fit the model. The message
/// starts with the function name, then the path, then the problem, e.g.
/// "load_checkpoint: model.safetensors: missing tensor 'decoder.bias'".
class CheckpointError : public Error {
public:
    using Error::Error;
};

/// Tensors whose name starts with this are optimizer state ("optimizer.adam.m.<parameter>"):
/// load_checkpoint and load_checkpoint_partial skip them silently.
inline constexpr std::string_view kOptimizerPrefix = "optimizer.";

/// The CRC-32 (IEEE 802.3 polynomial, as zlib's crc32 and Python's zlib.crc32) of `size`
/// bytes, continuing from `crc`, the checksum of the bytes before them (0 to start):
/// crc32("123456789") == 0xcbf43926.
uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);

// ---- low level: named tensors in a file ------------------------------------------------------

/// The contents of a safetensors file: its tensors, each list in file (data offset) order,
/// and its metadata.
struct SafetensorsFile {
    /// The floating-point tensors (F32, or F64 converted to float), with their names.
    std::vector<std::pair<std::string, Tensor>> tensors;
    /// The integer tensors (I64), with their names.
    std::vector<std::pair<std::string, IndexTensor>> indices;
    /// The "__metadata__" strings, including "format", "format_version" and "checksum" when
    /// an attograd save wrote the file.
    std::map<std::string, std::string> metadata;

    /// The tensor called `name`. Throws CheckpointError naming it if there is none.
    const Tensor& tensor(const std::string& name) const;
    /// The index tensor called `name`. Throws CheckpointError naming it if there is none.
    const IndexTensor& index_tensor(const std::string& name) const;
};

/// Writes `tensors` (as F32) and `indices` (as I64) with `metadata` to the safetensors file
/// `path`, replacing it atomically (see the top of this file). The metadata written also holds
/// "format": "attograd-checkpoint", "format_version": "1" and "checksum", a CRC-32 of the data
/// section as 8 lowercase hex digits. Names must be non-empty, valid UTF-8, unique across
/// both lists and not "__metadata__"; tensors must be defined.
/// Throws ValueError on a bad name, an undefined tensor or a metadata key that is one of the
/// three reserved ones; CheckpointError (with strerror) when the file cannot be written.
void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {},
                      const std::vector<std::pair<std::string, IndexTensor>>& indices = {});

/// Reads and checks the whole safetensors file `path`. Accepts dtypes F32, F64 (converted to
/// float, as PyTorch fixtures may hold doubles) and I64; verifies the checksum if the metadata
/// has one (files written by other programs have none and still load).
/// Throws CheckpointError on an I/O error, a header length beyond the file, malformed JSON
/// (with its byte offset), an entry without dtype, shape or data_offsets, an unsupported dtype,
/// offsets outside the data section, overlapping or leaving gaps, a byte range that does not
/// match shape x element size, a truncated file and a checksum mismatch.
SafetensorsFile read_safetensors(const std::string& path);

// ---- module level: a model's parameters ------------------------------------------------------

/// Writes module.named_parameters() to `path` with save_safetensors. Throws as
/// save_safetensors does.
void save_checkpoint(const Module& module, const std::string& path,
                     const std::map<std::string, std::string>& metadata = {});

/// Loads every parameter of `module` from `path`, strictly: the file's tensor names must be
/// exactly the parameter names (tensors named "optimizer.*" are ignored), with the same shapes
/// and float dtypes. The file is read and checked in full first, and parameters are written
/// (in place, through Tensor::data()) only if everything matches: on any error the module is
/// untouched. Throws CheckpointError on anything read_safetensors rejects, and listing the
/// mismatches (up to a few of each kind) when the file does not fit the model, e.g.
/// "load_checkpoint: m.safetensors: missing tensor 'decoder.bias'; unexpected tensor 'foo'".
void load_checkpoint(Module& module, const std::string& path);

/// What load_checkpoint_partial did, by name.
struct LoadReport {
    /// Parameters loaded from the file, in the module's order.
    std::vector<std::string> loaded;
    /// Tensors in the file not loaded: no parameter of that name, or its shape (or dtype)
    /// differs. Float tensors first, then index tensors, each in file order; "optimizer.*"
    /// tensors are not listed.
    std::vector<std::string> skipped;
    /// Parameters with no tensor of that name in the file, left as initialized.
    std::vector<std::string> missing;
};

/// Loads the parameters of `module` that have a tensor of the same name and shape in `path`,
/// leaving the others as they are: for fine-tuning a pretrained model with a new head. The
/// file is checked in full before anything is copied. Throws CheckpointError on anything
/// read_safetensors rejects (then the module is untouched).
LoadReport load_checkpoint_partial(Module& module, const std::string& path);

}  // namespace ag::nn
