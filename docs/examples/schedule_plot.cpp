// docs/examples/schedule_plot.cpp — the figure of tutorial page 11: the learning rate per step
// of the two warmup schedules, with the settings the demos use (peak 1e-3, warmup 100 steps,
// 1500 steps).
//
//     schedule_plot <directory>     writes schedules.svg there
#include <string>
#include <vector>

#include "demos/common/plot.h"
#include "optim/schedule.h"

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    //! [schedules]
    const ag::optim::WarmupInverseSqrtSchedule paper(1e-3f, /*warmup=*/100);
    const ag::optim::WarmupCosineSchedule demos(1e-3f, /*warmup=*/100, /*total=*/1500,
                                                /*minimum=*/1e-4f);
    //! [schedules]
    demo::Series inverse_sqrt{"warmup + inverse sqrt (the paper)", {}, {}};
    demo::Series cosine{"warmup + cosine (the demos)", {}, {}};
    for (int64_t step = 1; step <= 1500; ++step) {
        inverse_sqrt.x.push_back(static_cast<double>(step));
        inverse_sqrt.y.push_back(paper.rate(step));
        cosine.x.push_back(static_cast<double>(step));
        cosine.y.push_back(demos.rate(step));
    }
    demo::write_text_file(std::string(argv[1]) + "/schedules.svg",
                          demo::line_chart_svg("learning-rate schedules", "step", "learning rate",
                                               {inverse_sqrt, cosine}));
    return 0;
}
