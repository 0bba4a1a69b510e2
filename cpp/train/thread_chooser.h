// Picks 1 or N threads as the machine's load changes (other jobs share our two cores).
#pragma once

#include <cstdint>

namespace train {

// When another process holds one core, an OpenMP region waits for its slowest thread and two
// threads can run slower than one. So every `period` steps, time a few steps with one thread and a
// few with all, and keep the faster until the next probe. Costs ~2 % when the machine is idle.
class ThreadChooser {
 public:
  explicit ThreadChooser(int max_threads, int period = 100) : max_(max_threads), period_(period) {}

  // Thread count for `step`.
  int threads(int64_t step) const {
    if (max_ <= 1) return 1;
    const int64_t pos = step % period_;
    if (pos < kProbe) return 1;
    if (pos < 2 * kProbe) return max_;
    return chosen_;
  }

  // Seconds the step took; the first step after a switch is left out (thread start-up).
  void record(int64_t step, double seconds) {
    const int64_t pos = step % period_;
    if (pos == 0 || pos == kProbe) return;
    if (pos < kProbe)
      one_ += seconds;
    else if (pos < 2 * kProbe)
      all_ += seconds;
    if (pos == 2 * kProbe - 1) {
      chosen_ = one_ < all_ ? 1 : max_;
      one_ = all_ = 0;
    }
  }

 private:
  static constexpr int kProbe = 4;
  int max_, period_;
  int chosen_ = max_;
  double one_ = 0, all_ = 0;  // summed probe step times
};

}  // namespace train
