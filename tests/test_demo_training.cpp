// tests/test_demo_training.cpp — the demos' tasks, batching and training loop
// (demos/common/tasks.h, batching.h, training.h).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "catch.h"
#include "core/error.h"
#include "core/parallel.h"
#include "demos/common/batching.h"
#include "demos/common/run_demo.h"
#include "demos/common/tasks.h"
#include "demos/common/training.h"
#include "nn/transformer.h"

using namespace demo;

TEST_CASE("tasks produce the targets they promise", "[demo][tasks]") {
    ag::Generator generator(3);
    const auto reverse = make_sequence_task("reverse", {.min_length = 4, .max_length = 7});
    const auto sort = make_sequence_task("sort", {});
    const auto copy = make_sequence_task("copy", {.min_length = 3, .max_length = 3});
    for (int i = 0; i < 50; ++i) {
        const Example r = reverse->sample(generator);
        REQUIRE((r.source.size() >= 4 && r.source.size() <= 7));
        REQUIRE(std::equal(r.source.rbegin(), r.source.rend(), r.target.begin()));
        const Example s = sort->sample(generator);
        REQUIRE(std::is_sorted(s.target.begin(), s.target.end()));
        REQUIRE(std::is_permutation(s.source.begin(), s.source.end(), s.target.begin()));
        REQUIRE(copy->sample(generator).source.size() == 3);
        for (int64_t id : r.source) REQUIRE((id >= 3 && id < reverse->vocabulary_size()));
    }
    const auto add = make_addition_task(3);
    for (const Example& e : add->examples(50, 4)) {
        // "a+b" -> a + b, read back from the text.
        const std::string source = add->to_text(e.source);
        const size_t plus = source.find('+');
        REQUIRE(plus != std::string::npos);
        const long sum = std::stol(source.substr(0, plus)) + std::stol(source.substr(plus + 1));
        REQUIRE(add->to_text(e.target) == std::to_string(sum));
    }
    REQUIRE(reverse->to_text({3, 4, 12}) == "0 1 9");
    REQUIRE_THROWS_AS(make_sequence_task("shuffle", {}), ag::ValueError);
    REQUIRE_THROWS_AS(make_sequence_task("copy", {.min_length = 5, .max_length = 4}),
                      ag::ValueError);
    REQUIRE_THROWS_AS(make_addition_task(0), ag::ValueError);
}

TEST_CASE("make_batch pads and shifts for teacher forcing", "[demo][batching]") {
    const Batch batch = make_batch({{{5, 6, 7}, {7, 6, 5}}, {{8}, {9, 9}}});
    REQUIRE(batch.source.values() == std::vector<int64_t>{5, 6, 7, 8, kPad, kPad});
    REQUIRE(batch.target_input.values() == std::vector<int64_t>{kBos, 7, 6, 5, kBos, 9, 9, kPad});
    REQUIRE(batch.target_output.values() == std::vector<int64_t>{7, 6, 5, kEos, 9, 9, kEos, kPad});
    REQUIRE(batch.target_tokens == 7);
    REQUIRE_THROWS_AS(make_batch({}), ag::ValueError);
}

TEST_CASE("end to end: a small Transformer learns to reverse", "[demo][training]") {
    ag::set_num_threads(1);
    const auto task = make_sequence_task("reverse", {.min_length = 6, .max_length = 6});
    ag::nn::Transformer model({.source_vocabulary = task->vocabulary_size(),
                               .target_vocabulary = task->vocabulary_size(),
                               .d_model = 64,
                               .heads = 4,
                               .encoder_layers = 1,
                               .decoder_layers = 1,
                               .d_ff = 128,
                               .dropout = 0.0f,
                               .max_length = 16,
                               .seed = 1});
    TrainingOptions options{.steps = 400,
                            .batch_size = 32,
                            .learning_rate = 3e-3f,
                            .eval_every = 50,
                            .eval_examples = 200,
                            .stop_at = 0.95};
    std::FILE* log = std::tmpfile();
    const TrainingResult result = train(model, *task, options, log);
    std::fclose(log);
    INFO("exact match " << result.final_evaluation.exact_match << " after " << result.steps);
    REQUIRE(result.final_evaluation.exact_match >= 0.95);
    REQUIRE(result.final_evaluation.token_accuracy >= 0.98);
    REQUIRE(result.losses.front().second > 5 * result.losses.back().second);
    ag::set_num_threads(2);
}

TEST_CASE("training rejects bad options and a missing checkpoint", "[demo][training]") {
    const auto task = make_sequence_task("copy", {.min_length = 2, .max_length = 2});
    ag::nn::Transformer model({.d_model = 8, .heads = 2, .d_ff = 8});
    REQUIRE_THROWS_AS(train(model, *task, {.steps = 0}, stdout), ag::ValueError);
    REQUIRE_THROWS_AS(train(model, *task, {.resume = true}, stdout), ag::ValueError);
    const std::string missing =
        (std::filesystem::temp_directory_path() / "attograd-no-such-checkpoint").string();
    REQUIRE_THROWS_WITH(train(model, *task, {.checkpoint_path = missing, .resume = true}, stdout),
                        Contains(missing));
}

