// nn/decoding.cpp — greedy decoding and beam search.
#include "nn/decoding.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops.h"

namespace ag::nn {

namespace {

void check_source(const IndexTensor& source, const char* function, bool single) {
    if (source.shape().rank() != 2 || (single && source.shape()[0] != 1)) {
        throw ShapeError(std::string(function) + ": source must be " +
                         (single ? "[1, S]" : "[B, S]") + ", got " + source.shape().to_string());
    }
}

// The position of the largest of n values (the first, on ties).
int64_t argmax_of(const float* values, int64_t n) {
    return static_cast<int64_t>(std::max_element(values, values + n) - values);
}

// Logits [B, V] of the next token for each prefix, by running the whole model again.
Tensor next_logits_uncached(Seq2SeqModel& model, const IndexTensor& source,
                            const std::vector<std::vector<int64_t>>& prefixes) {
    const int64_t batch = static_cast<int64_t>(prefixes.size());
    const int64_t length = static_cast<int64_t>(prefixes[0].size());
    std::vector<int64_t> ids;
    for (const auto& prefix : prefixes) ids.insert(ids.end(), prefix.begin(), prefix.end());
    const Tensor logits = model.forward(source, IndexTensor(ids, {batch, length}));
    return reshape(slice(logits, 1, length - 1, length), {batch, logits.size(-1)});
}

}  // namespace

std::vector<std::vector<int64_t>> greedy_decode(Seq2SeqModel& model, const IndexTensor& source,
                                                int64_t bos, int64_t eos, int64_t max_length,
                                                bool use_cache) {
    check_source(source, "greedy_decode", false);
    if (max_length < 0) throw ValueError("greedy_decode: negative max_length");
    NoGradGuard no_grad;
    const int64_t batch = source.shape()[0];
    std::vector<std::vector<int64_t>> prefixes(batch, std::vector<int64_t>{bos});
    std::vector<std::vector<int64_t>> outputs(batch);
    std::vector<bool> finished(batch, false);
    std::unique_ptr<DecoderState> state = use_cache ? model.start_decoding(source) : nullptr;
    //! [greedy_loop]
    for (int64_t step = 0; step < max_length; ++step) {
        Tensor logits;
        if (use_cache) {
            std::vector<int64_t> last(batch);
            for (int64_t b = 0; b < batch; ++b) last[b] = prefixes[b].back();
            logits = model.decode_step(*state, IndexTensor(last));
        } else {
            logits = next_logits_uncached(model, source, prefixes);
        }
        const int64_t vocabulary = logits.size(-1);
        bool all_finished = true;
        for (int64_t b = 0; b < batch; ++b) {
            const int64_t token = argmax_of(logits.data() + b * vocabulary, vocabulary);
            prefixes[b].push_back(token);  // finished rows keep decoding; their output is ignored
            if (finished[b]) continue;
            if (token == eos) {
                finished[b] = true;
            } else {
                outputs[b].push_back(token);
            }
            all_finished = all_finished && finished[b];
        }
        if (all_finished) break;
    }
    //! [greedy_loop]
    return outputs;
}

std::vector<Hypothesis> beam_search(Seq2SeqModel& model, const IndexTensor& source, int64_t bos,
                                    int64_t eos, int64_t max_length, int64_t beam_width,
                                    float length_penalty) {
    check_source(source, "beam_search", true);
    if (beam_width < 1) throw ValueError("beam_search: beam_width must be at least 1");
    if (max_length < 0) throw ValueError("beam_search: negative max_length");
    if (!std::isfinite(length_penalty)) {
        throw ValueError("beam_search: length_penalty is " + std::to_string(length_penalty));
    }
    NoGradGuard no_grad;
    // score = log p / ((5 + length) / 6)^length_penalty, length counting eos when there is one.
    const auto penalty = [length_penalty](size_t length) {
        return std::pow((5.0 + static_cast<double>(length)) / 6.0, length_penalty);
    };
    struct Beam {
        std::vector<int64_t> tokens;  // without bos
        double log_probability = 0;
    };
    std::vector<Beam> live{Beam{}};
    std::vector<Hypothesis> finished;  // the best beam_width so far, best first
    const auto keep_best = [&] {
        std::stable_sort(
            finished.begin(), finished.end(),
            [](const Hypothesis& x, const Hypothesis& y) { return x.score > y.score; });
        if (static_cast<int64_t>(finished.size()) > beam_width) finished.resize(beam_width);
    };
    // The best score a live beam could still reach: its log p can only fall as tokens are
    // added, and its length grows to at most max_length (+ eos); the penalty is monotone in
    // the length, so the bound is at one end of that range.
    const auto best_reachable = [&](const Beam& beam) {
        const double p = beam.log_probability;
        const size_t shortest = beam.tokens.size() + 1;
        const size_t longest = static_cast<size_t>(max_length) + 1;
        return std::max(p / penalty(shortest), p / penalty(std::max(shortest, longest)));
    };
    std::unique_ptr<DecoderState> state = model.start_decoding(source);
    IndexTensor rows({0});  // which source row each live beam reads (all the same source)
    state->select(rows);

    for (int64_t step = 0; step < max_length && !live.empty(); ++step) {
        std::vector<int64_t> last;
        for (const Beam& beam : live)
            last.push_back(beam.tokens.empty() ? bos : beam.tokens.back());
        const Tensor log_p = log_softmax(model.decode_step(*state, IndexTensor(last)), -1);
        const int64_t vocabulary = log_p.size(-1);

        //! [beam_step]
        // Every extension of every live beam, best first (ties: earlier beam, smaller token).
        struct Candidate {
            double log_probability;
            int64_t beam, token;
        };
        std::vector<Candidate> candidates;
        for (size_t b = 0; b < live.size(); ++b) {
            for (int64_t v = 0; v < vocabulary; ++v) {
                candidates.push_back({live[b].log_probability + log_p.data()[b * vocabulary + v],
                                      static_cast<int64_t>(b), v});
            }
        }
        const size_t keep = std::min(candidates.size(), static_cast<size_t>(2 * beam_width));
        std::partial_sort(candidates.begin(), candidates.begin() + keep, candidates.end(),
                          [](const Candidate& x, const Candidate& y) {
                              if (x.log_probability != y.log_probability) {
                                  return x.log_probability > y.log_probability;
                              }
                              return x.beam != y.beam ? x.beam < y.beam : x.token < y.token;
                          });
        // The best candidates ending in eos finish; the best others (up to beam_width) live on.
        std::vector<Beam> next;
        std::vector<int64_t> parents;
        for (size_t i = 0; i < keep && static_cast<int64_t>(next.size()) < beam_width; ++i) {
            const Candidate& c = candidates[i];
            std::vector<int64_t> tokens = live[c.beam].tokens;
            if (c.token == eos) {
                const double score = c.log_probability / penalty(tokens.size() + 1);
                finished.push_back({std::move(tokens), c.log_probability, score});
                continue;
            }
            tokens.push_back(c.token);
            next.push_back({std::move(tokens), c.log_probability});
            parents.push_back(c.beam);
        }
        keep_best();
        //! [beam_step]
        live = std::move(next);
        // Done once beam_width hypotheses have finished and no live beam can still beat the
        // worst of them (not merely once beam_width have finished: a live beam may be far
        // better than every one that has). The live beams are then dropped: they are not
        // finished. After the last step there is nothing to decide: the live beams are cut off
        // and compete below with their own scores, which the bound does not cover.
        if (step + 1 < max_length && static_cast<int64_t>(finished.size()) == beam_width &&
            std::all_of(live.begin(), live.end(), [&](const Beam& beam) {
                return best_reachable(beam) <= finished.back().score;
            })) {
            live.clear();
            break;
        }
        if (!live.empty()) state->select(IndexTensor(parents));
    }
    // Beams cut off by max_length count as hypotheses too (their length has no eos).
    for (const Beam& beam : live) {
        finished.push_back({beam.tokens, beam.log_probability,
                            beam.log_probability / penalty(beam.tokens.size())});
    }
    keep_best();
    return finished;
}

}  // namespace ag::nn
