// tests/consumer/main.cpp — one step of every layer: a Linear layer (nn) fits y = 2x with
// Adam (optim), its weights go through a safetensors file (io) and come back the same, and a
// BPE tokenizer (text) learns a merge and round-trips its text.
// Prints "consumer ok" and exits 0 when everything holds.
#include <cstdio>
#include <string>

#include "core/ops.h"
#include "io/safetensors.h"
#include "nn/checkpoint.h"
#include "nn/layers.h"
#include "optim/optimizer.h"
#include "text/tokenizer.h"

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    const std::string path = std::string(argv[1]) + "/linear.safetensors";
    ag::nn::Linear layer(1, 1);
    ag::optim::Adam adam(layer.named_parameters(), 0.1f);
    const ag::Tensor x = ag::from_vector({-1.0f, 0.0f, 1.0f, 2.0f}, {4, 1});
    const ag::Tensor y = x * 2.0f;
    float first = 0, last = 0;
    for (int step = 0; step < 200; ++step) {
        const ag::Tensor loss = ag::mean(ag::pow(layer.forward(x) - y, 2.0f));
        if (step == 0) first = loss.item();
        last = loss.item();
        adam.zero_grad();
        loss.backward();
        adam.step();
    }
    ag::nn::save_checkpoint(layer, path);
    ag::nn::Linear loaded(1, 1);
    ag::nn::load_checkpoint(loaded, path);
    const bool same = loaded.weight.item() == layer.weight.item();
    std::printf("loss %.4f -> %.6f, weight %.4f, reloaded %s\n", first, last, layer.weight.item(),
                same ? "the same" : "DIFFERENT");
    const auto tokenizer = ag::text::BpeTokenizer::train("abab abab abab", 259);
    const std::string text = "abab, again";
    const bool round_trip = tokenizer.decode(tokenizer.encode(text)) == text;
    std::printf("tokenizer: %zu merges, round trip %s\n", tokenizer.merges().size(),
                round_trip ? "exact" : "WRONG");
    if (!(last < 1e-3f) || !same || tokenizer.merges().size() != 1 || !round_trip) return 1;
    std::printf("consumer ok\n");
    return 0;
}
