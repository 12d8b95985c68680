// SPDX-License-Identifier: LGPL-2.1-or-later
// The journal's MESSAGE_ID of each kind of audit event, so that `journalctl -x` explains the
// event from daemon/data/apppass.catalog (installed in /usr/lib/systemd/catalog/) and
// `journalctl MESSAGE_ID=...` finds every event of one kind. An ID never changes once
// released; a new kind gets a new one (journalctl --new-id128).
#pragma once

#include <array>
#include <string_view>

namespace apppass::daemon {

enum class EventKind {
    Created,       // CreatePassword made an entry
    Deleted,       // DeletePassword, DeleteAllPasswords or PurgeOrphans removed entries
    Verified,      // VerifyPassword accepted an app password
    Refused,       // a call was refused or failed (wrong password, not allowed, store down, ...)
    Throttled,     // VerifyPassword answered Throttled
    RevokedTried,  // a revoked app password was tried
    Listed,        // ListPasswords, ListRevoked or ListUsers answered
    Changed,       // RenamePassword renamed an entry, RotatePassword gave it a new secret
    MainPasswordLogin,  // RecordMainPasswordLogin counted a login with the main password
};

inline constexpr std::array kEventKinds{EventKind::Created, EventKind::Deleted, EventKind::Verified,
                                        EventKind::Refused, EventKind::Throttled,
                                        EventKind::RevokedTried, EventKind::Listed, EventKind::Changed,
                                        EventKind::MainPasswordLogin};

// 32 lowercase hex digits, as the journal and the catalog write them.
constexpr std::string_view message_id(EventKind kind) {
    switch (kind) {
    case EventKind::Created: return "4e2b61a2108342f8a8d2e5891a04b0f9";
    case EventKind::Deleted: return "27d6db1fe141471ea7bc2c138b68888b";
    case EventKind::Verified: return "0ae9c0ddc2e14f8f8a26da2ee9a185e8";
    case EventKind::Refused: return "026a9df4fe85403ea8cd61cff95f4d01";
    case EventKind::Throttled: return "57d0671170384e8e9971b11dd0756a60";
    case EventKind::RevokedTried: return "c348c23a14d64c4f983c96f1d2039032";
    case EventKind::Listed: return "74006e82d8fa4eb8b23dfea3e4832052";
    case EventKind::Changed: return "cbf1a801303a42c784f0c261555aa817";
    case EventKind::MainPasswordLogin: return "bdf15dd80c7647448912213700b37ee6";
    }
    return {};
}

}  // namespace apppass::daemon
