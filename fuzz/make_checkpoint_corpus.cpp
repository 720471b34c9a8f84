// fuzz/make_checkpoint_corpus.cpp — writes the seed files of fuzz/corpus/checkpoint, so they
// follow the format when it changes: make_checkpoint_corpus fuzz/corpus/checkpoint
//   empty.safetensors           no tensors, only attograd's metadata
//   mixed.safetensors           float and index tensors of odd shapes, and metadata
//   small_model.safetensors     the parameters of fuzz_checkpoint.cpp's SmallModel
//   training_state.safetensors  a training run of its tiny Transformer: model, Adam, step,
//                               loss history and config, as a resume reads it
#include <cstdio>
#include <string>

#include "core/ops.h"
#include "demos/common/training_state.h"
#include "io/safetensors.h"
#include "nn/checkpoint.h"
#include "nn/layers.h"
#include "nn/transformer.h"
#include "optim/optimizer.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_checkpoint_corpus FOLDER\n");
        return 2;
    }
    const std::string folder = argv[1];
    ag::io::save_safetensors(folder + "/empty.safetensors", {});
    ag::io::save_safetensors(folder + "/mixed.safetensors",
                             {{"w", ag::reshape(ag::arange(0.0f, 6.0f), {2, 3})},
                              {"s", ag::scalar(1.5f)},
                              {"e", ag::zeros({0, 4})}},
                             {{"note", "seed"}}, {{"ids", ag::IndexTensor({1, 2, 3})}});
    struct SmallModel : ag::nn::Module {
        ag::nn::Linear first{3, 4}, second{4, 2};
        SmallModel() {
            register_module("first", first);
            register_module("second", second);
        }
    } small;
    ag::nn::save_checkpoint(small, folder + "/small_model.safetensors");

    ag::nn::Transformer model({.source_vocabulary = 7,
                               .target_vocabulary = 7,
                               .d_model = 8,
                               .heads = 2,
                               .encoder_layers = 1,
                               .decoder_layers = 1,
                               .d_ff = 16,
                               .dropout = 0.0f,
                               .max_length = 8,
                               .seed = 3});
    ag::optim::Adam adam(model.named_parameters(), 0.01f);
    const ag::IndexTensor source({3, 4, 5, 6}, {1, 4}), target({1, 6, 5, 4}, {1, 4});
    adam.zero_grad();
    ag::sum(model.forward(source, target)).backward();
    adam.step();
    demo::save_training_state(folder + "/training_state.safetensors", model, adam,
                              {"reverse", 1, {{1, 2.5}}, model.config_metadata()});
    return 0;
}
