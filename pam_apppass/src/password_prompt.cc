// SPDX-License-Identifier: LGPL-2.1-or-later
#include "password_prompt.hh"

#include <cstdlib>
#include <cstring>

#include <security/pam_ext.h>

namespace apppass::pam {
namespace {

// The conversation's answer, wiped and freed on every path.
class PromptAnswer {
public:
    PromptAnswer() = default;
    PromptAnswer(const PromptAnswer&) = delete;
    PromptAnswer& operator=(const PromptAnswer&) = delete;
    ~PromptAnswer() {
        if (text_ != nullptr) {
            explicit_bzero(text_, std::strlen(text_));
            std::free(text_);
        }
    }
    char** out() noexcept { return &text_; }
    const char* get() const noexcept { return text_; }

private:
    char* text_ = nullptr;
};

int stored_password(pam_handle_t* pamh, const char** password) {
    const void* item = nullptr;
    const int r = pam_get_item(pamh, PAM_AUTHTOK, &item);
    *password = r == PAM_SUCCESS ? static_cast<const char*>(item) : nullptr;
    return r;
}

}  // namespace

int obtain_password(pam_handle_t* pamh, const ModuleOptions& options, const char** password) {
    *password = nullptr;
    if (options.use_first_pass || options.try_first_pass) {
        const int r = stored_password(pamh, password);
        if (r != PAM_SUCCESS)
            return r;
        if (*password != nullptr)
            return PAM_SUCCESS;
        if (options.use_first_pass)
            return PAM_AUTH_ERR;
    }
    PromptAnswer answer;
    int r = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, answer.out(), "%s", kPasswordPrompt);
    if (r != PAM_SUCCESS)
        return r;
    if (answer.get() == nullptr)
        return PAM_CONV_ERR;
    // PAM keeps its own copy, which it wipes at pam_end(); ours is wiped by PromptAnswer.
    r = pam_set_item(pamh, PAM_AUTHTOK, answer.get());
    if (r != PAM_SUCCESS)
        return r;
    r = stored_password(pamh, password);
    if (r == PAM_SUCCESS && *password == nullptr)
        return PAM_AUTH_ERR;  // cannot happen, but a missing password is never a success
    return r;
}

}  // namespace apppass::pam
