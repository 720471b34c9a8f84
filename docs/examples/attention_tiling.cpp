// docs/examples/attention_tiling.cpp — the tiling diagram of the fast-attention page
// (docs/fast_attention.md): the [Tq, Tk] scores of causal self-attention cut into tiles of
// ag::kernels::kAttentionTile, the tiles one query tile visits (left to right, keeping its
// running maximum, sum and output), the diagonal tiles that are masked inside, and the tiles
// above the diagonal that the causal path never computes. The tile size and which tiles are
// visited come from the kernel's own header (MaskedKeys::key_end), not from this file.
//
//     attention_tiling <directory>     writes attention_tiling.svg
#include <cstdio>
#include <stdexcept>
#include <string>

#include "core/kernels/flash_attention.h"
#include "demos/common/plot.h"

namespace {

constexpr int64_t kTiles = 5;                                      // tiles per side
constexpr int64_t kLength = kTiles * ag::kernels::kAttentionTile;  // T = Tq = Tk
constexpr int64_t kShownRow = 3;  // the query tile whose pass is highlighted

void draw(const std::string& directory) {
    namespace svg = demo::svg;
    ag::kernels::MaskedKeys causal;
    causal.causal = true;
    const double cell = 64, gx = 170, gy = 150, dh = 56;  // one tile is drawn 64 px
    const double width = 940, height = 640;
    std::string out;
    svg::open(out, width, height, "Causal attention, tile by tile");
    const std::string tile = std::to_string(ag::kernels::kAttentionTile);
    svg::text(out, width / 2, 26,
              "Causal self-attention, T = " + std::to_string(kLength) + ", in tiles of " + tile +
                  " x " + tile + " scores",
              15, "text-anchor=\"middle\" font-weight=\"bold\"");
    const auto box = [&](double x, double y, double w, double h, const std::string& fill) {
        svg::rect(out, x, y, w, h, "fill=\"" + fill + "\" stroke=\"#333333\" stroke-width=\"1\"");
    };
    // Q at the left (Tq x Dh) and K^T on top (Dh x Tk), one box per tile.
    for (int64_t t = 0; t < kTiles; ++t) {
        box(gx - dh - 16, gy + cell * t, dh, cell, t == kShownRow ? svg::colour(0) : "#f4f4f4");
    }
    svg::text(out, gx - dh / 2 - 16, gy + cell * kTiles + 20, "Q", 13, "text-anchor=\"middle\"");
    const int64_t visited = causal.key_end((kShownRow + 1) * ag::kernels::kAttentionTile, kLength) /
                            ag::kernels::kAttentionTile;
    for (int64_t t = 0; t < kTiles; ++t) {
        box(gx + cell * t, gy - dh - 16, cell, dh, t < visited ? svg::colour(1) : "#f4f4f4");
    }
    svg::text(out, gx + cell * kTiles + 18, gy - dh / 2 - 12, "K^T", 13, "");
    // The scores: a tile is computed when its first key is at or before the tile's last query.
    for (int64_t i = 0; i < kTiles; ++i) {
        const int64_t keys = causal.key_end((i + 1) * ag::kernels::kAttentionTile, kLength) /
                             ag::kernels::kAttentionTile;
        for (int64_t j = 0; j < kTiles; ++j) {
            const double x = gx + cell * j, y = gy + cell * i;
            if (j >= keys) {  // skipped: every key after every query of the tile
                box(x, y, cell, cell, "#ffffff");
                svg::text(out, x + cell / 2, y + cell / 2 + 4, "skipped", 10,
                          "text-anchor=\"middle\" fill=\"#999999\"");
                continue;
            }
            const std::string fill = i == kShownRow ? svg::colour(2) : "#dddddd";
            if (j < i) {
                box(x, y, cell, cell, fill);
                continue;
            }
            // A diagonal tile: computed whole, the keys after each query masked (upper part).
            box(x, y, cell, cell, "#ffffff");
            out += "<polygon points=\"" + svg::px(x) + "," + svg::px(y) + " " + svg::px(x) + "," +
                   svg::px(y + cell) + " " + svg::px(x + cell) + "," + svg::px(y + cell) +
                   "\" fill=\"" + fill + "\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
        }
    }
    svg::text(out, gx + cell * kTiles / 2, gy + cell * kTiles + 20, "scores S, [Tq, Tk]", 13,
              "text-anchor=\"middle\"");
    // The pass of the highlighted query tile, and what it keeps.
    const double row_y = gy + cell * kShownRow + cell / 2;
    svg::line(out, gx + 6, row_y, gx + cell * visited - 10, row_y, "#000000", 2);
    svg::text(out, gx + cell * visited - 8, row_y + 5, "\u25B6", 14, "");
    const double nx = gx + cell * kTiles + 24;
    const char* notes[] = {
        "One query tile, one pass over its key tiles, left to right.",
        "Each query row keeps a running maximum m, a running sum l",
        "and an unnormalised output o (Dh numbers), re-based whenever",
        "m grows: the online softmax. Scratch: one tile of scores.",
    };
    for (size_t n = 0; n < 4; ++n) svg::text(out, nx, row_y - 24 + 16 * n, notes[n], 11, "");
    // A legend for the kinds of tiles.
    const double ly = gy + cell * kTiles + 50;
    const struct {
        const char* fill;
        const char* text;
    } legend[] = {
        {"#dddddd", "computed: every key before every query"},
        {"#ffffff", "diagonal: computed, the keys after each query masked (upper triangle)"},
        {"#ffffff", "skipped by the causal path: never computed, never stored"},
    };
    for (size_t n = 0; n < 3; ++n) {
        const double y = ly + 22 * n;
        box(20, y, 16, 16, legend[n].fill);
        if (n == 1) {
            out += "<polygon points=\"20," + svg::px(y) + " 20," + svg::px(y + 16) + " 36," +
                   svg::px(y + 16) + "\" fill=\"#dddddd\" stroke=\"#333333\"/>\n";
        }
        svg::text(out, 44, y + 13, legend[n].text, 12, "");
    }
    svg::text(out, 20, ly + 22 * 3 + 10,
              "The plain path holds all " + std::to_string(kTiles * kTiles) +
                  " tiles, masked ones included, for each head; the fused kernel one tile per "
                  "thread.",
              12, "");
    out += "</svg>\n";
    demo::write_text_file(directory + "/attention_tiling.svg", out);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: attention_tiling <directory>\n");
        return 2;
    }
    try {
        draw(argv[1]);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "%s\n", error.what());
        return 1;
    }
    return 0;
}
