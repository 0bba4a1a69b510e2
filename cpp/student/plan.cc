// Parsing and naming of student plans; every error says what is accepted.
#include "student/plan.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <utility>

#include "kernels/real_fft.h"

namespace circulant {
namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, sep)) parts.push_back(part);
  return parts;
}

bool parse_nonnegative(const std::string& text, long& value) {
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  value = std::strtol(text.c_str(), nullptr, 10);
  return true;
}

std::vector<int> range(int from, int to) {
  std::vector<int> r;
  for (int i = from; i < to; ++i) r.push_back(i);
  return r;
}

// One table per enum, so the name a user types and the name a table prints cannot drift apart.
constexpr std::pair<Projection, const char*> kProjectionNames[] = {
    {Projection::kFrobenius, "frobenius"},
    {Projection::kLossAware, "loss-aware"},
    {Projection::kLossAwareSequential, "loss-aware-sequential"}};
constexpr const char* kDistillName =
    "distill";  // --projection's one value that is not a projection
constexpr std::pair<Structure, const char*> kStructureNames[] = {
    {Structure::kCirculant, "circulant"},
    {Structure::kLowRank, "low-rank"},
    {Structure::kRemoved, "removed"}};

// `also`: one more accepted name that the caller handles, listed last in the message.
template <class E, size_t N>
Result<E> parse_name(const std::pair<E, const char*> (&names)[N], const std::string& name,
                     const char* what, const char* also = nullptr) {
  std::vector<const char*> accepted;
  for (const auto& [e, text] : names) {
    if (name == text) return e;
    accepted.push_back(text);
  }
  if (also) accepted.push_back(also);
  std::string choices;
  for (size_t i = 0; i < accepted.size(); ++i)
    choices += std::string(i == 0 ? "" : i + 1 == accepted.size() ? " or " : ", ") + accepted[i];
  return Error{"unknown " + std::string(what) + " '" + name + "'; choose " + choices};
}

template <class E, size_t N>
std::string name_of(const std::pair<E, const char*> (&names)[N], E value) {
  for (const auto& [e, name] : names)
    if (e == value) return name;
  return "";
}

}  // namespace

Result<std::vector<int>> parse_layers(const std::string& spec, int n_layers) {
  const std::string accepted =
      "; use all, first:k, last:k, a layer index or a comma list (the model has " +
      std::to_string(n_layers) + " layers, 0.." + std::to_string(n_layers - 1) + ")";
  if (spec == "all") return range(0, n_layers);
  for (const char* prefix : {"first:", "last:"}) {
    if (spec.rfind(prefix, 0) != 0) continue;
    long k = 0;
    if (!parse_nonnegative(spec.substr(std::string(prefix).size()), k) || k < 1 || k > n_layers)
      return Error{"layers '" + spec + "': k must be from 1 to " + std::to_string(n_layers) +
                   accepted};
    return prefix[0] == 'f' ? range(0, int(k)) : range(n_layers - int(k), n_layers);
  }
  std::vector<int> layers;
  for (const std::string& part : split(spec, ',')) {
    long index = 0;
    if (!parse_nonnegative(part, index))
      return Error{"layers '" + spec + "' is not understood" + accepted};
    if (index >= n_layers) return Error{"layer " + part + " is out of range" + accepted};
    layers.push_back(int(index));
  }
  if (layers.empty()) return Error{"no layers given" + accepted};
  std::sort(layers.begin(), layers.end());
  layers.erase(std::unique(layers.begin(), layers.end()), layers.end());
  return layers;
}

Result<std::vector<MlpMatrix>> parse_matrices(const std::string& spec) {
  bool chosen[3] = {false, false, false};
  for (const std::string& name : split(spec == "all" ? "gate,up,down" : spec, ',')) {
    if (name == "gate")
      chosen[0] = true;
    else if (name == "up")
      chosen[1] = true;
    else if (name == "down")
      chosen[2] = true;
    else
      return Error{"unknown matrix '" + name +
                   "'; choose from gate, up, down (comma separated) or all"};
  }
  std::vector<MlpMatrix> matrices;
  for (MlpMatrix m : {MlpMatrix::kGate, MlpMatrix::kUp, MlpMatrix::kDown})
    if (chosen[int(m)]) matrices.push_back(m);
  if (matrices.empty()) return Error{"no matrices given; choose from gate, up, down"};
  return matrices;
}

Result<Projection> parse_projection(const std::string& name) {
  return parse_name(kProjectionNames, name, "projection");
}

Status parse_method(const std::string& name, StudentPlan& plan) {
  if (name == kDistillName) {
    plan.method = Method::kDistill;
    return ok_status();
  }
  auto projection = parse_name(kProjectionNames, name, "projection", kDistillName);
  RETURN_IF_ERROR(projection);
  plan.method = Method::kProject, plan.projection = projection.value();
  return ok_status();
}

Result<Structure> parse_structure(const std::string& name) {
  return parse_name(kStructureNames, name, "structure");
}

