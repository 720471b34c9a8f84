// demos/sort.cpp — a Transformer learns to sort digits, on sequences of varying length (5 to
// 12 tokens, padded within a batch). Sorting needs every token compared with every other one,
// which self-attention does in one step; an RNN would have to carry counts through its state.
#include "demos/common/run_demo.h"

int main(int argc, char** argv) {
    return demo::run_transformer_demo(
        argc, argv,
        {.task = "sort",
         .description = "Trains a Transformer to sort sequences of 5 to 12 digits.",
         .steps = 2000,
         .min_length = 5,
         .max_length = 12,
         .stop_at = 0.99});
}
