// Learning-rate schedules. Cyclical learning rates follow Smith, "Cyclical Learning Rates for
// Training Neural Networks" (2017), as written in the assignments (mission.md):
//   t ∈ [2ℓn_s, (2ℓ+1)n_s]:     η_t = η_min + (t − 2ℓn_s)/n_s · (η_max − η_min)
//   t ∈ [(2ℓ+1)n_s, 2(ℓ+1)n_s]: η_t = η_max − (t − (2ℓ+1)n_s)/n_s · (η_max − η_min)
// triangular2 halves the amplitude every cycle; exp_range scales it by γ^t.
#include "schedule.h"

#include <cmath>

namespace nnlab {

double schedule_eta(const Schedule& s, long t, long steps_per_epoch) {
  switch (s.kind) {
    case ScheduleKind::Constant:
      return s.eta;
    case ScheduleKind::Step: {
      const double epoch = double(t) / double(steps_per_epoch);
      return s.eta * std::pow(s.factor, std::floor(epoch / s.every_epochs));
    }
    case ScheduleKind::Cyclic: {
      const long ns = s.step_size;
      const long cycle = t / (2 * ns);
      const long x = t - 2 * cycle * ns;
      const double frac = x <= ns ? double(x) / ns : double(2 * ns - x) / ns;
      double amplitude = s.eta_max - s.eta_min;
      if (s.policy == CyclicPolicy::Triangular2) amplitude /= std::pow(2.0, double(cycle));
      if (s.policy == CyclicPolicy::ExpRange) amplitude *= std::pow(s.gamma, double(t));
      return s.eta_min + frac * amplitude;
    }
    case ScheduleKind::LrRange: {
      // The LR range test (Smith 2017, section 3.3): η rises from η_min to η_max over the run.
      const double u = s.total_steps <= 1 ? 0.0 : double(t) / double(s.total_steps - 1);
      return s.exponential ? s.eta_min * std::pow(s.eta_max / s.eta_min, u) : s.eta_min + u * (s.eta_max - s.eta_min);
    }
  }
  return s.eta;
}

}  // namespace nnlab
