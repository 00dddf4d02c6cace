#include "tacit/policy.h"

#include <fmt/format.h>

#include <sstream>
#include <toml++/toml.h>

namespace tacit {
namespace {

std::string Where(std::string_view origin, const toml::source_region& r) {
  if (r.begin.line == 0) return std::string(origin);
  return fmt::format("{}:{}", origin, r.begin.line);
}

template <typename T>
bool ReadValue(const toml::node& node, T& out);

template <>
bool ReadValue<int>(const toml::node& node, int& out) {
  auto v = node.value<int64_t>();
  if (!v) return false;
  out = static_cast<int>(*v);
  return true;
}
template <>
bool ReadValue<bool>(const toml::node& node, bool& out) {
  auto v = node.value<bool>();
  if (!v) return false;
  out = *v;
  return true;
}
template <>
bool ReadValue<std::string>(const toml::node& node, std::string& out) {
  auto v = node.value<std::string>();
  if (!v) return false;
  out = *v;
  return true;
}

template <typename T>
std::string_view TypeName();
template <> std::string_view TypeName<int>() { return "an integer"; }
template <> std::string_view TypeName<bool>() { return "true or false"; }
template <> std::string_view TypeName<std::string>() { return "a string"; }

// Reads [parameters.<name>] with description, reference and values = [{since, value}].
template <typename T>
Status ReadDated(const toml::table& root, std::string_view origin, std::string_view name,
                 Dated<T>& out) {
  out.name = std::string(name);
  const toml::table* params = root["parameters"].as_table();
  const toml::table* t = params ? (*params)[name].as_table() : nullptr;
  if (t == nullptr) {
    return InvalidArgument(fmt::format("{}: missing [parameters.{}]", origin, name));
  }
  out.description = (*t)["description"].value_or(std::string{});
  out.reference = (*t)["reference"].value_or(std::string{});
  if (out.reference.empty()) {
    return InvalidArgument(fmt::format("{}: parameters.{}: expected a reference (legal basis)",
                                       Where(origin, t->source()), name));
  }
  const toml::array* values = (*t)["values"].as_array();
  if (values == nullptr || values->empty()) {
    return InvalidArgument(fmt::format("{}: parameters.{}: expected values = [{{ since = \"YYYY-MM-DD\", value = ... }}]",
                                       Where(origin, t->source()), name));
  }
  out.steps.clear();
  for (const toml::node& n : *values) {
    const toml::table* step = n.as_table();
    if (step == nullptr) {
      return InvalidArgument(fmt::format("{}: parameters.{}.values: expected inline tables",
                                         Where(origin, n.source()), name));
    }
    auto since_text = (*step)["since"].value<std::string>();
    if (!since_text) {
      return InvalidArgument(fmt::format("{}: parameters.{}.values: expected since = \"YYYY-MM-DD\"",
                                         Where(origin, n.source()), name));
    }
    auto since = ParseDate(*since_text);
    if (!since) {
      return InvalidArgument(fmt::format("{}: parameters.{}.values.since: {}",
                                         Where(origin, n.source()), name, since.error().message));
    }
    T value{};
    const toml::node* vn = step->get("value");
    if (vn == nullptr || !ReadValue<T>(*vn, value)) {
      return InvalidArgument(fmt::format("{}: parameters.{}.values.value: expected {}",
                                         Where(origin, n.source()), name, TypeName<T>()));
    }
    if (!out.steps.empty() && !(out.steps.back().since < *since)) {
      return InvalidArgument(fmt::format("{}: parameters.{}.values: dates must increase",
                                         Where(origin, n.source()), name));
    }
    out.steps.push_back({*since, std::move(value)});
  }
  return {};
}

Result<EvidenceClass> ParseClass(std::string_view s) {
  if (s == "alive") return EvidenceClass::kAlive;
  if (s == "death") return EvidenceClass::kDeath;
  if (s == "neutral") return EvidenceClass::kNeutral;
  return InvalidArgument("expected class = \"alive\", \"death\" or \"neutral\"");
}

bool IsKnownMethod(std::string_view m) {
  return m == "data" || m == "face" || m == "biometric" || m == "visit" || m == "bank_terminal" ||
         m == "overseas" || m == "legacy";
}

}  // namespace

std::string_view EvidenceClassName(EvidenceClass c) {
  switch (c) {
    case EvidenceClass::kAlive: return "alive";
    case EvidenceClass::kDeath: return "death";
    case EvidenceClass::kNeutral: return "neutral";
  }
  return "neutral";
}

const EvidenceKindSpec* Policy::FindKind(std::string_view kind) const {
  for (const EvidenceKindSpec& k : kinds) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}

std::string_view Policy::KindLabelZh(std::string_view kind) const {
  const EvidenceKindSpec* spec = FindKind(kind);
  if (spec == nullptr) return kind;
  const std::string_view label = spec->label_zh;
  const size_t paren = label.find(" (");
  return paren == std::string_view::npos ? label : label.substr(0, paren);
}

const SourceSpec* Policy::FindSource(std::string_view source) const {
  for (const SourceSpec& s : sources) {
    if (s.source == source) return &s;
  }
  return nullptr;
}

bool Policy::IsTrustedSource(std::string_view source) const {
  const SourceSpec* s = FindSource(source);
  return s != nullptr && s->trusted;
}

Result<Policy> ParsePolicy(std::string_view toml_text, std::string_view origin) {
  toml::table root;
  try {
    root = toml::parse(toml_text, std::string(origin));
  } catch (const toml::parse_error& e) {
    return InvalidArgument(fmt::format("{}:{}:{}: {}", origin, e.source().begin.line,
                                       e.source().begin.column, e.description()));
  }
  Policy p;
  p.text = std::string(toml_text);
  p.name = root["meta"]["name"].value_or(std::string("unnamed policy"));
  p.version = root["meta"]["version"].value_or(std::string("0"));
  RETURN_IF_ERROR(ReadDated(root, origin, "certification_cycle_months", p.certification_cycle_months));
  RETURN_IF_ERROR(ReadDated(root, origin, "certify_weight", p.certify_weight));
  RETURN_IF_ERROR(ReadDated(root, origin, "alive_window_days", p.alive_window_days));
  RETURN_IF_ERROR(ReadDated(root, origin, "back_pay_on_resume", p.back_pay_on_resume));
  RETURN_IF_ERROR(ReadDated(root, origin, "default_last_certified", p.default_last_certified));
  RETURN_IF_ERROR(ReadDated(root, origin, "ledger_lookback_months", p.ledger_lookback_months));
  RETURN_IF_ERROR(ReadDated(root, origin, "due_soon_days", p.due_soon_days));
  for (const auto& step : p.certification_cycle_months.steps) {
    if (step.value < 1 || step.value > 60) {
      return InvalidArgument(fmt::format("{}: parameters.certification_cycle_months: expected 1 to 60 months", origin));
    }
  }
  auto at_least = [&](const Dated<int>& param, int min, std::string_view what) -> Status {
    for (const auto& step : param.steps) {
      if (step.value < min) {
        return InvalidArgument(fmt::format("{}: parameters.{}: expected {} (at least {})", origin, param.name, what, min));
      }
    }
    return {};
  };
  RETURN_IF_ERROR(at_least(p.certify_weight, 1, "a positive weight"));
  RETURN_IF_ERROR(at_least(p.alive_window_days, 1, "a number of days"));
  RETURN_IF_ERROR(at_least(p.ledger_lookback_months, 0, "a number of months"));
  RETURN_IF_ERROR(at_least(p.due_soon_days, 0, "a number of days"));
  for (const auto& step : p.default_last_certified.steps) {
    if (step.value != "import_date" && step.value != "none") {
      return InvalidArgument(fmt::format("{}: parameters.default_last_certified: expected \"import_date\" or \"none\"", origin));
    }
  }

  const toml::table* kinds = root["kinds"].as_table();
  if (kinds == nullptr || kinds->empty()) {
    return InvalidArgument(fmt::format("{}: expected [kinds.<name>] tables declaring evidence kinds", origin));
  }
  for (const auto& [key, node] : *kinds) {
    const toml::table* t = node.as_table();
    const std::string name(key.str());
    if (t == nullptr) {
      return InvalidArgument(fmt::format("{}: kinds.{}: expected a table", origin, name));
    }
    EvidenceKindSpec k;
    k.kind = name;
    k.label_zh = (*t)["label"].value_or(name);
    auto cls = ParseClass((*t)["class"].value_or(std::string{}));
    if (!cls) {
      return InvalidArgument(fmt::format("{}: kinds.{}: {}", Where(origin, t->source()), name, cls.error().message));
    }
    k.cls = *cls;
    k.weight = static_cast<int>((*t)["weight"].value_or(int64_t{0}));
    k.method = (*t)["method"].value_or(std::string("data"));
    k.reference = (*t)["reference"].value_or(std::string{});
    if (!IsKnownMethod(k.method)) {
      return InvalidArgument(fmt::format("{}: kinds.{}.method: expected data, face, biometric, visit, bank_terminal or overseas",
                                         Where(origin, t->source()), name));
    }
    if (k.cls == EvidenceClass::kAlive && k.weight <= 0) {
      return InvalidArgument(fmt::format("{}: kinds.{}.weight: an alive signal needs a weight above 0",
                                         Where(origin, t->source()), name));
    }
    if (k.reference.empty()) {
      return InvalidArgument(fmt::format("{}: kinds.{}: expected a reference (legal basis)", Where(origin, t->source()), name));
    }
    p.kinds.push_back(std::move(k));
  }
  if (const toml::table* sources = root["sources"].as_table()) {
    for (const auto& [key, node] : *sources) {
      const toml::table* t = node.as_table();
      if (t == nullptr) continue;
      p.sources.push_back(SourceSpec{std::string(key.str()), (*t)["label"].value_or(std::string(key.str())),
                                     (*t)["trusted"].value_or(true)});
    }
  }
  return p;
}

}  // namespace tacit
