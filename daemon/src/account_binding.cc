// SPDX-License-Identifier: LGPL-2.1-or-later
#include "account_binding.hh"

namespace apppass::daemon {

Result<BindingState> entry_binding(const Entry& entry, const Account& login) {
    // Entries from before names were kept are named at start-up; one still unnamed belonged
    // to a uid without an account then, and is judged by the uid alone, as it always was.
    if (entry.user_name.empty() || entry.user_name == login.name)
        return BindingState::Bound;
    // Another name for the same uid (an alias in NSS) is fine as long as the entry's own name
    // still maps to the entry's uid.
    auto owner = find_account(entry.user_name, Absence::Definite);
    if (!owner)
        return std::move(owner).error();
    return owner.value().has_value() && owner.value()->uid == entry.uid ? BindingState::Bound : BindingState::Gone;
}

Result<bool> binding_orphaned(const Binding& binding) {
    auto account = binding.user_name.empty() ? find_account(binding.uid, Absence::Definite)
                                             : find_account(binding.user_name, Absence::Definite);
    if (!account)
        return std::move(account).error();
    return !account.value().has_value() || account.value()->uid != binding.uid;
}

Result<unsigned> name_unnamed_entries(Store& store) {
    auto bindings = store.bindings();
    if (!bindings)
        return std::move(bindings).error();
    unsigned named = 0;
    for (const auto& binding : bindings.value()) {
        if (!binding.user_name.empty())
            continue;
        // Naming changes nothing that matters if wrong: a uid without an answer stays unnamed.
        auto account = find_account(binding.uid);
        if (!account)
            return std::move(account).error();
        if (!account.value())
            continue;
        auto n = store.bind_unnamed(binding.uid, account.value()->name);
        if (!n)
            return std::move(n).error();
        named += n.value();
    }
    return named;
}

Result<std::vector<Binding>> purge_orphans(Store& store,
                                           const std::function<Result<unsigned>(const Binding&)>& end) {
    auto bindings = store.bindings();
    if (!bindings)
        return std::move(bindings).error();
    std::vector<Binding> purged;
    for (const auto& binding : bindings.value()) {
        auto orphaned = binding_orphaned(binding);
        if (!orphaned)
            return std::move(orphaned).error();
        if (!orphaned.value())
            continue;
        auto ended = end(binding);
        if (!ended)
            return std::move(ended).error();
        purged.push_back(Binding{binding.uid, binding.user_name, ended.value()});
    }
    return purged;
}

}  // namespace apppass::daemon
