// The typed-test suite list of the channel tests: every TYPED_TEST_SUITE over
// channels runs on lfgo and on the twin, named by the implementation.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "chan_impl.hpp"

namespace lfgo_test {

using ChanImpls = ::testing::Types<LfgoChan, TwinChan>;

struct ImplNames {
    template <class T> static std::string GetName(int) { return T::name; }
};

} // namespace lfgo_test
