// demos/common/finetune_task.h — the labelled tasks demos/pretrain_finetune runs, behind one
// struct: much unlabelled text to pretrain on, a few labelled sequences to fine-tune on, and
// held-out labelled sequences to score both arms on.
//
//   dialects   generated sentences in 4 made-up dialects (dialects.h); which dialect is this?
//              The quick default: the world is drawn, so unlabelled text is unlimited.
//   fortunes   real text (corpus.h): which file, which topic, does this fortune come from?
//              The topics are computers, politics, songs-poems and science, the four large
//              enough to hold out 60 or more fortunes each. Pretraining reads every training
//              fortune of every file, unlabelled; fine-tuning sees at most `per_topic`
//              training fortunes of each topic with their labels; the score is on the held-out
//              fortunes (every 10th) of the four topics, which neither stage has read.
//
// A fortune is read as bytes (text::ByteTokenizer's ids 0 to 255), cut to its first
// `max_length` bytes and padded with text::kPadding; id 258 is the mask of masked-token
// pretraining, so no byte is ever mistaken for padding or for the mask.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/random.h"
#include "demos/common/corpus.h"
#include "demos/common/dialects.h"
#include "demos/common/plot.h"
#include "nn/pretraining.h"

namespace demo {

/// One pretrain-then-fine-tune task: its data and the token ids a model needs for it.
struct FinetuneTask {
    std::string name;                  ///< "dialects" or "fortunes"
    std::vector<std::string> classes;  ///< the label names, by label
    int64_t vocabulary = 0;            ///< token ids a model must know
    int64_t max_length = 0;            ///< the longest sequence
    int64_t pad_id = 0;                ///< the padding id (masked from attention and pooling)
    int64_t mask_id = 0;               ///< what masked-token pretraining hides a token with
    std::vector<Sentence> held_out;    ///< labelled, for scoring only
    /// `count` unlabelled sequences to pretrain on, drawn from `generator`.
    std::function<std::vector<Sentence>(int64_t count, ag::Generator& generator)> unlabeled;
    /// The labelled training sequences of seed `seed`: the same seed, the same sequences.
    std::function<std::vector<Sentence>(uint64_t seed)> labeled;
    /// A sequence as printable text.
    std::function<std::string(const std::vector<int64_t>& ids)> to_text;
};

/// The dialects task: `labeled` labelled sentences per seed and `held_out` held-out ones, from
/// the world `options` describes. Throws as Dialects does.
FinetuneTask dialect_task(const DialectOptions& options, int64_t labeled, int64_t held_out);

/// The fortune topics of the top of this file.
inline const std::vector<std::string> kFortuneTopics = {"computers", "politics", "songs-poems",
                                                        "science"};

/// The topics task on `corpus`: labels are the positions of the documents' topics in `topics`,
/// at most `per_topic` labelled training documents per topic and seed (drawn without
/// replacement), sequences cut to `max_length` bytes. Throws ag::ValueError unless there are
/// 2 or more topics, per_topic and max_length are positive, and every topic has a training and
/// a held-out document in the corpus (the message names the first topic that does not).
FinetuneTask fortune_task(const Corpus& corpus, const std::vector<std::string>& topics,
                          int64_t per_topic, int64_t max_length);

/// Held-out accuracy: the fraction of `examples` whose label the argmax of `model`'s logits
/// names, read in batches padded with `pad_id`, in eval mode without a graph (the model is left
/// in training mode). Throws ag::ValueError if `examples` is empty.
double accuracy(ag::nn::SequenceClassifier& model, const std::vector<Sentence>& examples,
                int64_t pad_id);

/// The mean and spread of one figure over seeds.
struct Spread {
    double mean = 0;  ///< the mean
    double sd = 0;    ///< the sample standard deviation (divided by n - 1); 0 for one value
};

/// The mean and sample standard deviation of `values`. Throws ag::ValueError if it is empty.
Spread spread(const std::vector<double>& values);

/// The point-by-point mean of `curves`, which share their x, labelled `label`. Throws
/// ag::ValueError if `curves` is empty or their x differ.
Series mean_curve(const std::vector<Series>& curves, const std::string& label);

}  // namespace demo
