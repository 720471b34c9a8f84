/** \file
core/tensor.h — the Tensor: an n-dimensional array of float32 that can learn its gradient.

\verbatim
A Tensor is a cheap handle (one shared pointer) to a TensorImpl, which holds:
  - the shape and a shared, contiguous, row-major buffer of floats (reshape shares it);
  - whether the tensor requires a gradient, and its .grad() once backward has run;
  - for a tensor an op produced, the graph Node that records how (see core/autograd.h).
Copying a Tensor copies the handle, not the data: both handles see the same numbers.

Factories (zeros, ones, full, arange, from_vector, rand, randn) are free functions below.
Ops are free functions in the headers of core/ops/, gathered by core/ops.h.
\endverbatim
*/
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/shape.h"

namespace ag {

class Generator;
struct Node;
struct TensorImpl;

/// A contiguous buffer of float32, 64-byte aligned for SIMD loads, from the buffer cache of
/// core/allocator.h. Not initialized on creation.
class Storage {
public:
    /// A buffer of `size` floats with unspecified contents. Throws MemoryError, naming the
    /// size, if it cannot be allocated.
    explicit Storage(int64_t size);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;

    /// The first element of the buffer.
    float* data() { return data_; }
    /// The first element of the buffer, read-only.
    const float* data() const { return data_; }
    /// The number of floats in the buffer.
    int64_t size() const { return size_; }

private:
    float* data_;
    int64_t size_;
};

/// An n-dimensional array of float32 with reverse-mode automatic differentiation.
///
/// A default-constructed Tensor is *undefined* (holds nothing); every accessor except
/// defined() throws Error on it.
class Tensor {
public:
    /// An undefined tensor (no data). Used for "no gradient" and optional arguments.
    Tensor() = default;
    /// A tensor of `shape` whose elements are unspecified (use zeros() to get zeros). Throws
    /// MemoryError if its elements cannot be allocated.
    explicit Tensor(const Shape& shape);

    /// Whether this handle refers to a tensor.
    bool defined() const { return impl_ != nullptr; }

    // ---- shape and data ------------------------------------------------------------------
    /// The tensor's shape.
    const Shape& shape() const;
    /// The number of dimensions.
    int64_t rank() const { return shape().rank(); }
    /// The size of dimension `dim` (negative counts from the end). Throws IndexError.
    int64_t size(int64_t dim) const { return shape()[dim]; }
    /// The number of elements.
    int64_t numel() const { return shape().numel(); }
    /// The elements, row-major. Writing through it changes every tensor sharing the storage
    /// and is not recorded by autograd (optimizers use it to update parameters).
    float* data();
    /// The elements, row-major, read-only.
    const float* data() const;
    /// The value of a one-element tensor. Throws ShapeError if numel() != 1.
    float item() const;
    /// The element at a multi-index, e.g. t.at({1, 2}). Throws IndexError when the index has
    /// the wrong length or an entry is out of range. For tests and printing, not hot loops.
    float at(std::initializer_list<int64_t> index) const;
    /// A copy of the elements, row-major.
    std::vector<float> to_vector() const;
    /// A new tensor with a copy of the data, not connected to any graph (PyTorch's
    /// detach().clone()).
    Tensor clone() const;
    /// True if this handle is the only one on its tensor and no other tensor shares its buffer
    /// (no reshape, detach or copy of the handle is alive): writing to it in place can then
    /// change nothing anyone else sees. False for an undefined tensor.
    bool is_sole_owner() const;
    /// "tensor([2,2], [[1, 2], [3, 4]])", with long dimensions elided.
    std::string to_string() const;