Status check_block_size(int64_t block) {
  // The rule itself is the FFT's: the lengths it has plans for.
  if (block < 1 || block > RealFft<float>::kMaxLength ||
      !RealFft<float>::supports_length(int(block)))
    return Error{"block size " + std::to_string(block) +
                 " is not a power of two from 1 to 256 (1, 2, 4, …, 256)"};
  return ok_status();
}

std::string projection_name(Projection p) { return name_of(kProjectionNames, p); }

std::string method_name(const StudentPlan& plan) {
  return plan.method == Method::kDistill ? kDistillName : projection_name(plan.projection);
}

std::string structure_name(Structure s) { return name_of(kStructureNames, s); }

int low_rank_rank(int m, int n, int block) {
  const double rank = double(m) * n / (double(block) * (m + n));
  return std::max(1, std::min({int(std::lround(rank)), m, n}));
}

bool is_loss_aware(Projection p) {
  return p == Projection::kLossAware || p == Projection::kLossAwareSequential;
}

bool is_teacher(const StudentPlan& plan) {
  return plan.block == 1 && plan.structure == Structure::kCirculant;
}

std::string plan_key(const StudentPlan& p) {
  const DistillSettings& d = p.distill;
  std::ostringstream key;
  key.precision(17);  // every double exactly: two plans differing in the last bit are two students
  key << structure_name(p.structure) << '|' << p.block << '|' << matrix_names(p.matrices) << '|'
      << method_name(p) << '|' << projection_name(p.projection) << '|' << p.lambda << '|';
  for (int l : p.layers) key << l << ',';
  if (p.method == Method::kDistill)
    key << '|' << d.steps << '|' << d.learning_rate << '|' << d.batch << '|' << d.seed << '|'
        << d.train_norms;
  return key.str();
}

Result<CheckedPlan> check_plan(StudentPlan plan, int n_layers) {
  Status block = check_block_size(plan.block);
  if (!block.ok()) return Error{block.error()};
  const std::vector<int>& layers = plan.layers;
  if (layers.empty()) return Error{"no layers to patch"};
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i] < 0 || layers[i] >= n_layers || (i > 0 && layers[i] <= layers[i - 1]))
      return Error{"layer " + std::to_string(layers[i]) +
                   " is out of range or out of order: layers rise within 0.." +
                   std::to_string(n_layers - 1)};
  const std::vector<MlpMatrix>& m = plan.matrices;
  if (m.empty()) return Error{"no MLP matrices to patch"};
  for (size_t i = 0; i < m.size(); ++i)
    if (int(m[i]) < 0 || int(m[i]) > 2 || (i > 0 && m[i] <= m[i - 1]))
      return Error{"the MLP matrices must be gate, up, down, each at most once and in that order"};
  if (!(plan.lambda >= 0 && plan.lambda <= 1e12))
    return Error{"ridge lambda " + std::to_string(plan.lambda) + ", expected 0 to 1e12"};
  if (plan.structure == Structure::kLowRank && is_loss_aware(plan.projection))
    return Error{
        "a low-rank student with a loss-aware projection, which fits circulant blocks only; a "
        "low-rank student starts from the truncated SVD (the frobenius projection)"};
  if (plan.structure == Structure::kRemoved && plan.method == Method::kDistill)
    return Error{"a removed MLP has no parameters to distill; a removed MLP is made by projection"};
  if (plan.method == Method::kDistill) {
    const DistillSettings& d = plan.distill;
    if (d.steps < 1 || d.steps > 100000)
      return Error{std::to_string(d.steps) + " distillation steps, expected 1 to 100000"};
    if (d.batch < 1 || d.batch > 4096)
      return Error{"batches of " + std::to_string(d.batch) + " lines, expected 1 to 4096"};
    if (!(d.learning_rate > 0 && d.learning_rate <= 1))
      return Error{"learning rate " + std::to_string(d.learning_rate) +
                   ", expected above 0 and at most 1"};
  }
  return CheckedPlan(std::move(plan), n_layers);
}

Result<CheckedPlan> CheckedPlan::with_block(int block) const {
  StudentPlan p = plan_;
  p.block = block;
  return check_plan(std::move(p), n_layers_);
}

std::string matrix_names(const std::vector<MlpMatrix>& matrices) {
  static const char* names[] = {"gate", "up", "down"};
  std::string out;
  for (MlpMatrix m : matrices) out += (out.empty() ? "" : ",") + std::string(names[int(m)]);
  return out;
}

std::string layers_spec(const std::vector<int>& layers, int n_layers) {
  const int k = int(layers.size());
  if (k == n_layers) return "all";
  if (k > 1 && layers == range(0, k)) return "first:" + std::to_string(k);
  if (k > 1 && layers == range(n_layers - k, n_layers)) return "last:" + std::to_string(k);
  std::string out;
  for (int l : layers) out += (out.empty() ? "" : ",") + std::to_string(l);
  return out;
}

}  // namespace circulant
