// SPDX-License-Identifier: LGPL-2.1-or-later
#include "text_table.hh"

#include <algorithm>
#include <cwchar>

namespace apppass::cli {

TextTable::TextTable(std::vector<std::string> headers) {
    rows_.push_back(std::move(headers));
}

void TextTable::add_row(std::vector<std::string> cells) {
    cells.resize(std::max(cells.size(), rows_.front().size()));
    rows_.push_back(std::move(cells));
}

std::string TextTable::render(bool with_header) const {
    const auto first = rows_.begin() + (with_header ? 0 : 1);
    std::vector<std::size_t> widths(rows_.front().size(), 0);
    for (auto row = first; row != rows_.end(); ++row)
        for (std::size_t column = 0; column < widths.size(); ++column)
            widths[column] = std::max(widths[column], display_width((*row)[column]));

    std::string out;
    for (auto it = first; it != rows_.end(); ++it) {
        const auto& row = *it;
        std::string line;
        for (std::size_t column = 0; column < widths.size(); ++column) {
            line += row[column];
            if (column + 1 < widths.size())
                line.append(widths[column] - display_width(row[column]) + 2, ' ');
        }
        // An empty last cell would leave the padding of the one before it behind.
        line.erase(line.find_last_not_of(' ') + 1);
        out += line;
        out += '\n';
    }
    return out;
}

std::size_t display_width(const std::string& text) {
    std::mbstate_t state{};
    std::size_t width = 0;
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
        wchar_t character;
        const std::size_t n = std::mbrtowc(&character, p, static_cast<std::size_t>(end - p), &state);
        if (n == 0 || n == static_cast<std::size_t>(-1) || n == static_cast<std::size_t>(-2)) {
            // Not decodable in this locale: count the UTF-8 sequence as one column.
            state = std::mbstate_t{};
            ++width;
            ++p;
            while (p < end && (static_cast<unsigned char>(*p) & 0xC0) == 0x80)
                ++p;
            continue;
        }
        const int columns = wcwidth(character);
        width += columns < 0 ? 1 : static_cast<std::size_t>(columns);
        p += n;
    }
    return width;
}

}  // namespace apppass::cli
