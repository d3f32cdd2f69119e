// Error formatting and collection.
#include "config/config_error.hpp"

#include <yaml-cpp/yaml.h>

namespace netvigil {
namespace {

// Past this many errors a file is too broken for more to help the reader.
constexpr std::size_t kMaxErrors = 100;

}  // namespace

std::string ConfigError::to_string() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

void Reporter::error(const YAML::Mark& mark, std::string message) {
  if (mark.is_null()) {
    error_at(1, 1, std::move(message));
  } else {
    error_at(mark.line + 1, mark.column + 1, std::move(message));
  }
}

void Reporter::error(const YAML::Node& node, std::string message) {
  error(node.Mark(), std::move(message));
}

void Reporter::error_at(int line, int column, std::string message) {
  if (out_->size() > kMaxErrors) return;
  if (out_->size() == kMaxErrors) {
    out_->push_back({file_, line, column, "too many errors; stopping here"});
    return;
  }
  out_->push_back({file_, line, column, std::move(message)});
}

std::string Reporter::origin(const YAML::Mark& mark) const {
  return file_ + ":" + std::to_string(mark.is_null() ? 1 : mark.line + 1);
}

std::string Reporter::where(const YAML::Mark& mark) const {
  if (mark.is_null()) return file_ + ":1:1";
  return file_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

}  // namespace netvigil
