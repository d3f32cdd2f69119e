// Reading config and catalog files (size-checked first), then the checks across catalogs.
#include "config/config_loader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "config/catalog_loader.hpp"
#include "config/config_sections.hpp"
#include "config/embedded_catalogs.hpp"
#include "config/load_state.hpp"
#include "config/yaml_map.hpp"

namespace netvigil {
namespace {

constexpr std::string_view kEmbeddedPrefix = "embedded:";

struct FileText {
  std::string text;
  std::string error;  ///< why it could not be read; empty on success
};

// The size is checked with fstat before any byte is read: a huge file is refused, not slurped.
FileText read_small_file(const std::string& path) {
  FileText out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    out.error = std::strerror(errno);
    return out;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    out.error = "not a regular file";
  } else if (static_cast<std::uint64_t>(st.st_size) > kMaxConfigFileBytes) {
    out.error = "file is larger than " + std::to_string(kMaxConfigFileBytes >> 20) + " MiB (" +
                std::to_string(st.st_size) + " bytes); refusing to read it";
  } else {
    out.text.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < out.text.size()) {
      const ssize_t n = ::read(fd, out.text.data() + got, out.text.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    out.text.resize(got);  // a file that shrank while being read is read as it is now
  }
  ::close(fd);
  return out;
}

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string join(const std::string& dir, const std::string& rel) {
  if (dir.empty() || rel.front() == '/') return rel;
  return dir.back() == '/' ? dir + rel : dir + "/" + rel;
}

std::string embedded_names() {
  std::string out;
  for (const auto& e : embedded_catalogs()) out += (out.empty() ? "" : ", ") + std::string(e.name);
  return out;
}

void load_catalogs(const YAML::Node& list, const std::string& base_dir, Config& c, Reporter& r,
                   LoadState& state, std::vector<ConfigError>& errors) {
  std::map<std::string, std::string> seen;
  for (const auto& item : read_list(list, "catalogs", r)) {
    auto entry = read_nonempty(item, "catalogs", r);
    if (!entry) continue;
    std::string name, text;
    if (entry->rfind(kEmbeddedPrefix, 0) == 0) {
      auto found = embedded_catalog(std::string_view(*entry).substr(kEmbeddedPrefix.size()));
      if (!found) {
        r.error(item, "catalogs: unknown embedded catalog \"" + *entry +
                          "\" (have: " + embedded_names() + ")");
        continue;
      }
      name = *entry;
      text = std::string(*found);
    } else {
      name = join(base_dir, *entry);
      auto file = read_small_file(name);
      if (!file.error.empty()) {
        r.error(item, "catalogs: cannot open catalog \"" + *entry + "\": " + file.error);
        continue;
      }
      text = std::move(file.text);
    }
    if (auto [it, inserted] = seen.emplace(name, r.where(item.Mark())); !inserted) {
      r.error(item, "catalogs: catalog \"" + *entry + "\" listed twice");
      continue;
    }
    Reporter cat_reporter(name, errors);
    c.catalogs.push_back(load_catalog_text(text, cat_reporter, state));
  }
}

void resolve_prefix_refs(const Config& c, LoadState& state) {
  for (auto& ref : state.prefix_refs) {
    bool found = false;
    for (const auto& cat : c.catalogs)
      for (const auto& list : cat.prefix_lists) found = found || list.name == ref.name;
    if (!found)
      ref.reporter.error(ref.mark, "expect_prefixes: unknown prefix list \"" + ref.name + "\"");
  }
}

// Errors in the order a reader fixes them: file by file as first met, then by position.
void sort_errors(std::vector<ConfigError>& errors) {
  std::vector<std::string> order;
  for (const auto& e : errors)
    if (std::find(order.begin(), order.end(), e.file) == order.end()) order.push_back(e.file);
  auto rank = [&](const ConfigError& e) {
    return std::find(order.begin(), order.end(), e.file) - order.begin();
  };
  std::stable_sort(errors.begin(), errors.end(), [&](const ConfigError& a, const ConfigError& b) {
    const auto ra = rank(a), rb = rank(b);
    if (ra != rb) return ra < rb;
    if (a.line != b.line) return a.line < b.line;
    return a.column < b.column;
  });
}

}  // namespace

LoadResult load_config_text(std::string_view text, const std::string& name,
                            const std::string& base_dir) {
  LoadResult result;
  Reporter r(name, result.errors);
  Config c;
  c.path = name;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    r.error(e.mark, "YAML syntax error: " + e.msg);
    return result;
  }
  // An empty file (or one of comments only) is an empty mapping: every default applies.
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  YamlMap top(root, r, "");
  if (top.valid()) {
    read_config_sections(top, c, r);
    LoadState state;
    state.config = &c;
    if (auto n = top.get("catalogs")) {
      load_catalogs(*n, base_dir, c, r, state, result.errors);
    } else {
      YAML::Node defaults;
      defaults.push_back("embedded:global");
      defaults.push_back("embedded:messengers");
      load_catalogs(defaults, base_dir, c, r, state, result.errors);
    }
    for (const auto& cat : c.catalogs) c.catalog_paths.push_back(cat.path);
    resolve_prefix_refs(c, state);
    top.finish();
  }
  sort_errors(result.errors);
  if (result.errors.empty()) result.config = std::move(c);
  return result;
}

LoadResult load_config(const std::string& path) {
  if (path.empty()) return load_config_text(embedded_default_config_text(), "embedded:default", "");
  auto file = read_small_file(path);
  if (!file.error.empty()) {
    LoadResult result;
    result.errors.push_back({path, 1, 1, "cannot open config: " + file.error});
    return result;
  }
  return load_config_text(file.text, path, dir_of(path));
}

}  // namespace netvigil
