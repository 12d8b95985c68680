// SPDX-License-Identifier: LGPL-2.1-or-later
// The object /org/apppass/AppPass1 on the bus: unpacks each call, finds the caller's EUID from
// the bus, hands the arguments to the Manager and packs its answer. No exception leaves a
// callback: each handler catches everything and answers with an error.
#pragma once

#include <string>
#include <unordered_map>

#include "apppass/bus_handles.hh"
#include "apppass/result.hh"
#include "caller_lookup.hh"
#include "change_authorization.hh"
#include "change_queue.hh"
#include "manager.hh"

namespace apppass::daemon {

class BusService {
public:
    // USE_POLKIT: the configuration's polkit key (change_authorization.hh).
    BusService(Manager& manager, bool use_polkit) : manager_(manager), use_polkit_(use_polkit) {}
    BusService(const BusService&) = delete;
    BusService& operator=(const BusService&) = delete;

    // Registers the object and its interface on the bus.
    Status attach(sd_bus* bus);
    // Registers the same object on a peer-to-peer connection of the direct socket
    // (direct_socket.cc), whose caller is PEER_EUID, the kernel's SO_PEERCRED of that
    // connection. The object stays until the slot is dropped and detach_peer() is called.
    Result<BusSlotPtr> attach_peer(sd_bus* connection, uid_t peer_euid);
    void detach_peer(sd_bus* connection) noexcept;
    // Changes that arrive on the bus wait in QUEUE while anything else is ready
    // (change_queue.hh); without one they are handled in arrival order.
    void set_change_queue(ChangeQueue* queue) noexcept { change_queue_ = queue; }

private:
    using Handler = int (BusService::*)(sd_bus_message* m, sd_bus_error* error);
    // The sd-bus callback of every method: runs HANDLER on the BusService in USERDATA, and
    // turns anything it throws into an error reply.
    template <Handler handler>
    static int dispatch(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
    // The same for every method but VerifyPassword: refused on a direct connection, which
    // serves only what pam_apppass needs, and has no bus name for polkit to ask about (and a
    // sender field the peer writes itself).
    template <Handler handler>
    static int dispatch_bus_only(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
    // The same for a method that changes app passwords, which on the bus is held back in the
    // change queue first, so that verifications go ahead of it.
    template <Handler handler>
    static int dispatch_change(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;

    // 0 when the caller of M is known; 1 when M waits for the bus to say who sent it
    // (caller_lookup.hh) and comes back through dispatch again; below 0 with ERROR set when
    // M is refused.
    int wait_for_caller(sd_bus_message* m, sd_bus_error* error);

    // One vtable for both transports: the system bus and the direct socket.
    static const sd_bus_vtable* vtable() noexcept;
    Result<BusSlotPtr> add_object(sd_bus* bus);

    int create(sd_bus_message* m, sd_bus_error* error);
    int list(sd_bus_message* m, sd_bus_error* error);
    int remove(sd_bus_message* m, sd_bus_error* error);
    int remove_all(sd_bus_message* m, sd_bus_error* error);
    int verify(sd_bus_message* m, sd_bus_error* error);
    int purge_orphans(sd_bus_message* m, sd_bus_error* error);
    int list_revoked(sd_bus_message* m, sd_bus_error* error);
    int list_users(sd_bus_message* m, sd_bus_error* error);
    int remove_revoked(sd_bus_message* m, sd_bus_error* error);
    int remove_all_revoked(sd_bus_message* m, sd_bus_error* error);
    int rename(sd_bus_message* m, sd_bus_error* error);
    int rotate(sd_bus_message* m, sd_bus_error* error);
    int revoke_all(sd_bus_message* m, sd_bus_error* error);
    int record_main_login(sd_bus_message* m, sd_bus_error* error);
    int main_password_report(sd_bus_message* m, sd_bus_error* error);

    // Every change: once authorize_change() has let the call M (EVENT, to USER's entries)
    // through, WORK(caller) asks the Manager, and its failure is the error reply; REPLY(call,
    // result) packs a success.
    // ACCESS Read: a listing, which polkit is asked about only for another user's entries.
    template <typename Work, typename Reply>
    int change(sd_bus_message* m, sd_bus_error* error, const char* event, std::string_view user, Work work,
               Reply reply, Access access = Access::Change);
    // A listing of USER's entries (ListPasswords, ListRevoked): authorised as change() does
    // with Access::Read, then WORK(caller) asks the Manager for records, each appended by APPEND.
    template <typename Work, typename Append>
    int answer_listing(sd_bus_message* m, sd_bus_error* error, const char* event, std::string_view user,
                       Work work, Append append);
    // The root-only listings (ListUsers, PurgeOrphans' report): WORK(caller) asks the Manager
    // for records, each appended by APPEND.
    template <typename Work, typename Append>
    int answer_records(sd_bus_message* m, sd_bus_error* error, Work work, Append append);

    // On a direct connection, its peer's EUID. On the bus, the caller's EUID (and PID) as the
    // bus reported it (caller_lookup.hh), which dispatch() has waited for without holding the
    // loop.
    Result<Caller> caller_of(sd_bus_message* m);

    // What authorize_change() needs to know of the call M from this bus: polkit's subject is
    // the sender's unique name, interaction as the caller's flag says.
    ChangeRequest change_request(sd_bus_message* m, const char* event, std::string_view user, Access access) const;

    Manager& manager_;
    bool use_polkit_;
    sd_bus* bus_ = nullptr;
    BusSlotPtr slot_;
    ChangeQueue* change_queue_ = nullptr;
    std::unique_ptr<CallerLookup> callers_;  // on bus_, from attach()
    std::unordered_map<const sd_bus*, uid_t> euid_by_peer_connection_;
};

}  // namespace apppass::daemon
