// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pam_test_support.hh"

#include <cctype>
#include <chrono>
#include <cstdarg>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <setjmp.h>

extern "C" {  // cmocka.h of Debian 12 declares its functions without C linkage
#include <cmocka.h>
}
#include <dlfcn.h>
#include <systemd/sd-bus.h>

#include "apppass/bus_handles.hh"
#include "apppass/dbus_api.hh"
#include "apppass/records.hh"

namespace pamtest {
namespace {

using apppass::BusError;
using apppass::BusMessagePtr;
using apppass::BusPtr;
namespace api = apppass::api;

BusPtr open_test_bus() {
    sd_bus* raw = nullptr;
    const int r = sd_bus_open_system(&raw);
    BusPtr bus(raw);
    if (r < 0)
        fail_msg("cannot connect to the test bus (%s): %s", required_env("DBUS_SYSTEM_BUS_ADDRESS").c_str(),
                 std::strerror(-r));
    return bus;
}

BusMessagePtr new_call(sd_bus* bus, const char* method) {
    sd_bus_message* raw = nullptr;
    const int r = sd_bus_message_new_method_call(bus, &raw, api::kBusName, api::kObjectPath,
                                                 api::kManagerInterface, method);
    if (r < 0)
        fail_msg("cannot build %s: %s", method, std::strerror(-r));
    return BusMessagePtr(raw);
}

BusMessagePtr call(sd_bus* bus, sd_bus_message* message, const char* method) {
    BusError error;
    sd_bus_message* raw = nullptr;
    const int r = sd_bus_call(bus, message, 10'000'000, error.get(), &raw);
    if (r < 0)
        fail_msg("%s failed: %s: %s", method, error.name(), error.message());
    return BusMessagePtr(raw);
}

void check(int r, const char* what) {
    if (r < 0)
        fail_msg("%s: %s", what, std::strerror(-r));
}

void append_strings(sd_bus_message* m, const char* key, const std::vector<std::string>& values) {
    check(sd_bus_message_open_container(m, 'e', "sv"), "open entry");
    check(sd_bus_message_append(m, "s", key), "append key");
    check(sd_bus_message_open_container(m, 'v', "as"), "open variant");
    check(sd_bus_message_open_container(m, 'a', "s"), "open array");
    for (const auto& value : values)
        check(sd_bus_message_append(m, "s", value.c_str()), "append value");
    check(sd_bus_message_close_container(m), "close array");
    check(sd_bus_message_close_container(m), "close variant");
    check(sd_bus_message_close_container(m), "close entry");
}

int scripted_conversation(int count, const pam_message** messages, pam_response** responses,
                          void* data) {
    auto* script = static_cast<ScriptedConversation*>(data);
    auto* out = static_cast<pam_response*>(std::calloc(count, sizeof(pam_response)));
    if (out == nullptr)
        return PAM_BUF_ERR;
    for (int i = 0; i < count; ++i) {
        const int style = messages[i]->msg_style;
        if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON) {
            script->messages.emplace_back(messages[i]->msg ? messages[i]->msg : "");
            continue;
        }
        script->prompts.emplace_back(messages[i]->msg ? messages[i]->msg : "");
        if (script->next >= script->answers.size()) {
            for (int k = 0; k < i; ++k)
                std::free(out[k].resp);
            std::free(out);
            return PAM_CONV_ERR;
        }
        const std::string& answer = script->answers[script->next++];
        // The whole answer, embedded NULs included: libpam and the module see up to the first.
        char* copy = static_cast<char*>(std::malloc(answer.size() + 1));
        if (copy == nullptr)
            return PAM_BUF_ERR;
        std::memcpy(copy, answer.data(), answer.size());
        copy[answer.size()] = '\0';
        out[i].resp = copy;
    }
    *responses = out;
    return PAM_SUCCESS;
}

}  // namespace

std::string required_env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0')
        fail_msg("%s is not set: run this test through tests/pam/run_pam_test.py (ctest does)", name);
    return value;
}

std::uint64_t now_usec() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

AppPassword create_password(const char* user, const char* name, const EntryOptions& options) {
    BusPtr bus = open_test_bus();
    BusMessagePtr m = new_call(bus.get(), api::kCreatePassword);
    check(sd_bus_message_append(m.get(), "ss", user, name), "append user and name");
    check(sd_bus_message_open_container(m.get(), 'a', "{sv}"), "open options");
    if (!options.services.empty())
        append_strings(m.get(), api::kOptionServices, options.services);
    if (!options.networks.empty())
        append_strings(m.get(), api::kOptionNetworks, options.networks);
    if (options.expires_usec != 0)
        check(sd_bus_message_append(m.get(), "{sv}", api::kOptionExpires, "t", options.expires_usec),
              "append expires");
    check(sd_bus_message_close_container(m.get()), "close options");
    BusMessagePtr reply = call(bus.get(), m.get(), api::kCreatePassword);
    const char* id = nullptr;
    const char* password = nullptr;
    check(sd_bus_message_read(reply.get(), "ss", &id, &password), "read CreatePassword reply");
    return AppPassword{id, password};
}

void delete_password(const char* user, const std::string& id) {
    BusPtr bus = open_test_bus();
    BusMessagePtr m = new_call(bus.get(), api::kDeletePassword);
    check(sd_bus_message_append(m.get(), "ss", user, id.c_str()), "append");
    call(bus.get(), m.get(), api::kDeletePassword);
}

void delete_all_passwords(const char* user) {
    BusPtr bus = open_test_bus();
    BusMessagePtr m = new_call(bus.get(), api::kDeleteAllPasswords);
    check(sd_bus_message_append(m.get(), "s", user), "append");
    call(bus.get(), m.get(), api::kDeleteAllPasswords);
}

