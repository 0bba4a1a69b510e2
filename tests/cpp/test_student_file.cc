// Student files and the file utilities under them (issue 21): a file is replaced whole or not at
// all, a flipped bit is refused by the checksum, every tensor is checked, and a file's impossible
// plan is described in terms of the file, not of flags.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>

#include "student/student.h"
#include "student/student_file.h"
#include "test_util.h"
#include "util/files.h"

namespace circulant {
namespace {

using testing::file_bytes;
using testing::leftover_temporaries;

TEST(Files, AWriteToAFullDeviceSaysThatNoSpaceIsLeft) {
  const int fd = open("/dev/full", O_WRONLY);
  if (fd < 0) GTEST_SKIP() << "/dev/full is absent";
  const std::vector<uint8_t> bytes(100, 7);
  Status written = write_all(fd, bytes.data(), bytes.size(), "out.bin");
  close(fd);
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.error().find("out.bin: cannot write: no space left on the device"),
            std::string::npos)
      << written.error();
}

TEST(Files, AReplacedFileIsWholeAndKeepsNoTemporary) {
  const std::string path = testing::temp_path("replaced.bin");
  testing::write_file(path, std::vector<uint8_t>(5000, 1));
  ASSERT_TRUE(write_file_atomically(path, std::vector<uint8_t>(300, 2)).ok());
  EXPECT_EQ(file_bytes(path), std::vector<uint8_t>(300, 2));
  EXPECT_EQ(leftover_temporaries(path), 0);
  Status device = write_file_atomically("/dev/null", {1, 2, 3});
  ASSERT_FALSE(device.ok());
  EXPECT_NE(device.error().find("not a regular file"), std::string::npos) << device.error();
}

StudentPlan frobenius_at_8() {
  StudentPlan p;
  p.layers = {0, 1};
  p.matrices = {MlpMatrix::kGate, MlpMatrix::kUp, MlpMatrix::kDown};
  p.block = 8;
  return p;
}

// A small teacher and its Frobenius student at B = 8 on every MLP matrix of both layers.
struct SmallStudent {
  std::shared_ptr<const Weights> teacher =
      testing::random_weights(Config{16, 40, 2, 2, 2, 32, 8, true}, 4);
  SavedStudent student = as(frobenius_at_8(), {});
  SmallStudent() {
    student.parameters = project_student(Transformer(teacher), student.plan).value();
  }
  // These parameters under another plan of the same shapes (a file records, it does not verify,
  // how they were made).
  static SavedStudent as(const StudentPlan& plan, StudentParameters parameters) {
    return {testing::checked(plan, 2), std::move(parameters)};
  }
  Result<std::vector<SavedStudent>> parse(const std::vector<uint8_t>& bytes) const {
    return parse_students(bytes.data(), bytes.size(), "s.students", *teacher);
  }
};

// Issue 21, item 5: one flipped bit in a student's values loaded (exit 0, cosine null, KL 3.999).
TEST(StudentFile, AFlippedBitAnywhereIsRefusedByTheChecksum) {
  const SmallStudent s;
  const std::vector<uint8_t> bytes = serialize_students(*s.teacher, {s.student});
  ASSERT_TRUE(s.parse(bytes).ok());
  for (size_t at : {size_t(40), bytes.size() / 2, bytes.size() - 1}) {
    std::vector<uint8_t> flipped = bytes;
    flipped[at] ^= 0x10;
    auto refused = s.parse(flipped);
    ASSERT_FALSE(refused.ok()) << "byte " << at;
    EXPECT_NE(refused.error().find("s.students: the checksum does not match"), std::string::npos)
        << refused.error();
  }
}

// A distilled student keeps its method and its start (the format's projection 3 and init), a
// projected one its projection.
TEST(StudentFile, MethodAndProjectionRoundTrip) {
  const SmallStudent s;
  StudentPlan projected = frobenius_at_8(), distilled = frobenius_at_8();
  projected.projection = Projection::kLossAwareSequential;
  distilled.method = Method::kDistill;
  distilled.projection = Projection::kLossAware;
  auto read = s.parse(serialize_students(
      *s.teacher, {s.as(projected, s.student.parameters), s.as(distilled, s.student.parameters)}));
  ASSERT_TRUE(read.ok()) << read.error();
  EXPECT_EQ(read->at(0).plan->method, Method::kProject);
  EXPECT_EQ(read->at(0).plan->projection, Projection::kLossAwareSequential);
  EXPECT_EQ(read->at(1).plan->method, Method::kDistill);
  EXPECT_EQ(read->at(1).plan->projection, Projection::kLossAware);
}

// Issue 21, item 5: the loader checked the matrix values only; a NaN norm gain made every metric
// NaN.
TEST(StudentFile, EveryTensorIsCheckedForFiniteValues) {
  SmallStudent s;
  StudentPlan plan = frobenius_at_8();
  plan.method = Method::kDistill;
  plan.distill.train_norms = true;
  s.student = s.as(plan, s.student.parameters);
  s.student.parameters.ffn_norms.assign(2, std::vector<float>(16, 1.0f));
  ASSERT_TRUE(s.parse(serialize_students(*s.teacher, {s.student})).ok());
  s.student.parameters.ffn_norms[1][3] = NAN;
  auto refused = s.parse(serialize_students(*s.teacher, {s.student}));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("student 1: layer 1 norm gains hold a value that is not a finite"),
            std::string::npos)
      << refused.error();
  s.student.parameters.ffn_norms[1][3] = 1.0f;
  s.student.parameters.matrices[4][2] = INFINITY;  // layer 1, up
  refused = s.parse(serialize_students(*s.teacher, {s.student}));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("layer 1 up holds a value that is not a finite"),
            std::string::npos)
      << refused.error();
}

