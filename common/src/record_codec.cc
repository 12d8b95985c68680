// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/record_codec.hh"

namespace apppass::api {

int append_string_array(sd_bus_message* m, const std::vector<std::string>& items) {
    int r = sd_bus_message_open_container(m, 'a', "s");
    for (const auto& item : items)
        if (r >= 0)
            r = sd_bus_message_append_basic(m, 's', item.c_str());
    if (r >= 0)
        r = sd_bus_message_close_container(m);
    return r;
}

namespace codec_detail {

int append_value(sd_bus_message* m, const std::string& value) {
    return sd_bus_message_append_basic(m, 's', value.c_str());
}
int append_value(sd_bus_message* m, const std::uint64_t& value) {
    return sd_bus_message_append_basic(m, 't', &value);
}
int append_value(sd_bus_message* m, const std::uint32_t& value) {
    return sd_bus_message_append_basic(m, 'u', &value);
}
int append_value(sd_bus_message* m, const std::vector<std::string>& values) {
    return append_string_array(m, values);
}

int read_value(sd_bus_message* m, std::string& out) {
    const char* text = nullptr;
    const int r = sd_bus_message_read_basic(m, 's', &text);
    if (r > 0)
        out = text;
    return r;
}
int read_value(sd_bus_message* m, std::uint64_t& out) {
    return sd_bus_message_read_basic(m, 't', &out);
}
int read_value(sd_bus_message* m, std::uint32_t& out) {
    return sd_bus_message_read_basic(m, 'u', &out);
}
int read_value(sd_bus_message* m, std::vector<std::string>& out) {
    int r = sd_bus_message_enter_container(m, 'a', "s");
    if (r < 0)
        return r;
    out.clear();
    for (;;) {
        const char* text = nullptr;
        r = sd_bus_message_read_basic(m, 's', &text);
        if (r <= 0)
            break;
        out.emplace_back(text);
    }
    if (r < 0)
        return r;
    return sd_bus_message_exit_container(m);
}

}  // namespace codec_detail

}  // namespace apppass::api
