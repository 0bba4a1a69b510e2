#include "session/student_cache.h"

#include <algorithm>

namespace circulant {

void StudentCache::keep(const StudentPlan& plan, const StudentParameters& parameters,
                        bool unfinished) {
  const std::string key = plan_key(plan);
  if (!unfinished_.empty() && unfinished_ != key) distilled_.erase(unfinished_);
  if (distilled_.size() >= kMax) distilled_.clear();
  distilled_[key] = parameters;
  unfinished_ = unfinished ? key : "";
}

void StudentCache::add_saved(std::vector<SavedStudent> saved) {
  for (SavedStudent& s : saved) {
    auto same = std::find_if(saved_.begin(), saved_.end(), [&](const SavedStudent& held) {
      return plan_key(*held.plan) == plan_key(*s.plan);
    });
    if (same != saved_.end())
      *same = std::move(s);
    else
      saved_.push_back(std::move(s));
  }
}

const StudentParameters* StudentCache::find(const StudentPlan& plan, bool allow_saved) const {
  const std::string key = plan_key(plan);
  auto done = distilled_.find(key);
  if (done != distilled_.end()) return &done->second;
  if (!allow_saved) return nullptr;
  for (const SavedStudent& s : saved_)
    if (plan_key(*s.plan) == key) return &s.parameters;
  return nullptr;
}

}  // namespace circulant
