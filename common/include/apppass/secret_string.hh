// SPDX-License-Identifier: LGPL-2.1-or-later
// A string for secrets: every buffer it ever used is wiped before it goes back to the heap,
// including the ones a reallocation leaves behind and the small-string buffer inside the object.
#pragma once

#include <cstddef>
#include <new>
#include <string>
#include <string_view>

#include <string.h>  // explicit_bzero

namespace apppass {

template <typename T>
struct WipingAllocator {
    using value_type = T;
    WipingAllocator() noexcept = default;
    template <typename U>
    WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT

    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
    void deallocate(T* p, std::size_t n) noexcept {
        explicit_bzero(p, n * sizeof(T));
        ::operator delete(p);
    }
    template <typename U>
    bool operator==(const WipingAllocator<U>&) const noexcept { return true; }
};

using WipedStdString = std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;

class SecretString {
public:
    SecretString() = default;
    explicit SecretString(std::string_view text) : text_(text.data(), text.size()) {}
    SecretString(const SecretString&) = default;
    SecretString& operator=(const SecretString&) = default;
    SecretString(SecretString&& other) noexcept : text_(std::move(other.text_)) { other.wipe(); }
    SecretString& operator=(SecretString&& other) noexcept {
        wipe();
        text_ = std::move(other.text_);
        other.wipe();
        return *this;
    }
    ~SecretString() { wipe(); }

    void push_back(char c) { text_.push_back(c); }
    void reserve(std::size_t n) { text_.reserve(n); }
    std::size_t size() const noexcept { return text_.size(); }
    bool empty() const noexcept { return text_.empty(); }
    const char* c_str() const noexcept { return text_.c_str(); }
    const char* data() const noexcept { return text_.data(); }
    std::string_view view() const noexcept { return {text_.data(), text_.size()}; }

    // Wipes the contents in place (the small-string buffer too) and empties the string.
    void wipe() noexcept {
        explicit_bzero(text_.data(), text_.capacity());
        text_.clear();
    }

private:
    WipedStdString text_;
};

}  // namespace apppass
