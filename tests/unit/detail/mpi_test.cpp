// How work is split across MPI ranks (docs/mpi.md): members by whole blocks, OPT's jobs by their
// estimated cost. Every range is contiguous, the ranges cover every item once in rank order, and
// a cost-weighted split is as even as whole items allow. Pure arithmetic: no MPI is started.
#include "spotsweep/detail/mpi.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "spotsweep/detail/error.hpp"

namespace spotsweep {
namespace {

// The ranges of every rank, checked to tile [0, n) in rank order.
std::vector<mpi::MemberRange> tile(const std::vector<double>& cost, int ranks) {
  std::vector<mpi::MemberRange> ranges;
  int64_t next = 0;
  for (int r = 0; r < ranks; ++r) {
    ranges.push_back(mpi::weighted_range(cost, r, ranks));
    EXPECT_EQ(ranges.back().begin, next) << "rank " << r << " of " << ranks;
    EXPECT_LE(ranges.back().begin, ranges.back().end) << "rank " << r << " of " << ranks;
    next = ranges.back().end;
  }
  EXPECT_EQ(next, static_cast<int64_t>(cost.size())) << ranks << " ranks";
  return ranges;
}

double cost_of(const std::vector<double>& cost, const mpi::MemberRange& range) {
  return std::accumulate(cost.begin() + range.begin, cost.begin() + range.end, 0.0);
}

TEST(WeightedRange, TilesTheItemsInOrderForEveryRankCount) {
  std::vector<double> cost;
  for (int i = 0; i < 37; ++i)
    cost.push_back(1.0 + (i * 7919) % 13);  // uneven costs
  for (int ranks = 1; ranks <= 50; ++ranks)
    tile(cost, ranks);
  for (size_t n : {size_t(0), size_t(1), size_t(2), size_t(5)})
    for (int ranks = 1; ranks <= 8; ++ranks)
      tile(std::vector<double>(n, 2.5), ranks);
}

TEST(WeightedRange, EachRanksCostIsWithinOneItemOfAnEvenShare) {
  std::vector<double> cost;
  for (int i = 0; i < 200; ++i)
    cost.push_back(1.0 + (i * 104729) % 97);
  const double total = std::accumulate(cost.begin(), cost.end(), 0.0);
  const double largest = *std::max_element(cost.begin(), cost.end());
  for (int ranks : {2, 3, 7, 8, 16}) {
    const std::vector<mpi::MemberRange> ranges = tile(cost, ranks);
    for (int r = 0; r < ranks; ++r)
      EXPECT_NEAR(cost_of(cost, ranges[r]), total / ranks, largest)
          << "rank " << r << " of " << ranks;
  }
}

TEST(WeightedRange, FollowsTheCostNotTheCount) {
  // One costly job first, then many cheap ones: the first rank takes the costly one alone.
  std::vector<double> cost(11, 1.0);
  cost[0] = 10.0;
  const std::vector<mpi::MemberRange> ranges = tile(cost, 2);
  EXPECT_EQ(ranges[0].end, 1);
  EXPECT_EQ(ranges[1].count(), 10);
  // A cost rising along the items: the later ranks hold fewer of them.
  std::vector<double> rising;
  for (int i = 1; i <= 40; ++i)
    rising.push_back(i);
  const std::vector<mpi::MemberRange> four = tile(rising, 4);
  for (int r = 1; r < 4; ++r)
    EXPECT_LT(four[r].count(), four[r - 1].count()) << r;
}

TEST(WeightedRange, ZeroCostsAreDealtOutByCountAndMoreRanksThanItemsLeaveSomeEmpty) {
  const std::vector<mpi::MemberRange> even = tile(std::vector<double>(9, 0.0), 3);
  for (const mpi::MemberRange& r : even)
    EXPECT_EQ(r.count(), 3);
  const std::vector<mpi::MemberRange> sparse = tile(std::vector<double>(3, 1.0), 8);
  int64_t empty = 0;
  for (const mpi::MemberRange& r : sparse) {
    EXPECT_LE(r.count(), 1);
    empty += r.count() == 0;
  }
  EXPECT_EQ(empty, 5);
}

TEST(WeightedRange, RefusesANegativeCostOrAnotherRanksIndex) {
  EXPECT_THROW(mpi::weighted_range({1.0, -1.0}, 0, 2), LogicError);
  EXPECT_THROW(mpi::weighted_range({1.0, 1.0}, 2, 2), LogicError);
}

TEST(BlockRange, DealsWholeBlocksInOrder) {
  const int64_t block = mpi::member_block();
  for (int64_t members : {int64_t(0), int64_t(1), block, 5 * block + 3}) {
    int64_t next = 0;
    for (int r = 0; r < 3; ++r) {
      const mpi::MemberRange range = mpi::block_range(members, r, 3);
      EXPECT_EQ(range.begin, next);
      EXPECT_TRUE(range.begin % block == 0 || range.begin == members);
      next = range.end;
    }
    EXPECT_EQ(next, members);
  }
}

}  // namespace
}  // namespace spotsweep
