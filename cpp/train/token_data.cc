// Loading id files and cutting them into training windows.
#include "token_data.h"

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace train {

std::vector<int32_t> load_id_stream(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open (run cpp/train/pipeline.sh to make it)");
  std::vector<int32_t> stream;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    stream.push_back(1);  // BOS
    std::istringstream ids(line);
    for (int32_t id; ids >> id;) stream.push_back(id);
  }
  return stream;
}

torch::Tensor random_batch(const std::vector<int32_t>& stream, int batch, int seq_len,
                           uint64_t seed, int64_t step) {
  const int64_t window = seq_len + 1;
  if (int64_t(stream.size()) <= window)
    throw std::runtime_error("token stream shorter than a window");
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + uint64_t(step));
  std::uniform_int_distribution<int64_t> offset(0, int64_t(stream.size()) - window);
  auto out = torch::empty({batch, window}, torch::kInt64);
  auto acc = out.accessor<int64_t, 2>();
  for (int b = 0; b < batch; b++) {
    const int64_t start = offset(rng);
    for (int64_t t = 0; t < window; t++) acc[b][t] = stream[start + t];
  }
  return out;
}

torch::Tensor sequential_windows(const std::vector<int32_t>& stream, int seq_len) {
  const int64_t n = (int64_t(stream.size()) - 1) / seq_len;
  auto out = torch::empty({n, seq_len + 1}, torch::kInt64);
  auto acc = out.accessor<int64_t, 2>();
  for (int64_t w = 0; w < n; w++) {
    for (int64_t t = 0; t <= seq_len; t++) acc[w][t] = stream[w * seq_len + t];
  }
  return out;
}

}  // namespace train