// Where the first student's fields lie in a file of SmallStudent's teacher (student_file.h):
// after the preamble (28 bytes), the teacher's 7 dims, its fingerprint and the count.
constexpr size_t kStructureAt = 68, kProjectionAt = 72, kStepsAt = 108;

// A valid file of `student` with one 32-bit field changed: our writer never writes an impossible
// plan, so a file holding one is a corrupt file.
std::vector<uint8_t> with_field(const SmallStudent& s, const SavedStudent& student, size_t at,
                                uint32_t value) {
  std::vector<uint8_t> bytes = serialize_students(*s.teacher, {student});
  std::memcpy(bytes.data() + at, &value, 4);
  reseal_student_file(bytes);
  return bytes;
}

// Issue 21, item 9: a student file's impossible plan was described with the flags that make a plan
// ("--steps must be from 1 to 100000", "--structure removed"), which the user never gave; a model
// of the same dims but another context or head count was described with identical numbers.
TEST(StudentFile, MessagesDescribeTheFileNotFlags) {
  const SmallStudent s;
  const auto refused = [&s](const std::vector<uint8_t>& bytes, const std::string& expected) {
    auto r = s.parse(bytes);
    ASSERT_FALSE(r.ok()) << expected;
    EXPECT_NE(r.error().find(expected), std::string::npos) << r.error();
    EXPECT_NE(r.error().find("(the file is corrupt"), std::string::npos) << r.error();
    EXPECT_EQ(r.error().find("--"), std::string::npos) << "names a flag: " << r.error();
  };
  StudentPlan plan = frobenius_at_8();
  plan.method = Method::kDistill;
  const SavedStudent distilled = s.as(plan, s.student.parameters);
  const std::vector<uint8_t> valid = serialize_students(*s.teacher, {distilled});
  ASSERT_TRUE(s.parse(valid).ok());
  int32_t steps;
  std::memcpy(&steps, valid.data() + kStepsAt, 4);
  ASSERT_EQ(steps, 300) << "the layout moved: update the offsets";
  refused(with_field(s, distilled, kStepsAt, 0),
          "student 1: 0 distillation steps, expected 1 to 100000");
  refused(with_field(s, distilled, kStructureAt, 2),
          "student 1: a removed MLP has no parameters to distill");
  std::vector<uint8_t> low_rank = with_field(s, s.student, kStructureAt, 1);
  std::memcpy(low_rank.data() + kProjectionAt, "\1\0\0\0", 4);  // loss-aware
  reseal_student_file(low_rank);
  refused(low_rank, "student 1: a low-rank student with a loss-aware projection");
  const auto other = testing::random_weights(Config{16, 40, 2, 1, 1, 32, 16, true}, 4);
  const auto bytes = serialize_students(*s.teacher, {s.student});
  auto foreign = parse_students(bytes.data(), bytes.size(), "s.students", *other);
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.error().find("made for another model (its n_heads 2, n_kv_heads 2, seq_len 8; "
                                 "the loaded model's n_heads 1, n_kv_heads 1, seq_len 16)"),
            std::string::npos)
      << foreign.error();
}

}  // namespace
}  // namespace circulant
