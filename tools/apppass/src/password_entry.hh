// SPDX-License-Identifier: LGPL-2.1-or-later
// One app password as ListPasswords describes it (never the secret), and what CreatePassword
// needs and gives back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "apppass/secret_string.hh"

namespace apppass::cli {

struct PasswordEntry {
    std::string id;
    std::string name;
    std::uint64_t created_us = 0;
    std::uint64_t last_used_us = 0;  // 0 = never
    std::string last_service;
    std::string last_remote_host;
    std::uint64_t expires_us = 0;    // 0 = never
    std::vector<std::string> services;  // empty = every service
    std::vector<std::string> networks;  // empty = any host
};

struct CreateRequest {
    std::string name;
    std::vector<std::string> services;
    std::vector<std::string> networks;
    std::uint64_t expires_us = 0;  // 0 = never
};

struct CreatedPassword {
    std::string id;
    SecretString password;  // 24 letters, no separators, as the daemon sent it
};

}  // namespace apppass::cli
