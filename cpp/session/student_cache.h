// The students a page session can install without building them: those of a student file (the
// page's ready-made distillations) and those distilled earlier in the session, both by plan_key.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "student/plan.h"
#include "student/student.h"
#include "student/student_file.h"

namespace circulant {

class StudentCache {
 public:
  // A file's students were distilled on its own calibration set: they are offered only to a
  // find() that allows them (the page's held-out set). Files add to those held (the page loads
  // the block size on screen first, the rest later); a later file's student of a plan replaces
  // the one held.
  void add_saved(std::vector<SavedStudent> saved);
  const std::vector<SavedStudent>& saved() const { return saved_; }
  // This session's student of `plan` (whose steps are those it holds). An unfinished run keeps
  // one entry, its latest, which the next keep() of another plan replaces; at most kMax entries,
  // since a student may hold megabytes.
  void keep(const StudentPlan& plan, const StudentParameters& parameters, bool unfinished);
  // The parameters of a student made by exactly this plan, or null.
  const StudentParameters* find(const StudentPlan& plan, bool allow_saved) const;
  // A new calibration set makes every distilled student another one.
  void forget_distilled() { distilled_.clear(), unfinished_.clear(); }

  static constexpr size_t kMax = 16;

 private:
  std::vector<SavedStudent> saved_;
  std::map<std::string, StudentParameters> distilled_;  // by plan_key
  std::string unfinished_;                              // the key of a run still under way
};

}  // namespace circulant
