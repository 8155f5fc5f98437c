#ifndef ROOST_CXXHASH_SHIM_H
#define ROOST_CXXHASH_SHIM_H
#include <xxhash.h>
#endif
