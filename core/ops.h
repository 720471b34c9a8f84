/** \file
core/ops.h — everything core/ offers in one include: Tensor, the autograd engine, every op,
gradcheck and to_dot.

\verbatim
The ops, by family (each header lists its derivatives, one line per op):
  core/ops/arithmetic.h     + - * / neg, with broadcasting
  core/ops/pointwise.h      exp log sqrt pow tanh sigmoid relu gelu silu
  core/ops/reduce.h         sum mean max argmax sum_to
  core/ops/shape_ops.h      reshape unsqueeze squeeze broadcast_to permute transpose concat
                            slice split
  core/ops/matmul.h         matmul (batched, broadcast)
  core/ops/softmax.h        softmax log_softmax
  core/ops/indexing.h       masked_fill embedding index_select
  core/ops/normalization.h  layer_norm
  core/ops/dropout.h        dropout
  core/ops/fused_attention.h  fused_attention (softmax(q k^T / sqrt(d)) v in linear memory)
\endverbatim
*/
#pragma once

#include "core/autograd.h"
#include "core/error.h"
#include "core/gradcheck.h"
#include "core/graphviz.h"
#include "core/index_tensor.h"
#include "core/ops/arithmetic.h"
#include "core/ops/dropout.h"
#include "core/ops/fused_attention.h"
#include "core/ops/indexing.h"
#include "core/ops/matmul.h"
#include "core/ops/normalization.h"
#include "core/ops/pointwise.h"
#include "core/ops/reduce.h"
#include "core/ops/shape_ops.h"
#include "core/ops/softmax.h"
#include "core/random.h"
#include "core/shape.h"
#include "core/tensor.h"
