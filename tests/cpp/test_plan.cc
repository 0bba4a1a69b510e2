// Student plans: the layer shorthands and every bad value a user can type.
#include <gtest/gtest.h>

#include "student/plan.h"

namespace circulant {
namespace {

TEST(Plan, LayerShorthandsSelectTheRightLayers) {
  EXPECT_EQ(parse_layers("all", 4).value(), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(parse_layers("first:2", 4).value(), (std::vector<int>{0, 1}));
  EXPECT_EQ(parse_layers("last:1", 4).value(), (std::vector<int>{3}));
  EXPECT_EQ(parse_layers("2", 4).value(), (std::vector<int>{2}));
  EXPECT_EQ(parse_layers("3,0,3", 4).value(), (std::vector<int>{0, 3}));
}

TEST(Plan, LayerSpecRoundTripsThroughItsShortestName) {
  for (const char* spec : {"all", "first:2", "last:3", "1", "0,2"})
    EXPECT_EQ(layers_spec(parse_layers(spec, 4).value(), 4), spec);
}

TEST(Plan, BadLayersSayWhatIsAccepted) {
  auto out_of_range = parse_layers("7", 5);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_NE(out_of_range.error().find("layer 7 is out of range"), std::string::npos);
  EXPECT_NE(out_of_range.error().find("0..4"), std::string::npos);
  for (const char* bad : {"first:0", "first:9", "last:x", "-1", "", "1,,2", "one"})
    EXPECT_FALSE(parse_layers(bad, 5).ok()) << bad;
}

TEST(Plan, MatricesAndProjections) {
  EXPECT_EQ(matrix_names(parse_matrices("down,gate").value()), "gate,down");
  EXPECT_EQ(matrix_names(parse_matrices("all").value()), "gate,up,down");
  auto bad = parse_matrices("gate,wq");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("unknown matrix 'wq'"), std::string::npos);
  EXPECT_EQ(parse_projection("loss-aware-sequential").value(), Projection::kLossAwareSequential);
  EXPECT_FALSE(parse_projection("average").ok());
  EXPECT_FALSE(parse_projection("distill").ok());  // a way of making a student, not a projection
}

// --projection names either a projection (the student is made by it alone) or distill (made by
// distillation, starting from plan.projection); the tables spell a plan the same way back.
TEST(Plan, ProjectionFlagNamesTheMethod) {
  StudentPlan plan;
  ASSERT_TRUE(parse_method("loss-aware", plan).ok());
  EXPECT_EQ(plan.method, Method::kProject);
  EXPECT_EQ(plan.projection, Projection::kLossAware);
  EXPECT_EQ(method_name(plan), "loss-aware");
  ASSERT_TRUE(parse_method("distill", plan).ok());
  EXPECT_EQ(plan.method, Method::kDistill);
  EXPECT_EQ(plan.projection, Projection::kLossAware);  // the start, left for --init
  EXPECT_EQ(method_name(plan), "distill");
  Status bad = parse_method("average", plan);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("unknown projection 'average'; choose frobenius, loss-aware, "
                             "loss-aware-sequential or distill"),
            std::string::npos)
      << bad.error();
}

TEST(Plan, BlockSizesArePowersOfTwoUpTo256) {
  for (long b : {1, 2, 4, 64, 256}) EXPECT_TRUE(check_block_size(b).ok()) << b;
  for (long b : {0, 3, 48, 512, -4}) {
    Status s = check_block_size(b);
    ASSERT_FALSE(s.ok()) << b;
    EXPECT_NE(s.error().find("power of two"), std::string::npos);
  }
}

StudentPlan all_layers(int block) {
  StudentPlan p;
  p.layers = {0, 1, 2, 3};
  p.matrices = {MlpMatrix::kGate, MlpMatrix::kUp, MlpMatrix::kDown};
  p.block = block;
  return p;
}

// Every rule of a plan is in check_plan, and each refusal says what is wrong with the plan.
TEST(Plan, OneCheckHoldsEveryRule) {
  EXPECT_TRUE(check_plan(all_layers(16), 4).ok());
  const auto refused = [](StudentPlan p, const std::string& expected) {
    auto r = check_plan(p, 4);
    ASSERT_FALSE(r.ok()) << expected;
    EXPECT_NE(r.error().find(expected), std::string::npos) << r.error();
  };
  StudentPlan p = all_layers(16);
  p.block = 12;
  refused(p, "block size 12 is not a power of two");
  p = all_layers(16), p.layers = {};
  refused(p, "no layers to patch");
  p = all_layers(16), p.layers = {0, 4};
  refused(p, "layer 4 is out of range or out of order");
  p = all_layers(16), p.layers = {2, 1};
  refused(p, "layer 1 is out of range or out of order");
  p = all_layers(16), p.matrices = {MlpMatrix::kUp, MlpMatrix::kGate};
  refused(p, "gate, up, down, each at most once and in that order");
  p = all_layers(16), p.lambda = -1;
  refused(p, "ridge lambda");
  p = all_layers(16), p.structure = Structure::kLowRank, p.projection = Projection::kLossAware;
  refused(p, "a low-rank student with a loss-aware projection");
  p = all_layers(16), p.structure = Structure::kRemoved, p.method = Method::kDistill;
  refused(p, "a removed MLP has no parameters to distill");
  p = all_layers(16), p.method = Method::kDistill, p.distill.steps = 0;
  refused(p, "0 distillation steps, expected 1 to 100000");
  p = all_layers(16), p.method = Method::kDistill, p.distill.batch = 5000;
  refused(p, "batches of 5000 lines");
  p = all_layers(16), p.method = Method::kDistill, p.distill.learning_rate = 0;
  refused(p, "learning rate");
  // Distillation settings are the distill method's: a projected plan ignores them.
  p = all_layers(16), p.distill.steps = 0;
  EXPECT_TRUE(check_plan(p, 4).ok());
  // A checked plan moved to a block size is checked again.
  auto at_16 = check_plan(all_layers(16), 4);
  ASSERT_TRUE(at_16.ok());
  EXPECT_EQ(at_16->with_block(64).value()->block, 64);
  EXPECT_FALSE(at_16->with_block(3).ok());
}

// One key names one student: every field that decides its parameters changes it, and nothing else
// does.
TEST(Plan, TheKeyChangesWithEveryFieldThatMakesAnotherStudent) {
  StudentPlan distill = all_layers(16);
  distill.method = Method::kDistill;
  const std::string key = plan_key(distill);
  std::vector<StudentPlan> others(12, distill);
  others[0].block = 32;
  others[1].layers = {0, 1};
  others[2].matrices = {MlpMatrix::kGate};
  others[3].structure = Structure::kLowRank;
  others[4].projection = Projection::kLossAware;
  others[5].lambda = 0.02;
  others[6].distill.steps = 301;
  others[7].distill.learning_rate = 0.0031;
  others[8].distill.batch = 8;
  others[9].distill.seed = 2;
  others[10].distill.train_norms = true;
  others[11].method = Method::kProject;
  for (size_t i = 0; i < others.size(); ++i) EXPECT_NE(plan_key(others[i]), key) << "field " << i;
  StudentPlan uncached = distill;
  uncached.spectrum_cache = false;  // how it runs, not what it is
  EXPECT_EQ(plan_key(uncached), key);
  StudentPlan projected = all_layers(16), other_steps = all_layers(16);
  other_steps.distill.steps = 5;  // not the projection's to use
  EXPECT_EQ(plan_key(projected), plan_key(other_steps));
}

TEST(Plan, OnlyACirculantPlanAtBlockOneIsTheTeacher) {
  EXPECT_TRUE(is_teacher(all_layers(1)));
  EXPECT_FALSE(is_teacher(all_layers(2)));
  StudentPlan low_rank = all_layers(1);
  low_rank.structure = Structure::kLowRank;
  EXPECT_FALSE(is_teacher(low_rank));
}

}  // namespace
}  // namespace circulant
