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

}  // namespace
}  // namespace circulant
