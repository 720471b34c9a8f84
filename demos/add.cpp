// demos/add.cpp — a Transformer learns addition from examples: "47+18" -> "65", numbers of one
// to three digits, digits as tokens. Each output digit depends on two input digits and a carry
// from the digits to its right, which the decoder must work out before writing the leftmost one.
#include "demos/common/run_demo.h"

int main(int argc, char** argv) {
    return demo::run_transformer_demo(
        argc, argv,
        {.task = "add",
         .description = "Trains a Transformer to add two numbers of up to three digits.",
         .steps = 3000,
         .max_digits = 3,
         .stop_at = 0.99});
}
