#include "config_file.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "spotsweep/config/toml.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/text.hpp"

namespace spotsweep::cli {

namespace {

ConfigSources& sources() {
  static ConfigSources s;
  return s;
}

std::set<const CLI::Option*>& path_options() {
  static std::set<const CLI::Option*> options;
  return options;
}

const CLI::App* find_subcommand(const CLI::App* app, const std::string& name) {
  for (const CLI::App* sub : const_cast<CLI::App*>(app)->get_subcommands({}))
    if (sub->get_name() == name) return sub;
  return nullptr;
}

std::string kebab(std::string name) {
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

// The option `key` names in `command`: --key (kebab or snake), or the positional `key`.
const CLI::Option* find_option(const CLI::App* command, const std::string& key) {
  for (const CLI::Option* o : command->get_options()) {
    for (const std::string& l : o->get_lnames())
      if (l == kebab(key)) return o;
    if (o->get_positional() && o->get_name(true) == key) return o;
  }
  return nullptr;
}

std::string option_list(const CLI::App* command) {
  std::vector<std::string> names;
  for (const CLI::Option* o : command->get_options()) {
    if (o->get_lnames().empty()) {
      if (o->get_positional()) names.push_back(o->get_name(true));
      continue;
    }
    std::string n = o->get_lnames().front();
    if (n == "help" || n == "version" || n == "config") continue;
    std::replace(n.begin(), n.end(), '-', '_');
    names.push_back(n);
  }
  return join(names);
}

// A value as CLI11 reads it from the command line; a path resolves against the file's folder.
std::string input_text(const TomlValue& v, bool path, const std::string& file) {
  std::string text = v.type == TomlValue::Type::string    ? v.string
                     : v.type == TomlValue::Type::boolean ? (v.boolean ? "true" : "false")
                                                          : v.text;
  if (path && v.type == TomlValue::Type::string && !text.empty()) {
    const std::filesystem::path p(text);
    if (p.is_relative())
      text = (std::filesystem::path(file).parent_path() / p).lexically_normal().string();
  }
  return text;
}

// Tables a sweep file holds for the sweep itself, read by load_sweep_config and its kin.
bool sweep_file_table(const std::string& name) {
  return name == "workload" || name == "job" || name == "synthetic" ||
         name.compare(0, 5, "pool.") == 0;
}

}  // namespace

const ConfigSources& config_sources() { return sources(); }
const std::string& config_file() { return sources().config; }

bool given_on_command_line(const std::string& option) {
  for (const std::string& a : sources().arguments)
    if (a == option || a.compare(0, option.size() + 1, option + "=") == 0) return true;
  return false;
}

CLI::Option* path_option(CLI::Option* option) {
  path_options().insert(option);
  return option;
}

std::vector<std::string> prepare_arguments(CLI::App& app, int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::string& a : args)
    if (a.size() > 2 && a[0] == '-' && a[1] == '-') {
      const size_t eq = a.find('=');
      std::replace(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(std::min(eq, a.size())), '_',
                   '-');
    }
  // The subcommand path: the first argument naming a subcommand, then its own subcommands.
  ConfigSources& s = sources();
  s = ConfigSources{};
  size_t command_at = args.size();
  const CLI::App* command = &app;
  for (size_t i = 0; i < args.size(); ++i)
    if (find_subcommand(&app, args[i])) {
      command_at = i;
      break;
    }
  size_t last = command_at;
  for (size_t i = command_at; i < args.size(); ++i) {
    const CLI::App* sub = find_subcommand(command, args[i]);
    if (!sub) {
      if (i > command_at) break;
      continue;
    }
    command = sub;
    s.command.push_back(args[i]);
    last = i;
  }
  // Options before the subcommand go after it (but --config, --version and --help stay).
  if (command_at < args.size() && command_at > 0) {
    std::vector<std::string> before, root;
    for (size_t i = 0; i < command_at; ++i) {
      const std::string& a = args[i];
      const std::string name = a.substr(0, a.find('='));
      if (name == "--config" || name == "--version" || name == "--help" || name == "-h") {
        root.push_back(a);
        if (name == "--config" && a.find('=') == std::string::npos && i + 1 < command_at)
          root.push_back(args[++i]);
        continue;
      }
      before.push_back(a);
    }
    std::vector<std::string> moved = root;
    moved.insert(moved.end(), args.begin() + static_cast<std::ptrdiff_t>(command_at),
                 args.begin() + static_cast<std::ptrdiff_t>(last + 1));
    moved.insert(moved.end(), before.begin(), before.end());
    moved.insert(moved.end(), args.begin() + static_cast<std::ptrdiff_t>(last + 1), args.end());
    args = moved;
  }
  // The sources: --config, then the pool file.
  std::string pool;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    for (const char* option : {"--config", "--pool"}) {
      const std::string o = option;
      std::string value;
      if (a == o && i + 1 < args.size())
        value = args[i + 1];
      else if (a.compare(0, o.size() + 1, o + "=") == 0)
        value = a.substr(o.size() + 1);
      else
        continue;
      if (o == "--config" && s.config.empty()) s.config = value;
      if (o == "--pool" && pool.empty()) pool = value;
    }
  }
  s.arguments = args;
  if (!s.config.empty()) s.files.push_back(s.config);
  std::error_code same;
  // A pool file that is not there is the command's to report (naming --pool).
  if (!pool.empty() && std::filesystem::is_regular_file(pool, same) &&
      (s.config.empty() || !std::filesystem::equivalent(pool, s.config, same))) {
    s.files.push_back(pool);
    if (s.config.empty()) {
      args.push_back("--config");
      args.push_back(pool);
    }
  }
  return args;
}

