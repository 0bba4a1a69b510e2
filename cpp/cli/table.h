// The published table's columns, rendered as markdown, CSV or one JSON object {"rows": [...]}.
#pragma once

#include <string>
#include <vector>

#include "eval/experiment.h"

namespace circulant {

enum class TableFormat { kMarkdown, kCsv, kJson };

std::string render_table(const std::vector<ExperimentRow>& rows, const Config& config,
                         TableFormat format);

}  // namespace circulant
