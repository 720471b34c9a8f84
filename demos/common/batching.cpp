// demos/common/batching.cpp — make_batch.
#include "demos/common/batching.h"

#include <algorithm>

#include "core/error.h"

namespace demo {

Batch make_batch(const std::vector<Example>& examples) {
    if (examples.empty()) throw ag::ValueError("make_batch: no examples");
    const int64_t batch = static_cast<int64_t>(examples.size());
    size_t source_length = 1, target_length = 0;
    for (const Example& e : examples) {
        source_length = std::max(source_length, e.source.size());
        target_length = std::max(target_length, e.target.size());
    }
    const int64_t s = static_cast<int64_t>(source_length);
    const int64_t t = static_cast<int64_t>(target_length) + 1;  // room for <s> / </s>
    std::vector<int64_t> source(batch * s, kPad), input(batch * t, kPad), output(batch * t, kPad);
    Batch result;
    for (int64_t b = 0; b < batch; ++b) {
        const Example& e = examples[b];
        std::copy(e.source.begin(), e.source.end(), source.begin() + b * s);
        input[b * t] = kBos;
        std::copy(e.target.begin(), e.target.end(), input.begin() + b * t + 1);
        std::copy(e.target.begin(), e.target.end(), output.begin() + b * t);
        output[b * t + static_cast<int64_t>(e.target.size())] = kEos;
        result.target_tokens += static_cast<int64_t>(e.target.size()) + 1;
    }
    result.source = ag::IndexTensor(source, {batch, s});
    result.target_input = ag::IndexTensor(input, {batch, t});
    result.target_output = ag::IndexTensor(output, {batch, t});
    return result;
}

}  // namespace demo
