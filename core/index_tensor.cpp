// core/index_tensor.cpp — IndexTensor.
#include "core/index_tensor.h"

#include "core/error.h"

namespace ag {

IndexTensor::IndexTensor(std::vector<int64_t> values, const Shape& shape)
    : shape_(shape), values_(std::move(values)) {
    if (static_cast<int64_t>(values_.size()) != shape_.numel()) {
        throw ShapeError("IndexTensor: " + std::to_string(values_.size()) + " values for shape " +
                         shape_.to_string());
    }
}

IndexTensor::IndexTensor(std::vector<int64_t> values)
    : shape_{static_cast<int64_t>(values.size())}, values_(std::move(values)) {}

int64_t IndexTensor::at(std::initializer_list<int64_t> index) const {
    if (static_cast<int64_t>(index.size()) != shape_.rank()) {
        throw IndexError("IndexTensor::at: index of length " + std::to_string(index.size()) +
                         " for shape " + shape_.to_string());
    }
    int64_t offset = 0;
    int64_t dim = 0;
    for (int64_t i : index) {
        const int64_t size = shape_.sizes()[dim++];
        if (i < 0 || i >= size) {
            throw IndexError("IndexTensor::at: index " + std::to_string(i) +
                             " out of range for shape " + shape_.to_string());
        }
        offset = offset * size + i;
    }
    return values_[offset];
}

std::string IndexTensor::to_string() const {
    std::string text = "indices(" + shape_.to_string() + ", [";
    for (size_t i = 0; i < values_.size(); ++i) {
        if (i > 0) text += ", ";
        text += std::to_string(values_[i]);
    }
    return text + "])";
}

}  // namespace ag