std::vector<CLI::ConfigItem> TomlConfigFormatter::from_config(std::istream&) const {
  std::vector<CLI::ConfigItem> items;
  for (const std::string& file : sources().files) {
    const TomlDocument doc = read_toml_file(file);
    for (const TomlSection& section : doc.sections) {
      if (section.name.empty()) {
        for (const TomlEntry& e : section.entries)
          throw input_error(where(doc, e), e.key, e.value.text,
                            "options go in the table of their subcommand, e.g. [sweep] or "
                            "[simulate]");
        continue;
      }
      if (sweep_file_table(section.name)) continue;
      // Walk the dotted name down the subcommands.
      std::vector<std::string> parts;
      for (size_t at = 0;;) {
        const size_t dot = section.name.find('.', at);
        parts.push_back(section.name.substr(at, dot - at));
        if (dot == std::string::npos) break;
        at = dot + 1;
      }
      const CLI::App* command = root_;
      size_t matched = 0;
      while (matched < parts.size()) {
        const CLI::App* sub = find_subcommand(command, parts[matched]);
        if (!sub) break;
        command = sub;
        ++matched;
      }
      if (matched > 0 && matched < parts.size() && parts[0] == "stress")
        continue;  // [stress.<adversary>]: read from the suite file by spotsweep stress
      if (matched < parts.size()) {
        std::vector<std::string> names;
        for (const CLI::App* sub : const_cast<CLI::App*>(root_)->get_subcommands({}))
          names.push_back(sub->get_name());
        throw input_error(doc.file + ":" + std::to_string(section.line), "section",
                          "[" + section.name + "]",
                          "not a subcommand (" + join(names) +
                              ") nor a table of the sweep file ([pool.<family>], [workload], "
                              "[job], [synthetic], [stress.<adversary>])");
      }
      for (const TomlEntry& e : section.entries) {
        // [select] seed is the selector's seed, --selector-seed (its older spelling in files).
        const std::string key =
            section.name == "select" && e.key == "seed" ? "selector_seed" : e.key;
        const CLI::Option* option = find_option(command, key);
        if (!option || key == "help" || key == "config")
          throw input_error(where(doc, e), section.name + "." + e.key, e.value.text,
                            "not an option of `spotsweep " + join(parts, " ") +
                                "` (its options: " + option_list(command) + ")");
        CLI::ConfigItem item;
        item.parents = parts;
        item.name =
            option->get_lnames().empty() ? option->get_name(true) : option->get_lnames().front();
        const bool path = path_options().count(option) > 0;
        if (e.value.is_array())
          for (const TomlValue& v : e.value.items)
            item.inputs.push_back(input_text(v, path, doc.file));
        else
          item.inputs.push_back(input_text(e.value, path, doc.file));
        items.push_back(std::move(item));
      }
    }
  }
  return items;
}

}  // namespace spotsweep::cli
