// docs/examples/matmul_figures.cpp — the figures of the matmul page (docs/matmul.md): the
// GFLOP/s of each step of the ladder, drawn from the committed results file that `make results`
// measures (the docs build never measures), and a diagram of the blocks of the five loops,
// with the sizes gemm uses by default (ag::kernels::kMeasuredBlocks) and the tile of the
// micro-kernel.
//
//     matmul_figures <directory> <gemm_ladder.csv>
//         writes gemm_ladder.svg, gemm_ladder.txt (where the numbers come from, and the table)
//         and gemm_tiling.svg
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/kernels/gemm_blocking.h"
#include "core/kernels/gemm_microkernel.h"
#include "demos/common/plot.h"

namespace {

// The results file: '#' lines say where the numbers come from, then a header line and rows of
// implementation,m,k,n,gflops (bench/gemm_ladder_results.py writes it).
struct Ladder {
    std::vector<std::string> provenance;       // the '#' lines, without the '#'
    std::vector<std::string> implementations;  // in file order
    std::vector<int64_t> sizes;                // square sizes, ascending
    std::map<std::pair<std::string, int64_t>, double> gflops;
};

Ladder read_ladder(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("matmul_figures: cannot read " + path);
    Ladder ladder;
    std::string line;
    bool header_seen = false;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        if (line[0] == '#') {
            ladder.provenance.push_back(line.substr(line.size() > 1 && line[1] == ' ' ? 2 : 1));
            continue;
        }
        if (!header_seen) {  // implementation,m,k,n,gflops
            header_seen = true;
            continue;
        }
        std::istringstream fields(line);
        std::string implementation, m, k, n, value;
        if (!std::getline(fields, implementation, ',') || !std::getline(fields, m, ',') ||
            !std::getline(fields, k, ',') || !std::getline(fields, n, ',') ||
            !std::getline(fields, value) || m != k || k != n) {
            throw std::runtime_error("matmul_figures: " + path +
                                     ": not a square ladder row: " + line);
        }
        const int64_t size = std::stoll(m);
        if (ladder.gflops.empty() || ladder.implementations.back() != implementation) {
            ladder.implementations.push_back(implementation);
        }
        bool known = false;
        for (int64_t s : ladder.sizes) known = known || s == size;
        if (!known) ladder.sizes.push_back(size);
        ladder.gflops[{implementation, size}] = std::stod(value);
    }
    std::sort(ladder.sizes.begin(), ladder.sizes.end());
    if (ladder.gflops.empty()) throw std::runtime_error("matmul_figures: no rows in " + path);
    return ladder;
}

// The bar chart: one group per step, one bar per size; a step not run at a size draws no bar.
void draw_ladder(const Ladder& ladder, const std::string& directory) {
    std::vector<demo::BarSeries> series;
    for (int64_t size : ladder.sizes) {
        demo::BarSeries bars{std::to_string(size) + "^3", {}};
        for (const std::string& implementation : ladder.implementations) {
            const auto found = ladder.gflops.find({implementation, size});
            bars.values.push_back(found == ladder.gflops.end() ? std::nan("") : found->second);
        }
        series.push_back(bars);
    }
    // Short names under the bars (a slot is 600 / 7 px): "gemm avx2" for attograd_avx2.
    std::vector<std::string> labels;
    for (const std::string& implementation : ladder.implementations) {
        const std::string prefix = "attograd_";
        labels.push_back(implementation.rfind(prefix, 0) == 0
                             ? "gemm " + implementation.substr(prefix.size())
                         : implementation == "loop_reordered" ? "reordered"
                                                              : implementation);
    }
    demo::write_text_file(directory + "/gemm_ladder.svg",
                          demo::bar_chart_svg("The ladder, one thread: GFLOP/s of each step",
                                              "step of the ladder, then gemm on each backend",
                                              "GFLOP/s", labels, series));

    std::string text;
    for (const std::string& line : ladder.provenance) text += line + "\n";
    text += "\nGFLOP/s      ";
    for (int64_t size : ladder.sizes) {
        char cell[32];
        std::snprintf(cell, sizeof cell, "%8s", (std::to_string(size) + "^3").c_str());
        text += cell;
    }
    text += "\n";
    for (const std::string& implementation : ladder.implementations) {
        char name[32];
        std::snprintf(name, sizeof name, "%-16s", implementation.c_str());
        text += name;
        for (int64_t size : ladder.sizes) {
            const auto found = ladder.gflops.find({implementation, size});
            char cell[32];
            if (found == ladder.gflops.end()) {
                std::snprintf(cell, sizeof cell, "%8s", "-");
            } else {
                std::snprintf(cell, sizeof cell, "%8.1f", found->second);
            }
            text += cell;
        }
        text += "\n";
    }
    demo::write_text_file(directory + "/gemm_ladder.txt", text);
}

