// Learning-rate schedules: η as a function of the update step t (0-based).
#pragma once
#include "engine.h"

namespace nnlab {
double schedule_eta(const Schedule& s, long t, long steps_per_epoch);
}
