#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "core/objects.h"
#include "core/result.h"

namespace raictl::cli {

// Reads the manifests named by `-f` arguments: files, directories (their *.yaml and *.yml
// files in name order, subdirectories too when `recursive`) and "-" for `in`. Every problem
// of every file goes to `err` as "file:line: message"; then the result is an error whose
// message counts them, and the caller writes nothing.
Result<std::vector<Object>> read_manifests(const std::vector<std::string>& paths, bool recursive,
                                           std::istream& in, std::ostream& err);

}  // namespace raictl::cli
