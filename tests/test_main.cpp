// SPDX-License-Identifier: GPL-3.0-or-later
// The Catch2 entry point for the unit-test binary; test files register themselves.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
