/** \file
text/bpe_merge.h — the two steps that training and encoding BPE share (internal to text/).

\verbatim
A pair of adjacent tokens is looked up by one 64-bit key, and a learned merge rewrites a
token sequence the same way whether the trainer is learning it (bpe_train.cpp) or the
tokenizer is replaying it (tokenizer.cpp), so a text encodes into exactly the tokens the
trainer counted.
\endverbatim
*/
#pragma once

#include <cstdint>
#include <vector>

#include "text/tokenizer.h"

namespace ag::text::detail {

/// The key of the pair (left, right) in hash maps: left in the high 32 bits, right in the low.
/// Ids are below 2^32, so distinct pairs have distinct keys.
inline uint64_t pair_key(int64_t left, int64_t right) {
    return (static_cast<uint64_t>(left) << 32) | static_cast<uint64_t>(right);
}

/// Replaces every occurrence of (m.left, m.right) in `ids` by `id`, scanning left to right, so
/// in "a a a" the pair (a, a) is merged once, at the left.
inline void apply_merge(std::vector<int64_t>& ids, const Merge& m, int64_t id) {
    size_t out = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i + 1 < ids.size() && ids[i] == m.left && ids[i + 1] == m.right) {
            ids[out++] = id;
            ++i;
        } else {
            ids[out++] = ids[i];
        }
    }
    ids.resize(out);
}

}  // namespace ag::text::detail
