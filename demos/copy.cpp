// demos/copy.cpp — a Transformer learns to copy a sequence: the Annotated Transformer's "first
// example". Output token t is source token t, so cross-attention should light up the diagonal.
#include "demos/common/run_demo.h"

int main(int argc, char** argv) {
    return demo::run_transformer_demo(
        argc, argv,
        {.task = "copy",
         .description = "Trains a Transformer to copy sequences of digits.",
         .steps = 1500,
         .stop_at = 0.99});
}
