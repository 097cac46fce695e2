// main() for every lfgo test executable.  Death tests use the "threadsafe"
// style (re-exec instead of a bare fork) because the tests are multithreaded
// and run under ThreadSanitizer.
#include <gtest/gtest.h>

int main(int argc, char **argv)
{
    testing::InitGoogleTest(&argc, argv);
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    return RUN_ALL_TESTS();
}
