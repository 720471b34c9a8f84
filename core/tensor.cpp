// core/tensor.cpp — Tensor accessors, printing and factories.
#include "core/tensor.h"

#include <cmath>
#include <cstring>
#include <new>
#include <ostream>
#include <sstream>

#include "core/allocator.h"
#include "core/autograd.h"
#include "core/error.h"
#include "core/random.h"

namespace ag {

// ---- Storage -------------------------------------------------------------------------------

Storage::Storage(int64_t size) : size_(size) {
    if (size < 0) throw ValueError("Storage: negative size " + std::to_string(size));
    try {
        data_ = static_cast<float*>(allocate_buffer(static_cast<size_t>(size) * sizeof(float)));
    } catch (const std::bad_alloc&) {
        throw MemoryError("Storage: cannot allocate " + std::to_string(size) + " floats (" +
                          std::to_string(static_cast<double>(size) * 4.0 / (1 << 30)) +
                          " GiB): out of memory");
    }
}

Storage::~Storage() { release_buffer(data_, static_cast<size_t>(size_) * sizeof(float)); }

// ---- Tensor ------------------------------------------------------------------------------

void throw_undefined_tensor() { throw Error("Tensor: use of an undefined tensor"); }

void require_defined(std::string_view op, const Tensor& tensor, int index, int count) {
    if (tensor.defined()) return;
    throw ValueError(std::string(op) + ": input " + std::to_string(index) + " of " +
                     std::to_string(count) +
                     " is undefined (a default Tensor(), or the grad() of a tensor backward has "
                     "not filled: before backward, or not a leaf)");
}

namespace {
const TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl) {
    if (!impl) throw_undefined_tensor();
    return *impl;
}
}  // namespace

Tensor::Tensor(const Shape& shape) : impl_(std::make_shared<TensorImpl>()) {
    impl_->shape = shape;
    impl_->storage = std::make_shared<Storage>(shape.numel());
}

float Tensor::item() const {
    if (numel() != 1) {
        throw ShapeError("item: tensor of shape " + shape().to_string() +
                         " has more than one element");
    }
    return data()[0];
}

float Tensor::at(std::initializer_list<int64_t> index) const {
    const Shape& s = shape();
    if (static_cast<int64_t>(index.size()) != s.rank()) {
        throw IndexError("at: index of length " + std::to_string(index.size()) +
                         " for a tensor of shape " + s.to_string());
    }
    int64_t offset = 0;
    int64_t dim = 0;
    for (int64_t i : index) {
        const int64_t size = s.sizes()[dim];
        if (i < 0 || i >= size) {
            throw IndexError("at: index " + std::to_string(i) + " out of range for dimension " +
                             std::to_string(dim) + " of size " + std::to_string(size) + " (shape " +
                             s.to_string() + ")");
        }
        offset = offset * size + i;
        ++dim;
    }
    return data()[offset];
}

std::vector<float> Tensor::to_vector() const { return {data(), data() + numel()}; }

Tensor Tensor::clone() const {
    Tensor copy(shape());
    std::memcpy(copy.data(), data(), static_cast<size_t>(numel()) * sizeof(float));
    return copy;
}

namespace {
// Prints dimension `dim` of the block starting at `offset`, eliding the middle of long rows.
void print_block(std::ostream& out, const float* data, std::span<const int64_t> sizes,
                 const std::vector<int64_t>& strides, size_t dim, int64_t offset) {
    constexpr int64_t kEdge = 3;  // items shown at each end of a long dimension
    if (dim == sizes.size()) {
        out << data[offset];
        return;
    }
    out << "[";
    const int64_t n = sizes[dim];
    for (int64_t i = 0; i < n; ++i) {
        if (i > 0) out << ", ";
        if (n > 2 * kEdge + 1 && i == kEdge) {
            out << "...";
            i = n - kEdge - 1;
            continue;
        }
        print_block(out, data, sizes, strides, dim + 1, offset + i * strides[dim]);
    }
    out << "]";
}
}  // namespace

std::string Tensor::to_string() const {
    if (!defined()) return "tensor(undefined)";
    std::ostringstream out;
    out << "tensor(" << shape().to_string() << ", ";
    print_block(out, data(), shape().sizes(), shape().strides(), 0, 0);
    if (requires_grad()) out << ", requires_grad";
    out << ")";
    return out.str();
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) { return out << t.to_string(); }

bool Tensor::requires_grad() const { return checked(impl_).requires_grad; }

Tensor& Tensor::set_requires_grad(bool requires_grad) {
    if (!is_leaf()) {
        throw Error("set_requires_grad: only a leaf can be marked; this tensor was made by '" +
                    std::string(impl_->grad_fn->op) + "'");
    }
    impl_->requires_grad = requires_grad;
    return *this;
}

