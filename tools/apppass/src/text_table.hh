// SPDX-License-Identifier: LGPL-2.1-or-later
// A plain table for a terminal: a header row, columns two spaces apart and aligned by the
// width the text takes on screen (so names in any script line up), the last column unpadded.
#pragma once

#include <string>
#include <vector>

namespace apppass::cli {

class TextTable {
public:
    explicit TextTable(std::vector<std::string> headers);

    // A row with fewer cells than headers is padded with empty cells.
    void add_row(std::vector<std::string> cells);

    // Every row, each ending in '\n'; WITH_HEADER false (--no-legend) leaves out the header
    // row, and the columns are as wide as the data needs.
    std::string render(bool with_header = true) const;

private:
    std::vector<std::vector<std::string>> rows_;  // rows_[0] is the header
};

// Columns a UTF-8 string takes on a terminal (wcwidth per character; 1 when it is unknown).
std::size_t display_width(const std::string& text);

}  // namespace apppass::cli
