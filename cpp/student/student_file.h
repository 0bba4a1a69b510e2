// Student files: distilled (or projected) students saved beside their teacher, small and
// versioned, checked on load like a checkpoint. One file may hold several students of one
// teacher (the page's precomputed sweep holds one per block size).
//
// Layout (little-endian):
//   "CIRCSTUD" (8 bytes), uint32 version (2)
//   uint64 body bytes, uint64 checksum (FNV-1a 64 of the body): a flipped bit is refused
//   body:
//   int32 dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len   the teacher's
//   uint64 fingerprint (FNV-1a 64 of the teacher's weights)                     model_fingerprint
//   uint32 count (1..256), then per student:
//     uint32 structure (0 circulant, 1 low-rank, 2 removed), projection (0 frobenius,
//       1 loss-aware, 2 loss-aware-sequential, 3 distill), init (0..2: the projection a
//       distillation starts from; 0 when projection is not 3)
//     int32 block, uint32 layer count L, int32 layers[L], uint32 matrix bits (1 gate, 2 up, 4 down)
//     float64 lambda, int32 steps, float64 learning rate, int32 batch, uint64 seed,
//     uint32 train_norms (0/1), uint32 value type (0 float32, 1 float16)
//     values: each matrix of the plan in order (sizes follow from the plan, student.h), then
//     L·dim norm gains when train_norms
// Version 1 was the body alone after the version, without length and checksum; it is refused
// (the shipped students of the time were rewritten as version 2 from their own body, bit for bit).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/checkpoint.h"
#include "student/plan.h"
#include "student/student.h"

namespace circulant {

struct SavedStudent {
  CheckedPlan plan;  // only a plan that can be built is written or read
  StudentParameters parameters;
};

// FNV-1a 64 over the bytes of every weight: a student only loads onto the teacher it was made from.
uint64_t model_fingerprint(const Weights& weights);

// float16 halves the file at a relative rounding error of 2⁻¹¹ per value (the page's download).
std::vector<uint8_t> serialize_students(const Weights& teacher,
                                        const std::vector<SavedStudent>& students,
                                        bool float16 = false);
// `name` is used in messages. The exact length and the checksum are checked first, then every
// header value before any allocation, then every value (finite); a file for another model or with
// an impossible plan is refused with the reason.
// `fingerprint`: the teacher's model_fingerprint where the caller keeps it (a pass over every
// weight, which the page's one file a block size would otherwise repeat seven times).
Result<std::vector<SavedStudent>> parse_students(const uint8_t* bytes, size_t size,
                                                 const std::string& name, const Weights& teacher,
                                                 std::optional<uint64_t> fingerprint = {});
// A student file, or a folder of them: every *.students file in it, the students in block-size
// order (the shipped models/distilled/ holds one file a block size, so that the page fetches the
// one on screen first); two students of one plan in a folder are refused, naming both files.
Result<std::vector<SavedStudent>> load_students(const std::string& path, const Weights& teacher);
// Recomputes the body length and checksum of a student file's bytes in place, for tests and the
// fuzzer, which change files on purpose; bytes too short to hold them are left as they are.
void reseal_student_file(std::vector<uint8_t>& bytes);
// Replaces `path` whole or not at all (write_file_atomically): on failure an older file is kept.
Status save_students(const std::string& path, const Weights& teacher,
                     const std::vector<SavedStudent>& students, bool float16 = false);

}  // namespace circulant