std::vector<std::string> revoked_reasons(const char* user) {
    BusPtr bus = open_test_bus();
    BusMessagePtr m = new_call(bus.get(), api::kListRevoked);
    check(sd_bus_message_append(m.get(), "s", user), "append");
    BusMessagePtr reply = call(bus.get(), m.get(), api::kListRevoked);
    check(sd_bus_message_enter_container(reply.get(), 'a', "a{sv}"), "enter records");
    std::vector<std::string> reasons;
    api::RevokedRecord record;
    int r;
    while ((r = api::read_revoked_record(reply.get(), record)) > 0)
        reasons.push_back(record.reason);
    check(r, "read a ListRevoked record");
    return reasons;
}

MainLogins main_password_logins(const char* user, const char* service) {
    BusPtr bus = open_test_bus();
    BusMessagePtr m = new_call(bus.get(), api::kMainPasswordReport);
    check(sd_bus_message_append(m.get(), "st", service, std::uint64_t{0}), "append");
    BusMessagePtr reply = call(bus.get(), m.get(), api::kMainPasswordReport);
    check(sd_bus_message_enter_container(reply.get(), 'a', "a{sv}"), "enter records");
    MainLogins found;
    api::MainLoginRecord record;
    int r;
    while ((r = api::read_main_login_record(reply.get(), record)) > 0)
        if (record.user == user)
            found = MainLogins{record.logins, record.last_remote_host};
    check(r, "read a MainPasswordReport record");
    return found;
}

std::size_t count_passwords(const char* user) {
    BusPtr bus = open_test_bus();
    BusMessagePtr m = new_call(bus.get(), api::kListPasswords);
    check(sd_bus_message_append(m.get(), "s", user), "append");
    BusMessagePtr reply = call(bus.get(), m.get(), api::kListPasswords);
    check(sd_bus_message_enter_container(reply.get(), 'a', "a{sv}"), "enter entries");
    std::size_t count = 0;
    int r;
    while ((r = sd_bus_message_skip(reply.get(), "a{sv}")) > 0)
        ++count;
    check(r, "skip entry");
    return count;
}

pam_conv ScriptedConversation::conv() {
    return pam_conv{scripted_conversation, this};
}

PamHandle::PamHandle(const std::string& service, const std::string& user, const pam_conv& conv) {
    const int r = pam_start(service.c_str(), user.c_str(), &conv, &handle_);
    if (r != PAM_SUCCESS || handle_ == nullptr)
        fail_msg("pam_start(%s) failed: %d", service.c_str(), r);
}

PamHandle::~PamHandle() {
    pam_end(handle_, last_);
}

LoginResult authenticate(const LoginRequest& request) {
    ScriptedConversation script{request.answers, 0, {}};
    const pam_conv conv = script.conv();
    PamHandle pam(request.service, request.user, conv);
    if (request.remote_host)
        assert_int_equal(pam_set_item(pam.get(), PAM_RHOST, request.remote_host->c_str()), PAM_SUCCESS);
    // Read by pam_set_items in the first-pass services.
    if (request.preset_authtok)
        setenv("PAM_AUTHTOK", request.preset_authtok->c_str(), 1);
    else
        unsetenv("PAM_AUTHTOK");
    LoginResult result;
    result.rc = pam.record(pam_authenticate(pam.get(), 0));
    unsetenv("PAM_AUTHTOK");
    result.prompts = script.prompts;
    return result;
}

int probed_module_code(pam_handle_t* pamh, int stack_rc) {
    // pam_get_items exports every item; PAM_USER is always set by then.
    const bool reached_marker = pam_getenv(pamh, "PAM_USER") != nullptr;
    pam_putenv(pamh, "PAM_USER");
    if (stack_rc != PAM_SUCCESS)
        return stack_rc;
    return reached_marker ? PAM_IGNORE : PAM_SUCCESS;
}

int module_authenticate_with(const std::string& password, const std::string& user,
                             const char* probe_service) {
    ScriptedConversation script{{password}, 0, {}};
    const pam_conv conv = script.conv();
    PamHandle pam(probe_service, user, conv);
    return probed_module_code(pam.get(), pam.record(pam_authenticate(pam.get(), 0)));
}

int authenticate_with(const std::string& password, const std::string& user, const std::string& service) {
    LoginRequest request;
    request.service = service;
    request.user = user;
    request.answers = {password};
    return authenticate(request).rc;
}

const ModuleEntryPoints& module_entry_points() {
    static ModuleEntryPoints entry_points = [] {
        const std::string path = required_env("APPPASS_PAM_MODULE");
        void* module = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (module == nullptr)
            fail_msg("dlopen(%s): %s", path.c_str(), dlerror());
        const auto symbol = [&](const char* name) {
            void* address = dlsym(module, name);
            if (address == nullptr)
                fail_msg("%s does not export %s", path.c_str(), name);
            return reinterpret_cast<EntryPoint>(address);
        };
        // Left open: the process ends soon, and libpam holds the same module open anyway.
        return ModuleEntryPoints{symbol("pam_sm_authenticate"), symbol("pam_sm_setcred"),
                                 symbol("pam_sm_acct_mgmt"),    symbol("pam_sm_open_session"),
                                 symbol("pam_sm_close_session"), symbol("pam_sm_chauthtok")};
    }();
    return entry_points;
}

std::string grouped(const std::string& secret, char separator) {
    std::string out;
    for (std::size_t i = 0; i < secret.size(); ++i) {
        if (i > 0 && i % 4 == 0)
            out.push_back(separator);
        out.push_back(secret[i]);
    }
    return out;
}

std::string upper(std::string text) {
    for (char& c : text)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

}  // namespace pamtest
