/** \file
nn/sampling.h — drawing the next token from a language model's logits: temperature, top-k
and top-p (nucleus) sampling, the knobs of GPT-2's and every later model's text generation.

\verbatim
Given logits z over the vocabulary, the distribution drawn from is, in this order:
  1. temperature T:  p_i = softmax(z / T)_i. T < 1 sharpens (T -> 0 is greedy), T > 1
     flattens toward uniform. T = 0 means greedy: the argmax, no draw.
  2. top-k (Fan et al., 2018): keep the k most likely tokens, renormalise.
  3. top-p (Holtzman et al., 2020, "nucleus"): keep the smallest set of most likely tokens
     whose probabilities sum to at least p, renormalise.
Ties in likelihood go to the smaller id, so the kept set is always well defined. These are
the names and the order of Hugging Face's generate() (temperature, top_k, top_p).
\endverbatim
*/
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/random.h"

namespace ag::nn {

/// How to draw a token (see the description of nn/sampling.h). The defaults draw from the model's
/// own distribution.
struct SamplingOptions {
    float temperature = 1.0f;  ///< divides the logits; 0 = greedy (argmax)
    int64_t top_k = 0;         ///< keep the k most likely tokens; 0 keeps all
    float top_p = 1.0f;        ///< keep the smallest set reaching this probability; 1 keeps all
};

/// The distribution sample_token draws from, one probability per logit: softmax(logits / T),
/// restricted to top_k and then top_p, renormalised; tokens left out get exactly 0. With
/// temperature 0, all the mass is on the argmax (the smallest id among equal maxima).
/// Throws ag::ValueError naming the option if temperature < 0 or is not finite, top_k < 0,
/// top_p is outside (0, 1], `logits` is empty, or a logit is NaN or +infinity.
std::vector<float> sampling_distribution(std::span<const float> logits,
                                         const SamplingOptions& options);

/// A token id drawn from sampling_distribution(logits, options) with one draw of `generator`
/// (none when temperature is 0): the same generator state gives the same token.
/// Throws what sampling_distribution throws.
int64_t sample_token(std::span<const float> logits, const SamplingOptions& options,
                     Generator& generator);

}  // namespace ag::nn
