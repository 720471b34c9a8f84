// demos/first_example.cpp — a Transformer learns to copy, the whole program in one file.
//
// In the spirit of the Annotated Transformer's "A First Example": make the data (random
// sequences of digits, whose target is the sequence itself), build a model from a
// TransformerConfig, train it with the training step in plain sight (forward, loss, backward,
// clip, Adam), then decode greedily and print what it writes. No options, progress bar or
// checkpoints: the other demos add those (demos/common/); this one is meant to be read top to
// bottom.
//
//   ./build/release/demos/first_example
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/random.h"
#include "nn/decoding.h"
#include "nn/loss.h"
#include "nn/transformer.h"
#include "optim/optimizer.h"

namespace {

// Token ids: 0 pads, 1 begins a target, 2 ends one, and 3..12 are the digits 0..9.
constexpr int64_t kPad = 0, kBos = 1, kEos = 2, kFirstDigit = 3, kVocabulary = 13;
constexpr int64_t kLength = 8;  // digits per sequence

// One batch of the copy task. The encoder reads the digits; the decoder reads bos and the
// digits, and must write at each position the next token: the digits, then eos.
//   source         3 1 4 1 5 9 2 6
//   target input   bos 3 1 4 1 5 9 2 6
//   target output  3 1 4 1 5 9 2 6 eos
struct Batch {
    ag::IndexTensor source, target_input, target_output;  // [B, 8], [B, 9], [B, 9]
};

Batch copy_batch(ag::Generator& generator, int64_t batch_size) {
    std::vector<int64_t> source, input, output;
    for (int64_t b = 0; b < batch_size; ++b) {
        input.push_back(kBos);
        for (int64_t t = 0; t < kLength; ++t) {
            const int64_t digit = kFirstDigit + generator.integer(10);
            source.push_back(digit);
            input.push_back(digit);
            output.push_back(digit);
        }
        output.push_back(kEos);
    }
    return {ag::IndexTensor(source, {batch_size, kLength}),
            ag::IndexTensor(input, {batch_size, kLength + 1}),
            ag::IndexTensor(output, {batch_size, kLength + 1})};
}

std::string digits(const std::vector<int64_t>& tokens) {
    std::string text;
    for (int64_t token : tokens) text += static_cast<char>('0' + token - kFirstDigit);
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1) {  // no options: everything is in the lines below
        const bool help =
            argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0);
        if (!help) std::fprintf(stderr, "%s: unknown argument '%s'\n", argv[0], argv[1]);
        std::fprintf(help ? stdout : stderr,
                     "%s: trains a small Transformer to copy sequences of digits and prints "
                     "what it writes; it takes no options (read demos/first_example.cpp)\n",
                     argv[0]);
        return help ? 0 : 2;
    }

    // 1. The model: 2 encoder and 2 decoder layers of width 64, 4 heads.
    ag::manual_seed(1);  // dropout draws from the default generator
    ag::nn::Transformer model({.source_vocabulary = kVocabulary,
                               .target_vocabulary = kVocabulary,
                               .d_model = 64,
                               .heads = 4,
                               .encoder_layers = 2,
                               .decoder_layers = 2,
                               .d_ff = 128,
                               .dropout = 0.1f,
                               .max_length = kLength + 1,
                               .pad_id = kPad,
                               .seed = 1});
    ag::optim::Adam adam(model.named_parameters(), 2e-3f);
    std::printf("a Transformer of %lld parameters learns to copy %lld digits\n",
                static_cast<long long>(model.parameter_count()), static_cast<long long>(kLength));

    // 2. Training: the same five lines as every training loop.
    //! [first_example_training]
    ag::Generator data(7);
    for (int step = 1; step <= 800; ++step) {
        const Batch batch = copy_batch(data, 32);
        adam.zero_grad();
        const ag::Tensor logits = model.forward(batch.source, batch.target_input);  // [B, 9, V]
        const ag::Tensor loss = ag::nn::cross_entropy(logits, batch.target_output, kPad);
        loss.backward();                                      // every parameter's gradient
        ag::optim::clip_grad_norm(model.parameters(), 1.0f);  // at most norm 1
        adam.step();                                          // one step downhill
        if (step % 50 == 0) std::printf("step %3d  loss %.4f\n", step, loss.item());
    }
    //! [first_example_training]

    // 3. Decoding: the model writes one token at a time, each time the most likely one.
    model.eval();                   // dropout off
    ag::Generator held_out(12345);  // sequences training never saw
    const Batch test = copy_batch(held_out, 100);
    const auto written = ag::nn::greedy_decode(model, test.source, kBos, kEos, kLength + 1);
    int right = 0;
    for (size_t i = 0; i < written.size(); ++i) {
        const std::vector<int64_t> wanted(test.source.values().begin() + i * kLength,
                                          test.source.values().begin() + (i + 1) * kLength);
        right += written[i] == wanted ? 1 : 0;
        if (i < 5) {
            std::printf("%s -> %s%s\n", digits(wanted).c_str(), digits(written[i]).c_str(),
                        written[i] == wanted ? "" : "  (wrong)");
        }
    }
    std::printf("result: task=copy exact_match=%.2f (of 100 held-out sequences)\n", right / 100.0);
    return 0;
}