bool Tensor::is_leaf() const { return checked(impl_).grad_fn == nullptr; }

Tensor Tensor::grad() const { return checked(impl_).grad; }

bool Tensor::is_sole_owner() const {
    return impl_ != nullptr && impl_.use_count() == 1 && impl_->storage.use_count() == 1;
}

void Tensor::zero_grad() {
    checked(impl_);
    impl_->grad = Tensor();
}

const std::shared_ptr<Node>& Tensor::grad_fn() const { return checked(impl_).grad_fn; }

Tensor Tensor::detach() const {
    Tensor result;
    result.impl_ = std::make_shared<TensorImpl>();
    result.impl_->shape = checked(impl_).shape;
    result.impl_->storage = impl_->storage;
    return result;
}

void Tensor::backward(bool retain_graph) const {
    if (numel() != 1) {
        throw ShapeError(
            "backward: a gradient can be implied only for a scalar output; this "
            "tensor has shape " +
            shape().to_string() + ", so pass d(loss)/d(output) explicitly");
    }
    run_backward(*this, ones(shape()), retain_graph);
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
    if (!gradient.defined() || gradient.shape() != shape()) {
        throw ShapeError("backward: gradient of shape " +
                         (gradient.defined() ? gradient.shape().to_string() : "undefined") +
                         " for an output of shape " + shape().to_string());
    }
    run_backward(*this, gradient, retain_graph);
}

// ---- factories ---------------------------------------------------------------------------

Tensor full(const Shape& shape, float value, bool requires_grad) {
    Tensor t(shape);
    std::fill(t.data(), t.data() + t.numel(), value);
    return t.set_requires_grad(requires_grad);
}

Tensor zeros(const Shape& shape, bool requires_grad) { return full(shape, 0.0f, requires_grad); }

Tensor ones(const Shape& shape, bool requires_grad) { return full(shape, 1.0f, requires_grad); }

Tensor scalar(float value, bool requires_grad) { return full(Shape{}, value, requires_grad); }

Tensor arange(float start, float end, float step) {
    if (step == 0.0f || !std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step)) {
        throw ValueError("arange: step must be non-zero and all arguments finite");
    }
    // The count is computed in float, as the arguments are: in double, arange(0, 0.3f, 0.1f)
    // would have 4 elements, since 0.3f / 0.1f is 3.0000001 there. It may overflow to an
    // infinity, and casting an infinity, or anything beyond int64, to an integer is undefined
    // behaviour: check it before the cast, in either direction.
    const float count = std::ceil((end - start) / step);
    if (!(count <= static_cast<float>(Shape::kMaxElements))) {
        throw ValueError("arange(" + std::to_string(start) + ", " + std::to_string(end) + ", " +
                         std::to_string(step) + "): " + std::to_string(count) +
                         " elements, more than a tensor can hold");
    }
    const int64_t n = count > 0 ? static_cast<int64_t>(count) : 0;  // an empty range if < 0
    Tensor t(Shape{n});
    for (int64_t i = 0; i < n; ++i) t.data()[i] = start + static_cast<float>(i) * step;
    return t;
}

Tensor arange(int64_t n) {
    if (n < 0) throw ValueError("arange: negative length " + std::to_string(n));
    Tensor t(Shape{n});
    for (int64_t i = 0; i < n; ++i) t.data()[i] = static_cast<float>(i);
    return t;
}

Tensor from_vector(const std::vector<float>& values, const Shape& shape, bool requires_grad) {
    if (static_cast<int64_t>(values.size()) != shape.numel()) {
        throw ShapeError("from_vector: " + std::to_string(values.size()) + " values for shape " +
                         shape.to_string() + " of " + std::to_string(shape.numel()) + " elements");
    }
    Tensor t(shape);
    std::copy(values.begin(), values.end(), t.data());
    return t.set_requires_grad(requires_grad);
}

Tensor rand(const Shape& shape, Generator& generator, bool requires_grad) {
    Tensor t(shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = generator.uniform();
    return t.set_requires_grad(requires_grad);
}

Tensor rand(const Shape& shape, bool requires_grad) {
    return rand(shape, default_generator(), requires_grad);
}

Tensor randn(const Shape& shape, Generator& generator, bool requires_grad) {
    Tensor t(shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = generator.normal();
    return t.set_requires_grad(requires_grad);
}

Tensor randn(const Shape& shape, bool requires_grad) {
    return randn(shape, default_generator(), requires_grad);
}

}  // namespace ag
