// A configuration error with its position, and the collector every loader reports into.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace YAML {
struct Mark;
class Node;
}  // namespace YAML

namespace netvigil {

/// One problem in a config or catalog file; line and column are 1-based.
struct ConfigError {
  std::string file;
  int line = 1;
  int column = 1;
  std::string message;

  /// "file:line:col: message", the one format `netvigil check` prints.
  std::string to_string() const;
};

/// Collects errors for one source file (a path, or "embedded:NAME").
class Reporter {
 public:
  Reporter(std::string file, std::vector<ConfigError>& out) : file_(std::move(file)), out_(&out) {}

  /// Record `message` at `mark` (a null mark is reported at 1:1).
  void error(const YAML::Mark& mark, std::string message);
  void error(const YAML::Node& node, std::string message);
  /// Record at an explicit 1-based position.
  void error_at(int line, int column, std::string message);

  /// "file:line" for ProbeSpec::origin.
  std::string origin(const YAML::Mark& mark) const;
  /// "file:line:col" for "first defined at" notes.
  std::string where(const YAML::Mark& mark) const;
  const std::string& file() const { return file_; }
  /// Errors recorded through any reporter sharing the same list.
  std::size_t total() const { return out_->size(); }

 private:
  std::string file_;
  std::vector<ConfigError>* out_;
};

}  // namespace netvigil
