//! `${VAR}` and `${VAR:-default}` in property values (`flb_env_var_translate` in
//! `src/flb_env.c`): variables come from `@SET` / YAML `env:` first, then the process
//! environment; an unset variable without default becomes the empty string.

use std::collections::HashMap;

/// Variables defined by the configuration itself.
#[derive(Debug, Clone, Default)]
pub struct ConfigEnv {
    vars: HashMap<String, String>,
}

impl ConfigEnv {
    /// Defines (or redefines) a variable (`@SET KEY=VALUE`).
    pub fn set(&mut self, key: &str, value: &str) {
        self.vars.insert(key.to_string(), value.to_string());
    }

    fn get(&self, key: &str) -> Option<String> {
        self.vars
            .get(key)
            .cloned()
            .or_else(|| std::env::var(key).ok())
    }

    /// Expands every `${...}` in `value`.
    pub fn translate(&self, value: &str) -> String {
        let mut out = String::with_capacity(value.len());
        let mut rest = value;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start + 2..].find('}') else {
                break;
            };
            let inner = &rest[start + 2..start + 2 + len];
            if inner.is_empty() {
                break;
            }
            out.push_str(&rest[..start]);
            let (name, default) = match inner.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            match (self.get(name), default) {
                (Some(v), Some(d)) if v.is_empty() => out.push_str(d),
                (Some(v), _) => out.push_str(&v),
                (None, Some(d)) => out.push_str(d),
                (None, None) => {}
            }
            rest = &rest[start + 2 + len + 1..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::ConfigEnv;

    #[test]
    fn expands_variables_and_defaults() {
        let mut env = ConfigEnv::default();
        env.set("DIR", "/plugins");
        assert_eq!(env.translate("${DIR}/mask.wasm"), "/plugins/mask.wasm");
        assert_eq!(env.translate("${LOGWARD_SURELY_UNSET_VAR:-x}y"), "xy");
        assert_eq!(env.translate("a${LOGWARD_SURELY_UNSET_VAR}b"), "ab");
        assert_eq!(env.translate("plain"), "plain");
    }
}
