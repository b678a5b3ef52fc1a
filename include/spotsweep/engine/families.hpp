#pragma once
// The one list of pool families (docs/architecture.md, "Adding a family"). Every command goes
// through it: pool files name a family by Traits::name, kernels and the CPU backend build its
// policy with Traits::make, and the axis tables drive parsing, validation, `simulate`'s
// options, heatmap units and `bench`. Adding a family is one file in families/ and one entry
// below. Device-safe.
#include <cstdint>
#include <type_traits>
#include <utility>

#include "spotsweep/engine/families/chc.hpp"
#include "spotsweep/engine/families/greedy.hpp"
#include "spotsweep/engine/families/on_demand.hpp"
#include "spotsweep/engine/families/only_spot.hpp"
#include "spotsweep/engine/families/pf.hpp"
#include "spotsweep/engine/families/uniform_progress.hpp"

namespace spotsweep {

template <class... Traits>
struct FamilyList {
  static constexpr int32_t size = sizeof...(Traits);
};

// In this order: a family's FamilyId is its position, and `pool info` and `bench --family all`
// list them so.
using Families = FamilyList<OnDemandFamily, GreedyFamily, UniformProgressFamily, PfFamily,
                            ChcFamily, OnlySpotFamily>;

namespace detail {
template <class Wanted, int32_t I, class... Rest>
struct FamilyIndex;
template <class Wanted, int32_t I, class First, class... Rest>
struct FamilyIndex<Wanted, I, First, Rest...> {
  static constexpr int32_t value =
      std::is_same<Wanted, First>::value ? I : FamilyIndex<Wanted, I + 1, Rest...>::value;
};
template <class Wanted, int32_t I>
struct FamilyIndex<Wanted, I> {
  static constexpr int32_t value = -1;
};
template <class Wanted, class List>
struct IndexIn;
template <class Wanted, class... Traits>
struct IndexIn<Wanted, FamilyList<Traits...>> : FamilyIndex<Wanted, 0, Traits...> {};

// visitor(Traits{}) for the family at `index`; the last family for an index past the list
// (callers only hold ids of the list's families).
template <class Visitor, class First, class... Rest>
decltype(auto) visit_at(int32_t index, Visitor&& visitor, FamilyList<First, Rest...>) {
  if constexpr (sizeof...(Rest) == 0) {
    return visitor(First{});
  } else {
    if (index == 0) return visitor(First{});
    return visit_at(index - 1, std::forward<Visitor>(visitor), FamilyList<Rest...>{});
  }
}
template <class Visitor, class... Traits>
void for_each_in(Visitor&& visitor, FamilyList<Traits...>) {
  (visitor(Traits{}), ...);
}
}  // namespace detail

template <class Traits>
constexpr FamilyId family_id = FamilyId{detail::IndexIn<Traits, Families>::value};

// Calls visitor(Traits{}) with the traits of `family`: the one switch every backend shares.
template <class Visitor>
decltype(auto) visit_family(FamilyId family, Visitor&& visitor) {
  return detail::visit_at(static_cast<int32_t>(family), std::forward<Visitor>(visitor), Families{});
}

// Calls visitor(Traits{}) for every family, in list order (host code: tables, options).
template <class Visitor>
void for_each_family(Visitor&& visitor) {
  detail::for_each_in(std::forward<Visitor>(visitor), Families{});
}

}  // namespace spotsweep
