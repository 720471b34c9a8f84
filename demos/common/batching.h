// demos/common/batching.h — from examples of different lengths to padded id tensors.
//
// For teacher forcing, the decoder reads the target shifted right and predicts it unshifted:
//   target          7 4 9
//   target_input    <s> 7 4 9          what the decoder sees at each position
//   target_output   7 4 9 </s>         what it must predict there
// Shorter sequences are padded with <pad> to the longest in the batch; the loss ignores padded
// outputs and attention masks padded source tokens.
#pragma once

#include <cstdint>
#include <vector>

#include "core/index_tensor.h"
#include "demos/common/tasks.h"

namespace demo {

/// A batch of examples as padded token ids.
struct Batch {
    ag::IndexTensor source;         ///< [B, S]
    ag::IndexTensor target_input;   ///< [B, T]: <s> then the target
    ag::IndexTensor target_output;  ///< [B, T]: the target then </s>
    int64_t target_tokens = 0;      ///< positions of target_output that are not padding
};

/// Pads and stacks `examples` (at least one). Throws ag::ValueError for an empty list.
Batch make_batch(const std::vector<Example>& examples);

}  // namespace demo
