//! `mask.json`: parsed strictly, validated completely at `_initialize` (every error located by
//! line and column), and turned into the engine. See README.md for every field.

use std::collections::BTreeMap;

use logward_sdk::{ConfigError, ConfigSource, FieldPath};
use serde::Deserialize;
use serde_json::Value;

use crate::action::{Action, HashSettings, DEFAULT_HASH_LENGTH, DEFAULT_HASH_PREFIX, DEFAULT_TOKEN};
use crate::engine::{Engine, EngineParts};
use crate::keys::{KeyMatcher, PathSet, DEFAULT_NAMES};
use crate::rule::{compile, Extract, Group, Rule};
use crate::rules::{self, PRIVATE_KEY, SENSITIVE_KEY};
use crate::validate;
use crate::walk::{ScanPaths, Walker};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    groups: BTreeMap<String, Toggle>,
    #[serde(default)]
    rules: BTreeMap<String, Toggle>,
    #[serde(default)]
    custom_rules: Vec<CustomRule>,
    #[serde(default)]
    keys: KeysConfig,
    #[serde(default)]
    scan: ScanConfig,
    #[serde(default)]
    allowlist: AllowlistConfig,
    /// Default action for every rule without a more specific one.
    action: Option<ActionConfig>,
    #[serde(default)]
    hash: HashConfig,
    #[serde(default)]
    summary: SummaryConfig,
    /// Compile every enabled rule's regex in `_initialize` (default) instead of on its first
    /// keyword hit.
    #[serde(default = "yes")]
    compile_at_start: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Toggle {
    enabled: Option<bool>,
    action: Option<ActionConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Mode {
    Redact,
    Partial,
    Hash,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionConfig {
    mode: Mode,
    token: Option<String>,
    keep_first: Option<usize>,
    keep_last: Option<usize>,
    mask_char: Option<char>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomRule {
    id: String,
    /// For the humans reading mask.json; not used.
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    group: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    regex: String,
    secret_group: Option<Value>,
    entropy: Option<f64>,
    min_length: Option<usize>,
    validator: Option<String>,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    enabled: Option<bool>,
    action: Option<ActionConfig>,
}

fn yes() -> bool {
    true
}

fn everything() -> Vec<String> {
    vec!["**".to_string()]
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysConfig {
    #[serde(default = "yes")]
    use_defaults: bool,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default = "yes")]
    name_value_pairs: bool,
}

impl Default for KeysConfig {
    fn default() -> Self {
        KeysConfig { use_defaults: true, names: Vec::new(), paths: Vec::new(), name_value_pairs: true }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanConfig {
    #[serde(default = "everything")]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default = "yes")]
    embedded_json: bool,
    #[serde(default = "yes")]
    numbers: bool,
    #[serde(default = "yes")]
    multiline_keys: bool,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig { include: everything(), exclude: Vec::new(), embedded_json: true, numbers: true, multiline_keys: true }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowlistConfig {
    #[serde(default)]
    values: Vec<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HashConfig {
    key_file: Option<String>,
    length: Option<usize>,
    prefix: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SummaryConfig {
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default = "default_summary_field")]
    field: String,
}

fn default_summary_field() -> String {
    "logward.mask".to_string()
}

impl Default for SummaryConfig {
    fn default() -> Self {
        SummaryConfig { enabled: true, field: default_summary_field() }
    }
}

/// Everything the plugin runs with.
pub struct Settings {
    pub walker: Walker,
    pub summary: Option<FieldPath>,
    pub multiline_keys: bool,
    pub compile_at_start: bool,
}

/// The built-in rule whose regex needs the most stack to compile (see README, "Stack").
pub const STACK_PROBE_RULE: &str = "sourcegraph-token";

/// The default key file, next to mask.json.
pub const DEFAULT_KEY_FILE: &str = "mask.key";
/// Shortest HMAC key accepted.
pub const MIN_KEY_BYTES: usize = 16;

/// JSON-pointer-escapes a map key.
fn ptr(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Validates and builds. `source` is `None` when there is no mask.json (all defaults).
pub fn build(source: Option<&ConfigSource>) -> Result<Settings, ConfigError> {
    let cfg: FileConfig = match source {
        Some(s) => s.parse()?,
        // No file: what `{}` means (Default would say false where serde says `yes`).
        None => FileConfig { compile_at_start: yes(), ..FileConfig::default() },
    };
    let err = |pointer: &str, msg: String| -> ConfigError {
        match source {
            Some(s) => s.error_at(pointer, msg),
            None => ConfigError::new("mask.json", 1, 1, msg),
        }
    };

    // Groups.
    let mut group_toggles: BTreeMap<Group, &Toggle> = BTreeMap::new();
    for (name, t) in &cfg.groups {
        let g = Group::parse(name).ok_or_else(|| err(&format!("/groups/{}", ptr(name)), format!("unknown group `{name}` (groups: secrets, pii, network)")))?;
        group_toggles.insert(g, t);
    }

    // Rules: custom first (user rules win overlaps), then built-ins.
    let mut rule_list: Vec<Rule> = Vec::new();
    let mut own_actions: Vec<Option<(ActionConfig, String)>> = Vec::new();
    let mut default_partials = Vec::new();
    for (i, c) in cfg.custom_rules.iter().enumerate() {
        let at = |field: &str| format!("/custom_rules/{i}/{field}");
        let (rule, action) = custom_rule(c, &at, &err)?;
        if rule_list.iter().any(|r| r.id == rule.id) || rules::builtin().iter().any(|s| s.id == rule.id) {
            return Err(err(&at("id"), format!("rule id `{}` is already used", rule.id)));
        }
        own_actions.push(action.map(|a| (a, at("action"))));
        default_partials.push(None);
        rule_list.push(rule);
    }
    for spec in rules::builtin() {
        default_partials.push(spec.default_partial);
        own_actions.push(None);
        rule_list.push(Rule::from_spec(&spec));
    }
    for (id, t) in &cfg.rules {
        let Some(i) = rule_list.iter().position(|r| r.id == *id) else {
            let known: Vec<String> = rules::builtin().iter().map(|s| s.id.to_string()).collect();
            return Err(err(&format!("/rules/{}", ptr(id)), format!("unknown rule `{id}`; built-in rules: {}", known.join(", "))));
        };
        if let Some(e) = t.enabled {
            rule_list[i].enabled = e;
        }
        if let Some(a) = &t.action {
            own_actions[i] = Some((a.clone(), format!("/rules/{}/action", ptr(id))));
        }
    }
    // Group switches apply to rules without their own `enabled`.
    for (i, rule) in rule_list.iter_mut().enumerate() {
        let explicit = cfg.rules.get(&rule.id).and_then(|t| t.enabled).is_some()
            || cfg.custom_rules.get(i).and_then(|c| c.enabled).is_some();
        if !explicit
            && let Some(e) = group_toggles.get(&rule.group).and_then(|t| t.enabled) {
                rule.enabled = e;
            }
    }

    // Actions: rule > group > top level > built-in default > redact.
    let mut uses_hash = None;
    let mut actions = Vec::with_capacity(rule_list.len());
    for (i, rule) in rule_list.iter().enumerate() {
        let chosen: Option<(ActionConfig, String)> = own_actions[i]
            .clone()
            .or_else(|| {
                group_toggles
                    .get(&rule.group)
                    .and_then(|t| t.action.clone())
                    .map(|a| (a, format!("/groups/{}/action", rule.group.name())))
            })
            .or_else(|| cfg.action.clone().map(|a| (a, "/action".to_string())));
        let action = match chosen {
            Some((a, at)) => {
                let action = to_action(&a, &at, &err)?;
                if action == Action::Hash && rule.enabled && uses_hash.is_none() {
                    uses_hash = Some(at);
                }
                action
            }
            None => match default_partials[i] {
                Some(p) => Action::Partial { keep_first: p.keep_first, keep_last: p.keep_last, mask_char: '*' },
                None => Action::default(),
            },
        };
        actions.push(action);
    }

    let hash = match uses_hash {
        Some(at) => Some(hash_settings(&cfg.hash, source, &at, &err)?),
        None => None,
    };

    // Keys.
    let mut key_patterns: Vec<String> = Vec::new();
    if cfg.keys.use_defaults {
        key_patterns.extend(DEFAULT_NAMES.iter().map(|s| s.to_string()));
    }
    let own_start = key_patterns.len();
    key_patterns.extend(cfg.keys.names.iter().cloned());
    let names_len = cfg.keys.names.len();
    key_patterns.extend(cfg.keys.paths.iter().cloned());
    let keys = KeyMatcher::new(&key_patterns).map_err(|(i, m)| {
        let j = i.saturating_sub(own_start);
        let pointer = if j < names_len { format!("/keys/names/{j}") } else { format!("/keys/paths/{}", j - names_len) };
        err(&pointer, m)
    })?;
    for (j, p) in cfg.keys.paths.iter().enumerate() {
        if !(p.contains('.') || p.contains('[')) {
            return Err(err(&format!("/keys/paths/{j}"), format!("`{p}` is a key name, not a path: put it in keys.names")));
        }
    }

    // Paths and allowlists.
    let paths = ScanPaths {
        include: PathSet::new(&cfg.scan.include).map_err(|(i, m)| err(&format!("/scan/include/{i}"), m))?,
        exclude: PathSet::new(&cfg.scan.exclude).map_err(|(i, m)| err(&format!("/scan/exclude/{i}"), m))?,
        allow: PathSet::new(&cfg.allowlist.paths).map_err(|(i, m)| err(&format!("/allowlist/paths/{i}"), m))?,
    };
    let mut allow_regexes = Vec::new();
    for (i, r) in cfg.allowlist.regexes.iter().enumerate() {
        allow_regexes.push(compile(r, true).map_err(|e| err(&format!("/allowlist/regexes/{i}"), format!("regex does not compile: {e}")))?);
    }

    let summary = if cfg.summary.enabled {
        Some(FieldPath::parse(&cfg.summary.field).map_err(|e| err("/summary/field", e))?)
    } else {
        None
    };

    let sensitive_rule = rule_list.iter().position(|r| r.id == SENSITIVE_KEY && r.enabled).filter(|_| !keys.is_empty());
    let pem_rule = rule_list.iter().position(|r| r.id == PRIVATE_KEY && r.enabled);
    let key_literals = if sensitive_rule.is_some() { keys.literals() } else { Vec::new() };
    let engine = Engine::new(EngineParts {
        rules: rule_list,
        actions,
        key_literals,
        allow_values: cfg.allowlist.values.clone(),
        allow_regexes,
        hash,
    });
    let walker = Walker {
        engine,
        keys,
        paths,
        sensitive_rule,
        pem_rule,
        embedded_json: cfg.scan.embedded_json,
        numbers: cfg.scan.numbers,
        name_value_pairs: cfg.keys.name_value_pairs,
    };
    Ok(Settings { walker, summary, multiline_keys: cfg.scan.multiline_keys, compile_at_start: cfg.compile_at_start })
}

/// Compiles regexes at start (from `Plugin::start`, a shallower frame than [`build`]'s): every
/// enabled rule's with `compile_at_start`, otherwise only the one that needs the most stack.
///
/// Compiling a regex is mask's deepest call chain (WAMR stack). Without `compile_at_start` the
/// probe compiles the deepest built-in rule wrapped in three capture groups (~700 bytes each),
/// covering the extra depth of a first keyword hit inside a record's walk (embedded JSON), so a
/// Wasm_Stack_Size too small for lazy compilation stops Fluent Bit at start instead of trapping
/// on — and dropping — the first record that needs the rule. Measured: README, "Stack".
#[inline(never)]
pub fn precompile(rules: &[Rule], compile_at_start: bool) -> Result<(), ConfigError> {
    if compile_at_start {
        for r in rules.iter().filter(|r| r.enabled) {
            // Custom rules were compiled (and their errors located) by `build`: a failure here
            // is a built-in rule's, a bug of ours.
            r.ensure_compiled()
                .map_err(|e| ConfigError::new("mask.json", 1, 1, format!("built-in rule `{}` does not compile: {e}", r.id)))?;
        }
    } else if let Some(src) = rules.iter().find(|r| r.id == STACK_PROBE_RULE).and_then(Rule::source) {
        let _ = compile(&format!("((({src})))"), false);
    }
    Ok(())
}

fn to_action(a: &ActionConfig, at: &str, err: &impl Fn(&str, String) -> ConfigError) -> Result<Action, ConfigError> {
    let only = |field: &str, present: bool, mode: &str| -> Result<(), ConfigError> {
        if present {
            Err(err(&format!("{at}/{field}"), format!("`{field}` only applies to mode `{mode}`")))
        } else {
            Ok(())
        }
    };
    match a.mode {
        Mode::Redact => {
            only("keep_first", a.keep_first.is_some(), "partial")?;
            only("keep_last", a.keep_last.is_some(), "partial")?;
            only("mask_char", a.mask_char.is_some(), "partial")?;
            Ok(Action::Redact { token: a.token.clone().unwrap_or_else(|| DEFAULT_TOKEN.to_string()) })
        }
        Mode::Partial => {
            only("token", a.token.is_some(), "redact")?;
            let (first, last) = match (a.keep_first, a.keep_last) {
                (None, None) => (0, 4),
                (f, l) => (f.unwrap_or(0), l.unwrap_or(0)),
            };
            if first + last > 64 {
                return Err(err(at, "keep_first + keep_last must be at most 64".into()));
            }
            Ok(Action::Partial { keep_first: first, keep_last: last, mask_char: a.mask_char.unwrap_or('*') })
        }
        Mode::Hash => {
            only("token", a.token.is_some(), "redact")?;
            only("keep_first", a.keep_first.is_some(), "partial")?;
            only("keep_last", a.keep_last.is_some(), "partial")?;
            only("mask_char", a.mask_char.is_some(), "partial")?;
            Ok(Action::Hash)
        }
    }
}

fn hash_settings(
    h: &HashConfig,
    source: Option<&ConfigSource>,
    used_at: &str,
    err: &impl Fn(&str, String) -> ConfigError,
) -> Result<HashSettings, ConfigError> {
    let length = h.length.unwrap_or(DEFAULT_HASH_LENGTH);
    if !(8..=64).contains(&length) {
        return Err(err("/hash/length", format!("length must be between 8 and 64 hex digits, not {length}")));
    }
    let file = h.key_file.clone().unwrap_or_else(|| DEFAULT_KEY_FILE.to_string());
    let dir = source.map_or(".", |s| s.dir());
    let path = if file.starts_with('/') { file.clone() } else { logward_sdk::config::join(dir, &file) };
    let at = if h.key_file.is_some() { "/hash/key_file".to_string() } else { used_at.to_string() };
    let bytes = std::fs::read(&path).map_err(|e| {
        err(&at, format!("mode `hash` needs an HMAC key: cannot read `{path}` ({e}); put at least {MIN_KEY_BYTES} random bytes there (e.g. `head -c 32 /dev/urandom > {file}`) or set hash.key_file"))
    })?;
    let key: Vec<u8> = {
        let mut k = bytes;
        while k.last().is_some_and(|b| b.is_ascii_whitespace()) {
            k.pop();
        }
        k
    };
    if key.len() < MIN_KEY_BYTES {
        return Err(err(&at, format!("the HMAC key in `{path}` has {} bytes; use at least {MIN_KEY_BYTES}", key.len())));
    }
    Ok(HashSettings { key, length, prefix: h.prefix.clone().unwrap_or_else(|| DEFAULT_HASH_PREFIX.to_string()) })
}

fn custom_rule(
    c: &CustomRule,
    at: &impl Fn(&str) -> String,
    err: &impl Fn(&str, String) -> ConfigError,
) -> Result<(Rule, Option<ActionConfig>), ConfigError> {
    if c.id.is_empty() || !c.id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
        return Err(err(&at("id"), format!("rule id `{}` must be non-empty letters, digits, `-`, `_` or `.`", c.id)));
    }
    let group = match &c.group {
        None => Group::Secrets,
        Some(g) => Group::parse(g).ok_or_else(|| err(&at("group"), format!("unknown group `{g}` (groups: secrets, pii, network)")))?,
    };
    let regex = compile(&c.regex, true).map_err(|e| err(&at("regex"), format!("regex does not compile: {e}")))?;
    let extract = match &c.secret_group {
        None => Extract::Whole,
        Some(Value::Number(n)) => {
            let g = n.as_u64().map(|g| g as usize).filter(|&g| g < regex.captures_len());
            match g {
                Some(0) => Extract::Whole,
                Some(g) => Extract::Group(g),
                None => return Err(err(&at("secret_group"), format!("the regex has {} capture groups", regex.captures_len() - 1))),
            }
        }
        Some(Value::String(name)) => match regex.capture_names().position(|n| n == Some(name.as_str())) {
            Some(g) => Extract::Group(g),
            None => return Err(err(&at("secret_group"), format!("the regex has no group named `{name}`"))),
        },
        Some(_) => return Err(err(&at("secret_group"), "secret_group must be a group number or name".into())),
    };
    for (i, k) in c.keywords.iter().enumerate() {
        if k.is_empty() {
            return Err(err(&at(&format!("keywords/{i}")), "empty keyword".into()));
        }
    }
    let mut rule = Rule::custom(c.id.clone(), group, c.keywords.clone(), regex, extract);
    if let Some(e) = c.entropy {
        if !(0.0..=8.0).contains(&e) {
            return Err(err(&at("entropy"), "entropy is in bits per byte: between 0 and 8".into()));
        }
        rule.entropy = Some(e);
    }
    rule.min_len = c.min_length.unwrap_or(0);
    if let Some(v) = &c.validator {
        let names: Vec<&str> = validate::NAMED.iter().map(|(n, _)| *n).collect();
        rule.validator = Some(validate::named(v).ok_or_else(|| err(&at("validator"), format!("unknown validator `{v}` (validators: {})", names.join(", "))))?);
    }
    for (i, a) in c.allow.iter().enumerate() {
        rule.allow.push(compile(a, true).map_err(|e| err(&at(&format!("allow/{i}")), format!("regex does not compile: {e}")))?);
    }
    rule.stopwords = c.stopwords.iter().map(|s| s.to_ascii_lowercase()).collect();
    if let Some(e) = c.enabled {
        rule.enabled = e;
    }
    Ok((rule, c.action.clone()))
}