    // ---- autograd ------------------------------------------------------------------------
    /// Whether gradients flow to this tensor: a leaf marked with set_requires_grad, or the
    /// result of an op with such an input (recorded while grad mode is on).
    bool requires_grad() const;
    /// Marks a leaf as a parameter to learn (or not). Returns *this. Throws Error on a
    /// non-leaf, whose requires_grad follows from its inputs.
    Tensor& set_requires_grad(bool requires_grad = true);
    /// True when no op made this tensor (it has no grad_fn).
    bool is_leaf() const;
    /// The accumulated gradient d(loss)/d(this) of a leaf after backward(); undefined before.
    /// Gradients accumulate over backward calls until zero_grad().
    Tensor grad() const;
    /// Forgets the accumulated gradient (grad() becomes undefined), as PyTorch's
    /// zero_grad(set_to_none=True).
    void zero_grad();
    /// The graph node that produced this tensor, or nullptr for a leaf.
    const std::shared_ptr<Node>& grad_fn() const;
    /// A tensor sharing this one's data but cut from the graph: no grad_fn, no requires_grad.
    Tensor detach() const;
    /// Runs reverse-mode differentiation from this scalar (d self / d self = 1), accumulating
    /// into the .grad() of every leaf that requires grad. The graph's saved buffers are freed
    /// as it goes unless `retain_graph`. Throws Error if this tensor does not require grad,
    /// if it is not a scalar, or if the graph was already freed by an earlier backward.
    void backward(bool retain_graph = false) const;
    /// Like backward(), starting from d(loss)/d(this) = `gradient` (same shape as this tensor),
    /// for a non-scalar output. Throws ShapeError if the shapes differ.
    void backward(const Tensor& gradient, bool retain_graph = false) const;

    /// The shared implementation (for the engine, drawings and tests).
    TensorImpl* impl() const { return impl_.get(); }

private:
    friend struct Node;
    std::shared_ptr<TensorImpl> impl_;
};

/// What a Tensor handle points to. See the description of core/tensor.h.
struct TensorImpl {
    Shape shape;                       ///< the dimensions
    std::shared_ptr<Storage> storage;  ///< the elements, row-major, shared by reshapes
    bool requires_grad = false;        ///< whether gradients flow to this tensor
    Tensor grad;                       ///< accumulated gradient of a leaf
    std::shared_ptr<Node> grad_fn;     ///< the op that made this tensor; null for a leaf
};

// The accessors on every hot path, inline: a check that the tensor is defined, then a load.
/// Throws Error ("Tensor: use of an undefined tensor"): the cold path of the accessors below.
[[noreturn]] void throw_undefined_tensor();
/// Throws ValueError naming `op` unless `tensor`, input `index` of `count`, is defined: "mul:
/// input 2 of 2 is undefined (a default Tensor(), or the grad() of a tensor backward has not
/// filled: before backward, or not a leaf)". Ops call it first, so the message names them.
void require_defined(std::string_view op, const Tensor& tensor, int index, int count);
inline const Shape& Tensor::shape() const {
    if (!impl_) throw_undefined_tensor();
    return impl_->shape;
}
inline float* Tensor::data() {
    if (!impl_) throw_undefined_tensor();
    return impl_->storage->data();
}
inline const float* Tensor::data() const {
    if (!impl_) throw_undefined_tensor();
    return impl_->storage->data();
}

/// Prints t.to_string().
std::ostream& operator<<(std::ostream& out, const Tensor& t);

// ---- factories ---------------------------------------------------------------------------

/// A tensor of `shape` filled with 0.
Tensor zeros(const Shape& shape, bool requires_grad = false);
/// A tensor of `shape` filled with 1.
Tensor ones(const Shape& shape, bool requires_grad = false);
/// A tensor of `shape` filled with `value`.
Tensor full(const Shape& shape, float value, bool requires_grad = false);
/// A scalar (shape []) holding `value`.
Tensor scalar(float value, bool requires_grad = false);
/// The 1-d tensor [start, start+step, ...] of the values below `end` (above, if step < 0).
/// Throws ValueError if step is 0, an argument is not finite, or the values would number more
/// than Shape::kMaxElements.
Tensor arange(float start, float end, float step = 1.0f);
/// The 1-d tensor [0, 1, ..., n-1]. Throws ValueError if n < 0.
Tensor arange(int64_t n);
/// A tensor of `shape` holding `values` row-major. Throws ShapeError if
/// values.size() != shape.numel().
Tensor from_vector(const std::vector<float>& values, const Shape& shape,
                   bool requires_grad = false);
/// A tensor of `shape` with elements drawn uniformly from [0, 1) by `generator`.
Tensor rand(const Shape& shape, Generator& generator, bool requires_grad = false);
/// rand() drawing from this thread's default generator.
Tensor rand(const Shape& shape, bool requires_grad = false);
/// A tensor of `shape` with elements drawn from N(0, 1) by `generator`.
Tensor randn(const Shape& shape, Generator& generator, bool requires_grad = false);
/// randn() drawing from this thread's default generator.
Tensor randn(const Shape& shape, bool requires_grad = false);

}  // namespace ag