namespace {
// A small model trained for 30 steps with `threads` threads; returns its parameters.
std::vector<float> train_small(int threads, uint64_t seed) {
    ag::set_num_threads(threads);
    const auto task = make_sequence_task("reverse", {.min_length = 5, .max_length = 5});
    ag::nn::Transformer model({.source_vocabulary = task->vocabulary_size(),
                               .target_vocabulary = task->vocabulary_size(),
                               .d_model = 32,
                               .heads = 2,
                               .encoder_layers = 1,
                               .decoder_layers = 1,
                               .d_ff = 64,
                               .dropout = 0.1f,
                               .max_length = 8,
                               .seed = seed});
    std::FILE* log = std::tmpfile();
    (void)train(model, *task,
                {.steps = 30, .batch_size = 16, .eval_every = 0, .eval_examples = 4, .seed = seed},
                log);
    std::fclose(log);
    std::vector<float> values;
    for (const ag::Tensor& p : model.parameters()) {
        values.insert(values.end(), p.data(), p.data() + p.numel());
    }
    ag::set_num_threads(2);
    return values;
}
}  // namespace

TEST_CASE("determinism: the same seed and threads train bit-identically", "[demo][determinism]") {
    REQUIRE(train_small(2, 5) == train_small(2, 5));
    REQUIRE(train_small(1, 5) == train_small(1, 5));
    REQUIRE(train_small(2, 5) != train_small(2, 6));
}

TEST_CASE("determinism: 1 and 2 threads agree within 1e-5", "[demo][determinism]") {
    // The documented tolerance. The GEMM partitions work so that each output element sees the
    // same sequence of operations whatever the thread count, so in practice they are equal.
    const std::vector<float> one = train_small(1, 5), two = train_small(2, 5);
    REQUIRE(one.size() == two.size());
    float worst = 0;
    for (size_t i = 0; i < one.size(); ++i) worst = std::max(worst, std::abs(one[i] - two[i]));
    INFO("largest difference " << worst);
    REQUIRE(worst <= 1e-5f);
}

TEST_CASE("a non-finite loss stops training by name and keeps the last checkpoint",
          "[demo][training][anomaly]") {
    const auto task = make_sequence_task("copy", {.min_length = 3, .max_length = 3});
    ag::nn::Transformer model({.source_vocabulary = task->vocabulary_size(),
                               .target_vocabulary = task->vocabulary_size(),
                               .d_model = 8,
                               .heads = 2,
                               .encoder_layers = 1,
                               .decoder_layers = 1,
                               .d_ff = 8});
    const std::string path =
        (std::filesystem::temp_directory_path() / "attograd_nan_checkpoint.safetensors").string();
    std::FILE* log = std::tmpfile();
    (void)train(model, *task,
                {.steps = 2, .eval_every = 0, .eval_examples = 2, .checkpoint_path = path}, log);
    const auto before = std::filesystem::last_write_time(path);
    model.output.bias.data()[0] = std::nanf("");  // poison the model
    REQUIRE_THROWS_WITH(
        train(model, *task,
              {.steps = 4, .eval_every = 0, .eval_examples = 2, .checkpoint_path = path}, log),
        Contains("the loss became nan at step 1") && Contains(path));
    std::fclose(log);
    REQUIRE(std::filesystem::last_write_time(path) == before);
    std::filesystem::remove(path);
}

// demos/reverse.cpp writes the training loop out around a TrainingRun; demo::train() is the
// same loop for the other demos. Run the same settings through both: the checkpoints they
// leave (weights, optimizer state, loss history) must be identical, byte for byte.
TEST_CASE("demos/reverse's own loop trains exactly as demo::train()", "[demo][training]") {
    const std::filesystem::path directory =
        std::filesystem::temp_directory_path() / "attograd_test_reverse_loop";
    std::filesystem::remove_all(directory);
    std::filesystem::create_directories(directory);
    const std::string flags =
        " --steps 6 --eval-every 0 --eval-examples 8 --threads 1 --seed 4"
        " --d-model 32 --d-ff 64 --layers 1 --batch 8";
    const std::string by_reverse = (directory / "reverse").string();
    const std::string command =
        std::string(ATTOGRAD_REVERSE_DEMO) + flags + " --out " + by_reverse + " > /dev/null";
    REQUIRE(std::system(command.c_str()) == 0);

    // The same command line through the shared pieces, and train().
    DemoSettings s;
    const std::string by_train = (directory / "train").string();
    std::vector<std::string> words{"reverse"};
    std::istringstream split(flags + " --out " + by_train);
    for (std::string word; split >> word;) words.push_back(word);
    std::vector<const char*> argv;
    for (const std::string& word : words) argv.push_back(word.c_str());
    const DemoSpec spec{.task = "reverse", .description = "", .steps = 1500, .stop_at = 0.99};
    REQUIRE_FALSE(parse_demo_flags(static_cast<int>(argv.size()), argv.data(), spec, s));
    ag::set_num_threads(1);
    std::filesystem::create_directories(by_train);
    const auto task = make_task(spec, s);
    ag::nn::Transformer model(transformer_config(s, *task));
    std::FILE* log = std::tmpfile();
    const TrainingResult result = train(model, *task, training_options(s), log);
    std::fclose(log);
    REQUIRE(result.steps == 6);

    const auto bytes = [](const std::filesystem::path& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    const std::string a = bytes(std::filesystem::path(by_reverse) / "checkpoint.safetensors");
    const std::string b = bytes(std::filesystem::path(by_train) / "checkpoint.safetensors");
    REQUIRE(a.size() > 1000);
    CHECK(a == b);
    std::filesystem::remove_all(directory);
}
