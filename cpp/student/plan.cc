// Parsing and naming of student plans; every error says what is accepted.
#include "student/plan.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

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
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  value = std::strtol(text.c_str(), nullptr, 10);
  return true;
}

std::vector<int> range(int from, int to) {
  std::vector<int> r;
  for (int i = from; i < to; ++i) r.push_back(i);
  return r;
}

}  // namespace

Result<std::vector<int>> parse_layers(const std::string& spec, int n_layers) {
  const std::string accepted = "; use all, first:k, last:k, a layer index or a comma list (the model has " +
                               std::to_string(n_layers) + " layers, 0.." + std::to_string(n_layers - 1) + ")";
  if (spec == "all") return range(0, n_layers);
  for (const char* prefix : {"first:", "last:"}) {
    if (spec.rfind(prefix, 0) != 0) continue;
    long k = 0;
    if (!parse_nonnegative(spec.substr(std::string(prefix).size()), k) || k < 1 || k > n_layers)
      return Error{"layers '" + spec + "': k must be from 1 to " + std::to_string(n_layers) + accepted};
    return prefix[0] == 'f' ? range(0, int(k)) : range(n_layers - int(k), n_layers);
  }
  std::vector<int> layers;
  for (const std::string& part : split(spec, ',')) {
    long index = 0;
    if (!parse_nonnegative(part, index)) return Error{"layers '" + spec + "' is not understood" + accepted};
    if (index >= n_layers)
      return Error{"layer " + part + " is out of range" + accepted};
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
    if (name == "gate") chosen[0] = true;
    else if (name == "up") chosen[1] = true;
    else if (name == "down") chosen[2] = true;
    else return Error{"unknown matrix '" + name + "'; choose from gate, up, down (comma separated) or all"};
  }
  std::vector<MlpMatrix> matrices;
  for (MlpMatrix m : {MlpMatrix::kGate, MlpMatrix::kUp, MlpMatrix::kDown})
    if (chosen[int(m)]) matrices.push_back(m);
  if (matrices.empty()) return Error{"no matrices given; choose from gate, up, down"};
  return matrices;
}

Result<Projection> parse_projection(const std::string& name) {
  if (name == "frobenius") return Projection::kFrobenius;
  if (name == "loss-aware") return Projection::kLossAware;
  if (name == "loss-aware-sequential") return Projection::kLossAwareSequential;
  return Error{"unknown projection '" + name + "'; choose frobenius, loss-aware or loss-aware-sequential"};
}

Status check_block_size(long block) {
  if (block < 1 || block > 256 || (block & (block - 1)) != 0)
    return Error{"block size " + std::to_string(block) + " is not a power of two from 1 to 256 (1, 2, 4, …, 256)"};
  return ok_status();
}

std::string projection_name(Projection p) {
  switch (p) {
    case Projection::kFrobenius: return "frobenius";
    case Projection::kLossAware: return "loss-aware";
    case Projection::kLossAwareSequential: return "loss-aware-sequential";
  }
  return "";
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
