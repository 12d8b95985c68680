// SPDX-License-Identifier: LGPL-2.1-or-later
// The portal's secrets (the main password and the one-time code on the way in, the new app
// password on the way out) are never left in freed memory by its own code: this test replaces
// the global allocator with one that looks into every block as it is freed and counts those
// that still hold the secret. A plain std::string that grows is the control: it does leave
// copies, so the count is known to see them.
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "http_parse.hh"
#include "pages.hh"
#include "wire.hh"

namespace {

// Long enough to live on the heap, short enough to sit inline in a string: both are tested.
constexpr const char* kLongSecret = "Zq7wMARKERsecretpassword9xK";
constexpr const char* kShortSecret = "9Q4Z7X";
const char* g_watched = nullptr;
int g_left_behind = 0;

struct alignas(std::max_align_t) Header {
    std::size_t size;
};

}  // namespace

void* operator new(std::size_t size) {
    auto* header = static_cast<Header*>(std::malloc(sizeof(Header) + size));
    if (header == nullptr) throw std::bad_alloc();
    header->size = size;
    return header + 1;
}

void operator delete(void* p) noexcept {
    if (p == nullptr) return;
    Header* header = static_cast<Header*>(p) - 1;
    if (g_watched != nullptr && memmem(p, header->size, g_watched, std::strlen(g_watched)) != nullptr)
        ++g_left_behind;
    std::free(header);
}

void operator delete(void* p, std::size_t) noexcept { operator delete(p); }

#include "../unit/cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass;
using namespace apppass::portal;

namespace {

// Runs BODY while freed blocks are searched for SECRET; the number that held it.
template <typename Body>
int left_behind(const char* secret, Body body) {
    g_left_behind = 0;
    g_watched = secret;
    body();
    g_watched = nullptr;
    return g_left_behind;
}

void a_plain_string_leaves_copies_when_it_grows(void**) {
    assert_true(left_behind(kLongSecret, [] {
                    std::string s(kLongSecret);
                    for (int i = 0; i < 200; ++i) s.push_back('.');
                }) > 0);
}

void the_wiping_string_leaves_none_when_it_grows(void**) {
    assert_int_equal(left_behind(kLongSecret, [] {
                         WipedStdString s(kLongSecret);
                         for (int i = 0; i < 20000; ++i) s.push_back('.');
                     }),
                     0);
}

void a_form_body_leaves_no_answer(void**) {
    for (const char* secret : {kLongSecret, kShortSecret}) {
        assert_int_equal(left_behind(secret, [&] {
                             WipedStdString body;
                             body.reserve(kMaxFormBytes);
                             body.append("csrf=abc&answer=");
                             body.append(secret);
                             for (int i = 0; i < 40; ++i) body.append("&f" + std::to_string(i) + "=x");
                             auto form = parse_form(body);
                             assert_true(form.has_value());
                             assert_true(*form_value(*form, "answer") == std::string_view(secret));  // no copy
                         }),
                         0);
    }
}

void a_message_leaves_no_answer_or_password(void**) {
    for (const char* secret : {kLongSecret, kShortSecret}) {
        assert_int_equal(left_behind(secret, [&] {
                             Message m(MessageType::SigninAnswer, {"session", "token", "192.0.2.1"});
                             m.fields.emplace_back(secret);  // the vector grows here
                             const auto bytes = encode(m);
                             auto back = decode(bytes);
                             assert_true(back.has_value());
                             Message moved = std::move(*back);
                             assert_true(moved.fields[3] == std::string_view(secret));
                         }),
                         0);
    }
}

void the_created_page_leaves_no_password(void**) {
    const char* password = "abcdefghijklmnopqrstuvwx";
    assert_int_equal(left_behind("mnop", [&] {
                         const auto page = created_page({"alice", "token", "", ""}, "Phone", "id", password, 0);
                         assert_true(std::string_view(page).find("<span>abcd</span> <span>efgh</span>") !=
                                     std::string_view::npos);
                     }),
                     0);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(a_plain_string_leaves_copies_when_it_grows),
        cmocka_unit_test(the_wiping_string_leaves_none_when_it_grows),
        cmocka_unit_test(a_form_body_leaves_no_answer),
        cmocka_unit_test(a_message_leaves_no_answer_or_password),
        cmocka_unit_test(the_created_page_leaves_no_password),
    };
    return cmocka_run_group_tests_name("portal wiping", tests, nullptr, nullptr);
}
