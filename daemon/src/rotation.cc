// SPDX-License-Identifier: LGPL-2.1-or-later
// Renaming an entry, and rotating its secret: the entry (id, name, restrictions, expiry) stays,
// the secret is new, and the old secret keeps working until the new one is first used or
// rotate_grace passes, whichever comes first, so a device can be switched over without a
// moment where neither password works. The old secret then is a tombstone (reason rotated).
// Never more than one old secret: a second rotation ends the first one's old secret at once,
// and a rotation asked to end the old secret now gives it no grace at all.
#include <chrono>

#include <syslog.h>

#include "apppass/secret_format.hh"
#include "apppass/validate.hh"
#include "audit_event.hh"
#include "entry_id.hh"
#include "manager.hh"
#include "apppass/random_source.hh"

namespace apppass::daemon {

Status Manager::rename(const Caller& caller, std::string_view user, std::string_view id, std::string_view name) {
    AuditEvent audit{{.event = "rename", .user = std::string(user), .entry_id = std::string(id),
                      .caller = caller.euid}};
    const auto fail = [&](Error error) {
        return audit.refuse(LOG_NOTICE, "refused to rename an app password", std::move(error));
    };
    if (auto s = write_allowed(caller); !s)
        return std::move(s).error();
    auto target = entry_target(caller, user, id, "rename", audit.fields);
    if (!target)
        return fail(std::move(target).error());
    if (auto problem = validate::entry_name_problem(name))
        return fail(make_error(api::ErrorCode::InvalidArgument, "invalid name: " + *problem));
    const std::string old_name = audit.fields.entry_name;
    audit.fields.entry_name = std::string(name);
    auto renamed = store_.rename(target.value().entry.uid, target.value().entry.id, std::string(name));
    if (!renamed)
        return fail(std::move(renamed).error());
    if (!renamed.value())
        return fail(no_such_password(audit.fields.user, id));
    audit.succeed(LOG_INFO, "renamed app password \"" + old_name + "\" (" + std::string(id) + ") of " +
                                audit.fields.user + " to \"" + std::string(name) + "\"");
    tell(ChangeNotice{.event = "rename", .user = audit.fields.user, .entry_name = std::string(name),
                      .entry_id = std::string(id), .when = clocks_.wall(), .caller_uid = caller.euid,
                      .caller_pid = caller.pid});
    return {};
}

Result<CreatedPassword> Manager::rotate(const Caller& caller, std::string_view user, std::string_view id,
                                        bool end_old_now) {
    AuditEvent audit{{.event = "rotate", .user = std::string(user), .entry_id = std::string(id),
                      .caller = caller.euid}};
    const auto fail = [&](Error error) {
        return audit.refuse(LOG_NOTICE, "refused to rotate an app password", std::move(error));
    };
    if (auto s = write_allowed(caller); !s)
        return std::move(s).error();
    auto target = entry_target(caller, user, id, "rotate", audit.fields);
    if (!target)
        return fail(std::move(target).error());
    // Who may not have app passwords may not renew one either.
    if (auto s = may_have_app_passwords(target.value().account); !s)
        return fail(std::move(s).error());

    CreatedPassword created;
    created.id = std::string(id);
    created.password = random_symbols(secret::kAlphabet, secret::kLength);
    const Microseconds now = clocks_.wall();
    // At most one old secret is ever accepted: the store ends an earlier rotation's old one
    // here, and with END_OLD_NOW (a device known lost) this one too.
    const Microseconds grace =
        end_old_now ? 0 : std::chrono::duration_cast<std::chrono::microseconds>(config_.rotate_grace).count();
    auto rotated = store_.rotate(target.value().entry.uid, target.value().entry.id,
                                 hmac_.compute(created.password.view()), now, grace > 0 ? now + grace : 0);
    if (!rotated)
        return fail(std::move(rotated).error());
    if (!rotated.value())
        return fail(no_such_password(audit.fields.user, id));
    trim_tombstones(target.value().entry.uid);
    audit.succeed(LOG_INFO, "rotated app password \"" + audit.fields.entry_name + "\" (" + created.id + ") of " +
                                audit.fields.user);
    tell(ChangeNotice{.event = "rotate", .user = audit.fields.user, .entry_name = audit.fields.entry_name,
                      .entry_id = created.id, .when = now, .caller_uid = caller.euid, .caller_pid = caller.pid});
    return created;
}

}  // namespace apppass::daemon
