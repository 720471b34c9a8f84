/** \file
nn/loss.h — cross-entropy, the loss every demo trains with.

\verbatim
For logits z over V classes and a target class y, with p = softmax(z):
  loss = -log p_y = -z_y + log sum_c e^(z_c)
With label smoothing e (Szegedy et al., 2016; used by "Attention Is All You Need"), the
target is the distribution q = (1 - e) onehot(y) + e / V, and loss = -sum_c q_c log p_c.
The mean is taken over the positions whose target is not ignore_index (padding).
Derivative (fused with the log-softmax, so it is exact and stable):
  d loss / d z = (p - q) / n        n = the number of counted positions
\endverbatim
*/
#pragma once

#include <cstdint>

#include "core/index_tensor.h"
#include "core/tensor.h"

namespace ag::nn {

/// The ignore_index that ignores nothing: every target is scored (PyTorch's default, -100,
/// which no real class id is). For class labels, which are never padding.
inline constexpr int64_t kNoIgnoreIndex = -100;

/// Mean cross-entropy of logits [..., V] against targets [...] (the same leading shape), as
/// torch.nn.functional.cross_entropy with the class dimension last. Positions whose target is
/// `ignore_index` count for nothing; if every position is ignored the loss is 0 (PyTorch
/// gives nan).
///
/// `ignore_index` has no default, unlike PyTorch's: a batch of sequences is padded, and a loss
/// that scores the padding trains the model to predict padding, silently. Pass the pad id of
/// the batch (the models' `pad_id`), or kNoIgnoreIndex when every target is real.
/// Throws ShapeError when the shapes do not fit, IndexError naming a target outside [0, V),
/// ValueError unless 0 <= label_smoothing <= 1.
Tensor cross_entropy(const Tensor& logits, const IndexTensor& targets, int64_t ignore_index,
                     float label_smoothing = 0.0f);

}  // namespace ag::nn