// The micro-kernel the diagram shows: the one step 4 of the page teaches on this architecture.
const ag::kernels::MicroKernel& shown_kernel() {
#if defined(__x86_64__)
    return ag::kernels::avx2_microkernel();  // only its shape is read: no AVX2 runs
#elif defined(__aarch64__)
    return ag::kernels::neon_microkernel();
#else
    return ag::kernels::scalar_microkernel();
#endif
}

// A labelled block: a filled rectangle, and a caption joined to it by a thin line.
void block(std::string& svg, double x, double y, double w, double h, size_t colour, double label_x,
           double label_y, const std::string& label, const std::string& anchor) {
    demo::svg::rect(svg, x, y, w, h,
                    std::string("fill=\"") + demo::svg::colour(colour) +
                        "\" fill-opacity=\"0.45\" stroke=\"#333333\" stroke-width=\"1\"");
    demo::svg::line(svg, x + w / 2, y + h / 2, label_x, label_y - 4, "#555555", 0.8);
    demo::svg::text(svg, label_x, label_y, label, 12, "text-anchor=\"" + anchor + "\"");
}

// The blocks of one iteration of the five loops, as BLIS draws them: A at the left, B on top,
// C where their rows and columns meet. Not to scale: the sizes are written on them.
void draw_tiling(const std::string& directory) {
    const ag::kernels::MicroKernel& kernel = shown_kernel();
    const ag::kernels::GemmBlocks b = ag::kernels::kMeasuredBlocks;  // gemm's default, every tile
    const std::string mr = std::to_string(kernel.mr), nr = std::to_string(kernel.nr);
    std::string svg;
    const double width = 980, height = 640;
    demo::svg::open(svg, width, height, "The blocks of the five loops");
    demo::svg::text(svg, width / 2, 24,
                    "One pass of the five loops: MC = " + std::to_string(b.mc) +
                        ", KC = " + std::to_string(b.kc) + ", NC = " + std::to_string(b.nc) +
                        ", tile " + mr + " x " + nr + " (" + kernel.name + ")",
                    15, "text-anchor=\"middle\" font-weight=\"bold\"");
    // The three matrices: A is M x K, B is K x N, C is M x N (K drawn 200 px, M 240, N 400).
    const double ax = 280, ay = 300, bx = 520, by = 60, k = 200, m = 240, n = 400;
    const auto outline = [&](double x, double y, double w, double h, const std::string& name) {
        demo::svg::rect(svg, x, y, w, h,
                        "fill=\"#f4f4f4\" stroke=\"#333333\" stroke-width=\"1.5\"");
        demo::svg::text(svg, x + w / 2, y + h + 18, name, 13, "text-anchor=\"middle\"");
    };
    outline(ax, ay, k, m, "A (M x K)");
    outline(bx, by, n, k, "B (K x N)");
    outline(bx, ay, n, m, "C (M x N)");
    // Loop 1 takes NC columns, loop 2 KC rows of B: the panel packed once and shared.
    const double pc = 60, kc = 80, nc = 260, ic = 70, mc = 96, jr = 60, nr_w = 20, mr_h = 16;
    block(svg, bx, by + pc, nc, kc, 0, ax + k, by + pc + 30,
          "loops 1, 2: KC x NC of B, packed (L3)", "end");
    block(svg, ax + pc, ay + ic, kc, mc, 1, ax - 10, ay + ic - 20,
          "loop 3: MC x KC of A, packed (L2)", "end");
    block(svg, bx, ay + ic, nc, mc, 2, bx + nc + 10, ay + ic + mc / 2 + 4, "MC x NC of C", "start");
    // Loops 4 and 5 inside the blocks: one sliver of B, one micro-panel of A, one tile of C.
    block(svg, bx + jr, by + pc, nr_w, kc, 3, bx + jr + 10, by + pc - 12,
          "loop 4: KC x NR sliver of B (L1)", "middle");
    block(svg, ax + pc, ay + ic + 2 * mr_h, kc, mr_h, 4, ax - 10, ay + ic + mc + 40,
          "loop 5: MR x KC micro-panel of A", "end");
    block(svg, bx + jr, ay + ic + 2 * mr_h, nr_w, mr_h, 5, bx + jr + 90, ay + m + 50,
          "the micro-kernel: MR x NR tile of C, in registers, for KC steps of k", "middle");
    demo::svg::text(svg, 20, height - 16,
                    "Not to scale. Each step of k: the tile += (column of the A micro-panel) x "
                    "(row of the B sliver), an outer product of MR by NR.",
                    12, "");
    svg += "</svg>\n";
    demo::write_text_file(directory + "/gemm_tiling.svg", svg);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: matmul_figures <directory> <gemm_ladder.csv>\n");
        return 2;
    }
    try {
        draw_ladder(read_ladder(argv[2]), argv[1]);
        draw_tiling(argv[1]);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "%s\n", error.what());
        return 1;
    }
    return 0;
}
