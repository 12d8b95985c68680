// SPDX-License-Identifier: LGPL-2.1-or-later
// An entry belongs to the account it was made for, not merely to a uid: when an account is
// removed and its uid later given to someone else, the new account must not inherit the old
// one's app passwords. Each entry keeps the account name beside the uid, and is valid only
// while NSS still maps that name to that uid. A failing NSS lookup is an error, never "gone":
// an LDAP outage must not revoke anything.
#pragma once

#include <functional>
#include <vector>

#include "accounts.hh"
#include "apppass/result.hh"
#include "entry.hh"
#include "store.hh"

namespace apppass::daemon {

enum class BindingState {
    Bound,  // the entry's account still has its name and uid
    Gone,   // NSS says definitely: no account has that name, or it has another uid now
};

// Whether ENTRY, found for the login account LOGIN (whose uid is the entry's), still belongs
// to the account it was made for; an error when NSS cannot say.
Result<BindingState> entry_binding(const Entry& entry, const Account& login);

// Whether the account of BINDING is gone: no account has its name any more, or that name has
// another uid now. A binding without a name (entries older than names) is gone when its uid
// has no account.
Result<bool> binding_orphaned(const Binding& binding);

// Gives every entry made before names were kept the name its uid has now; entries of uids
// without an account keep no name (binding_orphaned finds them). Returns how many were named.
Result<unsigned> name_unnamed_entries(Store& store);

// Ends (with END) the entries of every binding whose account is gone; returns those bindings,
// each with how many entries END ended.
Result<std::vector<Binding>> purge_orphans(Store& store,
                                           const std::function<Result<unsigned>(const Binding&)>& end);

}  // namespace apppass::daemon
