#include "raictl/manifest_input.h"

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <system_error>

#include "core/manifest.h"
#include "fmt/format.h"

namespace raictl::cli {

namespace {

namespace fs = std::filesystem;

bool is_manifest_file(const fs::path& path) {
  auto extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml";
}

// Lists the manifest files of a directory in name order, so that apply order is stable.
Result<std::vector<std::string>> list_directory(const std::string& directory, bool recursive) {
  std::vector<std::string> files;
  std::error_code error;
  auto add = [&](const fs::directory_entry& entry) {
    if (entry.is_regular_file(error) && is_manifest_file(entry.path())) {
      files.push_back(entry.path().string());
    }
  };

  if (recursive) {
    for (fs::recursive_directory_iterator it(directory, error), end; !error && it != end;
         it.increment(error)) {
      add(*it);
    }
  } else {
    for (fs::directory_iterator it(directory, error), end; !error && it != end;
         it.increment(error)) {
      add(*it);
    }
  }
  if (error) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("cannot read directory \"{}\": {}", directory, error.message()));
  }

  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Result<std::vector<Object>> read_manifests(const std::vector<std::string>& paths, bool recursive,
                                           std::istream& in, std::ostream& err) {
  ManifestParser parser;
  std::vector<std::string> path_errors;

  for (const auto& path : paths) {
    if (path == "-") {
      std::string text(std::istreambuf_iterator<char>(in), {});
      parser.add_text("<stdin>", text);
      continue;
    }

    std::error_code error;
    if (fs::is_directory(path, error)) {
      auto files = list_directory(path, recursive);
      if (!files) {
        path_errors.push_back(files.error().message);
        continue;
      }
      if (files->empty()) {
        path_errors.push_back(
            fmt::format("directory \"{}\" contains no *.yaml or *.yml files{}", path,
                        recursive ? "" : "; use -R to read its subdirectories too"));
      }
      for (const auto& file : *files) {
        parser.add_file(file);
      }
      continue;
    }
    if (!fs::exists(path, error)) {
      path_errors.push_back(fmt::format("the path \"{}\" does not exist", path));
      continue;
    }
    parser.add_file(path);
  }

  for (const auto& message : path_errors) {
    err << message << "\n";
  }
  for (const auto& problem : parser.errors()) {
    err << problem.to_string() << "\n";
  }

  size_t problems = path_errors.size() + parser.errors().size();
  if (problems > 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} problem{} in the manifests; nothing was changed", problems,
                                  problems == 1 ? "" : "s"));
  }
  return parser.objects();
}

}  // namespace raictl::cli
