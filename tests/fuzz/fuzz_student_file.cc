// libFuzzer: student files against one small teacher. Parsing never crashes or over-allocates; a
// file that parses assembles into a student that runs one forward step.
#include <cstdint>
#include <random>
#include <vector>

#include "model/checkpoint.h"
#include "model/transformer.h"
#include "student/student_file.h"

namespace {

const circulant::Transformer& teacher() {
  static const circulant::Transformer model = [] {
    const circulant::Config c{16, 40, 2, 2, 2, 32, 8, true};
    const circulant::ParameterCounts p = circulant::count_parameters(c);
    std::vector<float> payload(p.embedding + c.n_layers * p.per_layer() + c.dim);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    for (float& v : payload) v = u(rng);
    const auto bytes = circulant::serialize_legacy_checkpoint(c, payload);
    return circulant::Transformer(
        circulant::parse_checkpoint(circulant::ModelBytes::copy_of(bytes.data(), bytes.size()),
                                    "teacher")
            .value());
  }();
  return model;
}

}  // namespace

// Parses the bytes as they are, then with their length and checksum made right: a mutation almost
// never keeps the checksum, and the parser behind it must be fuzzed too.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const circulant::Transformer& t = teacher();
  (void)circulant::parse_students(data, size, "fuzz.students", t.weights());
  std::vector<uint8_t> sealed(data, data + size);
  circulant::reseal_student_file(sealed);
  auto students =
      circulant::parse_students(sealed.data(), sealed.size(), "fuzz.students", t.weights());
  if (!students.ok()) return 0;
  for (const circulant::SavedStudent& s : students.value()) {
    auto student = circulant::assemble_student(t, s.plan, s.parameters);
    if (!student.ok()) continue;
    circulant::RunState state(t.config());
    const int tokens[3] = {1, 5, 9};
    circulant::forward(student.value(), state, tokens, 3);
  }
  return 0;
}
