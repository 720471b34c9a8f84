/** \file
nn/checkpoint.h — a Module's parameters in a safetensors file, matched by name.

\verbatim
The file format is io/'s (io/safetensors.h); this file only maps a Module to names:
module.named_parameters() are the tensor names ("encoder.layers.0.self_attention.query.
weight"). Other state that travels in the same file (a training run's) is named by whoever
owns it; a load that must take the model and that state at once, all or nothing, belongs to
the code that knows both (demos/common/training_state.h).

Loading checks the whole file against the model before it writes a single parameter: on
any error the module is untouched.
\endverbatim
*/
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "io/safetensors.h"
#include "nn/module.h"

namespace ag::nn {

/// Writes module.named_parameters() to `path` with io::save_safetensors, which also says what
/// it throws.
void save_checkpoint(const Module& module, const std::string& path,
                     const std::map<std::string, std::string>& metadata = {});

/// Why `tensors` cannot be loaded into `module` strictly: the names must be exactly the
/// parameter names, with the same shapes. Empty if they fit; otherwise the mismatches (up to
/// a few of each kind), e.g. "missing tensor 'decoder.bias'; unexpected tensor 'foo'".
std::string parameter_mismatches(const Module& module,
                                 const std::vector<std::pair<std::string, Tensor>>& tensors);

/// Copies `tensors` into the parameters of the same names (in place, through Tensor::data()).
/// Throws ValueError with parameter_mismatches() unless they fit; then the module is untouched.
void copy_parameters(Module& module, const std::vector<std::pair<std::string, Tensor>>& tensors);

/// Loads every parameter of `module` from the attograd checkpoint `path`, strictly: the
/// file's tensors must be exactly the parameters (see parameter_mismatches). The file is read
/// and checked in full first. Throws io::CheckpointError on anything io::read_safetensors
/// rejects, and with the mismatches when the file does not fit the model, e.g.
/// "load_checkpoint: m.safetensors: missing tensor 'decoder.bias'; unexpected tensor 'foo'".
void load_checkpoint(Module& module, const std::string& path);

/// What load_checkpoint_partial did, by name.
struct LoadReport {
    /// Parameters loaded from the file, in the module's order.
    std::vector<std::string> loaded;
    /// Tensors in the file not loaded: no parameter of that name, or its shape (or dtype)
    /// differs. Float tensors first, then index tensors, each in file order.
    std::vector<std::string> skipped;
    /// Parameters with no tensor of that name in the file, left as initialized.
    std::vector<std::string> missing;
};

/// Loads the parameters of `module` that have a tensor of the same name and shape in the
/// attograd checkpoint `path`, leaving the others as they are: for fine-tuning a pretrained
/// model with a new head. The file is checked in full before anything is copied. Throws
/// io::CheckpointError on anything io::read_safetensors rejects (then the module is untouched).
LoadReport load_checkpoint_partial(Module& module, const std::string& path);

}  // namespace ag::nn
