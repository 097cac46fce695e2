/*
 * lib/version.c - lfgo_version(): the version of the library actually linked.
 */
#include "lfgo/version.h"

int lfgo_version(void)
{
    return LFGO_VERSION_NUMBER;
}
