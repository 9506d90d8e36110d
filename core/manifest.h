#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/objects.h"
#include "core/result.h"

namespace raictl {

// One problem in a manifest, for example
// `app.yaml:7: spec.imagee: unknown field (did you mean "image"?)`.
struct ManifestError {
  std::string file;
  int line = 0;         // 1-based; 0 when the problem concerns the whole file
  std::string message;  // starts with the field path when one field is at fault

  // "file:line: message", or "file: message" when line is 0.
  std::string to_string() const;
};

// Parses YAML manifests (kinds Pool and Container of apiVersion raictl.io/v1, several per
// file separated by `---`) into validated objects with defaults filled in.
//
// Every document of every file is checked and every problem is collected, so that a caller
// such as `raictl apply` can report all of them and write nothing when there is any.
// Besides YAML syntax errors, the parser rejects tab characters in indentation, duplicate
// keys, unknown fields and wrong types. It also rejects invalid names, quantities and image
// references, a missing or unsupported apiVersion or kind, and a file without any object.
// Two objects of the same kind and name anywhere in the input are an error as well. Empty
// and comment-only documents are skipped.
// Scalars are kept as written ("1.10", "yes" and "0755" stay strings).
//
// Not thread-safe; use one parser per input.
class ManifestParser {
 public:
  // Parses one file's text. `file` names it in messages and in Object::source, for example
  // "web.yaml" or "<stdin>".
  void add_text(std::string_view file, std::string_view text);

  // Reads and parses a file. A file that cannot be read is recorded as an error.
  void add_file(const std::string& path);

  // The valid objects so far, in input order. Invalid documents are left out.
  const std::vector<Object>& objects() const { return objects_; }

  // Every problem so far, by file in input order and by line within a file.
  const std::vector<ManifestError>& errors() const { return errors_; }

  // Returns the objects when there was no error, else a kInvalidArgument error whose message
  // lists every problem, one per line.
  Result<std::vector<Object>> result() const;

 private:
  void check_unique(const Object& object, std::string_view file, int name_line);

  std::vector<Object> objects_;
  std::vector<ManifestError> errors_;
  std::map<std::pair<Kind, std::string>, std::string> first_source_;  // "file:line" by name
};

// Parses a single text, as ManifestParser::add_text followed by result() does.
Result<std::vector<Object>> parse_manifest(std::string_view file, std::string_view text);

}  // namespace raictl
