// SPDX-License-Identifier: LGPL-2.1-or-later
// cmocka needs these C headers before its own, and must come after every C++ header
// (its fail() macro clashes with std::basic_ios::fail).
#pragma once
#include <string>
#include <string_view>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}
#include <string>
#include <string_view>

// assert_string_equal for std::string / string_view.
#define assert_text_equal(actual, expected) \
    assert_string_equal(std::string(actual).c_str(), std::string(expected).c_str())
