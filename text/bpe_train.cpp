// text/bpe_train.cpp — learning BPE merges from a text (BpeTokenizer::train, tokenizer.h).
//
// The text is cut into chunks (split_chunks) and only the distinct chunks are kept, each with
// how often it occurs: English text of 2 MB has some 40,000 distinct chunks among 500,000.
// Every adjacent pair of tokens inside a chunk is counted, weighted by the chunk's count, and
// each pair remembers the chunks that hold it. A merge then rewrites only those chunks and
// updates only the counts of the pairs they lose and gain; a heap of (count, pair) with stale
// entries skipped finds the next most frequent pair. Recounting everything after every merge
// would cost the whole text per merge instead.
#include <algorithm>
#include <queue>
#include <string>
#include <unordered_map>

#include "core/error.h"
#include "core/parallel.h"
#include "text/bpe_merge.h"
#include "text/tokenizer.h"

namespace ag::text {
namespace {

using detail::apply_merge;
using detail::pair_key;

// A distinct chunk: its tokens so far, and how often it occurs in the text.
struct Word {
    std::vector<int64_t> ids;
    int64_t count;
};

// Where a piece of the text may start: just after a newline that a visible byte follows. No
// chunk of split_chunks spans that place, so the pieces' chunks are the text's chunks.
size_t next_piece_start(std::string_view text, size_t from) {
    for (size_t i = std::max<size_t>(from, 1); i < text.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (text[i - 1] == '\n' && c > ' ') return i;
    }
    return text.size();
}

// The distinct chunks of `text`, in byte order, counted in pieces on all threads.
std::vector<Word> count_chunks(std::string_view text) {
    const int64_t pieces = std::max<int64_t>(1, get_num_threads());
    std::vector<size_t> starts{0};
    for (int64_t p = 1; p < pieces; ++p) {
        starts.push_back(std::max(starts.back(), next_piece_start(text, text.size() * p / pieces)));
    }
    starts.push_back(text.size());
    std::vector<std::unordered_map<std::string_view, int64_t>> counted(starts.size() - 1);
    parallel_for(0, static_cast<int64_t>(counted.size()), 1, [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) {
            const std::string_view piece = text.substr(starts[p], starts[p + 1] - starts[p]);
            for (const std::string_view chunk : split_chunks(piece)) ++counted[p][chunk];
        }
    });
    std::unordered_map<std::string_view, int64_t> total;
    for (const auto& piece : counted) {
        for (const auto& [chunk, count] : piece) total[chunk] += count;
    }
    std::vector<std::pair<std::string_view, int64_t>> sorted(total.begin(), total.end());
    std::sort(sorted.begin(), sorted.end());
    std::vector<Word> words;
    for (const auto& [chunk, count] : sorted) {
        Word word{{}, count};
        for (const char c : chunk) word.ids.push_back(static_cast<unsigned char>(c));
        words.push_back(std::move(word));
    }
    return words;
}

// A heap entry: the most frequent pair on top, ties to the smallest (left, right).
struct Candidate {
    int64_t count, left, right;
    bool operator<(const Candidate& other) const {
        if (count != other.count) return count < other.count;
        return std::pair(left, right) > std::pair(other.left, other.right);
    }
};

}  // namespace

BpeTokenizer BpeTokenizer::train(std::string_view text, int64_t vocabulary_size) {
    if (vocabulary_size < kFirstMergedId) {
        throw ValueError("BpeTokenizer::train: vocabulary_size " + std::to_string(vocabulary_size) +
                         " is below " + std::to_string(kFirstMergedId) +
                         " (the bytes and the special tokens)");
    }
    std::vector<Word> words = count_chunks(text);
    std::unordered_map<uint64_t, int64_t> counts;                // pair -> occurrences
    std::unordered_map<uint64_t, std::vector<int64_t>> holders;  // pair -> words holding it
    for (size_t w = 0; w < words.size(); ++w) {
        const std::vector<int64_t>& ids = words[w].ids;
        for (size_t i = 0; i + 1 < ids.size(); ++i) {
            const uint64_t key = pair_key(ids[i], ids[i + 1]);
            counts[key] += words[w].count;
            holders[key].push_back(static_cast<int64_t>(w));
        }
    }
    std::priority_queue<Candidate> heap;
    for (const auto& [key, count] : counts) {
        heap.push({count, static_cast<int64_t>(key >> 32), static_cast<int64_t>(key & 0xffffffff)});
    }

    std::vector<Merge> merges;
    std::vector<int64_t> last_merged(words.size(), -1);  // a word is rewritten once per merge
    while (kFirstMergedId + static_cast<int64_t>(merges.size()) < vocabulary_size) {
        // The top of the heap, skipping entries whose count has changed since they were pushed.
        Candidate best{0, 0, 0};
        while (!heap.empty()) {
            const Candidate top = heap.top();
            heap.pop();
            const auto found = counts.find(pair_key(top.left, top.right));
            if (found != counts.end() && found->second == top.count) {
                best = top;
                break;
            }
        }
        //! [bpe_merge_step]
        if (best.count < 2) break;  // a pair seen once teaches nothing
        const Merge merge{best.left, best.right};
        const int64_t id = kFirstMergedId + static_cast<int64_t>(merges.size());
        merges.push_back(merge);

        const uint64_t merged_key = pair_key(merge.left, merge.right);
        const std::vector<int64_t> touched = std::move(holders[merged_key]);
        holders.erase(merged_key);
        std::unordered_map<uint64_t, int64_t> change;  // pair -> change of its count
        for (const int64_t w : touched) {
            if (last_merged[w] == id) continue;
            last_merged[w] = id;
            Word& word = words[w];
            for (size_t i = 0; i + 1 < word.ids.size(); ++i) {
                change[pair_key(word.ids[i], word.ids[i + 1])] -= word.count;
            }
            apply_merge(word.ids, merge, id);
            for (size_t i = 0; i + 1 < word.ids.size(); ++i) {
                const uint64_t key = pair_key(word.ids[i], word.ids[i + 1]);
                change[key] += word.count;
                if (word.ids[i] == id || word.ids[i + 1] == id) holders[key].push_back(w);
            }
        }
        for (const auto& [key, delta] : change) {
            if (delta == 0) continue;
            const int64_t count = counts[key] += delta;
            if (count <= 0) {
                counts.erase(key);
            } else {
                heap.push({count, static_cast<int64_t>(key >> 32),
                           static_cast<int64_t>(key & 0xffffffff)});
            }
        }
        //! [bpe_merge_step]
    }
    return BpeTokenizer(std::move(merges));
}

}  // namespace ag::text
