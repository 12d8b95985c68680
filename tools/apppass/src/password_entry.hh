// SPDX-License-Identifier: LGPL-2.1-or-later
// One app password as ListPasswords describes it (never the secret), and what CreatePassword
// needs and gives back: the client core's types, under the names the commands use.
#pragma once

#include "apppass/client/manager_client.hh"
#include "apppass/entry_codec.hh"

namespace apppass::cli {

using PasswordEntry = api::EntryRecord;
using CreateRequest = client::CreateRequest;
using CreatedPassword = client::CreatedPassword;

}  // namespace apppass::cli
