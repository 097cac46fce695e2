#include <gtest/gtest.h>
#include <lfgo/lfgo.h>
TEST(Smoke, Status) { EXPECT_STREQ(lfgo_status_str(LFGO_OK), "LFGO_OK"); }
