/** \file
nn/decoding.h — turning a trained seq2seq model into output sequences.

\verbatim
Greedy decoding takes the most likely token at every step. Beam search keeps the
`beam_width` most likely partial sequences instead, extending each by every token and
keeping the best, which finds sequences greedy decoding misses when an early choice that
looked best leads nowhere. Both run the decoder one step per token, reusing cached state
(for the Transformer, the keys and values of earlier positions), so each new token costs one
step rather than a rerun of the whole prefix.

Both run without recording a graph; put the model in eval() mode first (dropout off).
\endverbatim
*/
#pragma once

#include <cstdint>
#include <vector>

#include "core/index_tensor.h"
#include "nn/seq2seq.h"

namespace ag::nn {

/// The most likely token at each step, for every source row: source [B, S] gives B token
/// lists, each starting after `bos` and ending before `eos` (or after `max_length` tokens).
/// With `use_cache` false the model re-runs forward() over the whole prefix at every step (the
/// slow, obviously-right path the cached one is tested against). Throws ShapeError unless
/// source is [B, S], ValueError if max_length < 0.
std::vector<std::vector<int64_t>> greedy_decode(Seq2SeqModel& model, const IndexTensor& source,
                                                int64_t bos, int64_t eos, int64_t max_length,
                                                bool use_cache = true);

/// One finished sequence from beam search.
struct Hypothesis {
    std::vector<int64_t> tokens;  ///< without bos and eos
    double log_probability = 0;   ///< sum of the log-probabilities of its tokens and eos
    double score = 0;             ///< the ranking: see beam_search
};

/// Beam search over one source sequence, source [1, S]. Returns up to beam_width hypotheses,
/// best first, ranked by
///   score = log p / ((5 + length) / 6)^length_penalty          (Wu et al., 2016)
/// where log p sums the log-probabilities of the tokens and of eos, and length counts the
/// tokens and eos: the decoding steps the hypothesis took (a hypothesis cut off at max_length
/// has no eos, and length = its tokens). length_penalty 0 ranks by log p alone; above 0 it
/// favours longer hypotheses, below 0 shorter ones. Only finished hypotheses, and those cut
/// off at max_length, are returned, never a partial one. The search stops once beam_width
/// hypotheses have ended and no live one can still beat the worst of them, or after max_length
/// steps: it never stops while a better sequence is still alive. With beam_width 1 and
/// length_penalty 0 it returns exactly the greedy sequence (with a length penalty, a longer
/// sequence may outscore it). Throws ShapeError unless source is [1, S], ValueError if
/// beam_width < 1, max_length < 0 or length_penalty is not finite.
std::vector<Hypothesis> beam_search(Seq2SeqModel& model, const IndexTensor& source, int64_t bos,
                                    int64_t eos, int64_t max_length, int64_t beam_width,
                                    float length_penalty = 0.6f);

}  // namespace ag::nn
