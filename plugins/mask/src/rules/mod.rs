//! The built-in rule pack, one file per provider family. Every rule was written from the
//! provider's documented token format (prefixes, lengths, alphabets); each file's tests hold
//! the rule's positives and the look-alikes it must leave alone.
//!
//! Order is priority: when two findings overlap, the earlier rule names the merged span.
//! Specific formats come first, then HTTP/URL shapes, then the generic assignment rule, then
//! personal data.

use crate::rule::{Group, Pattern, RuleSpec};

mod ai;
mod aws;
mod azure;
mod chat;
mod cn_clouds;
mod gcp;
mod generic;
mod hashicorp;
mod http;
mod jwt;
mod messaging;
mod observability;
mod payments;
pub mod pii;
mod platforms;
pub mod private_key;
mod registries;
mod saas;
mod vcs;

/// Id of the pseudo-rule that counts and configures values masked because of their key.
pub const SENSITIVE_KEY: &str = "sensitive-key";
/// Id of the private-key rule (also used for key blocks spread over several records).
pub const PRIVATE_KEY: &str = private_key::ID;

/// Values masked whole because of their key (see `keys` in mask.json). It never matches text;
/// it exists so the key masks have an id, an action and a count like every other rule.
const SENSITIVE_KEY_RULE: RuleSpec = RuleSpec {
    group: Group::Secrets,
    pattern: Pattern::Scan(|_, _| {}),
    reject_placeholders: false,
    boundary: crate::rule::Boundary::Regex,
    ..RuleSpec::token(SENSITIVE_KEY, "Any value whose key is in the sensitive key list", &[], "")
};

/// Every built-in rule, in priority order.
pub fn builtin() -> Vec<RuleSpec> {
    let families: &[&[RuleSpec]] = &[
        private_key::RULES,
        aws::RULES,
        gcp::RULES,
        azure::RULES,
        cn_clouds::RULES,
        vcs::RULES,
        chat::RULES,
        payments::RULES,
        messaging::RULES,
        registries::RULES,
        ai::RULES,
        hashicorp::RULES,
        observability::RULES,
        platforms::RULES,
        saas::RULES,
        jwt::RULES,
        http::RULES,
        generic::RULES,
        pii::RULES,
    ];
    let mut v: Vec<RuleSpec> = families.iter().flat_map(|f| f.iter().copied()).collect();
    v.push(SENSITIVE_KEY_RULE);
    v
}

#[cfg(test)]
pub(crate) mod testing {
    //! Runs one built-in rule alone, with its keyword/class gate, the way the engine does.

    use super::builtin;
    use crate::prefilter::{find_classes, Encoding, Hits};
    use crate::rule::{snap, Rule};

    /// The secrets rule `id` finds in `text` (empty if its gate does not open).
    pub fn secrets(id: &str, text: &str) -> Vec<String> {
        let spec = builtin().into_iter().find(|s| s.id == id).unwrap_or_else(|| panic!("no rule {id}"));
        let lower = text.to_ascii_lowercase();
        let by_keyword = spec.keywords.iter().any(|k| lower.contains(&k.to_ascii_lowercase()));
        let mut hits = Hits::default();
        find_classes(text.as_bytes(), Encoding::Text, spec.classes, &mut hits);
        if !by_keyword && hits.is_empty() {
            return Vec::new();
        }
        let rule = Rule::from_spec(&spec);
        rule.ensure_compiled().unwrap_or_else(|e| panic!("{id}: {e}"));
        let mut anchors = Vec::new();
        for k in spec.keywords {
            let k = k.to_ascii_lowercase();
            let mut from = 0;
            while let Some(p) = lower.get(from..).and_then(|t| t.find(&k)) {
                anchors.push(from + p..from + p + k.len());
                from += p + 1;
            }
        }
        anchors.sort_by_key(|r| r.start);
        let mut spans = Vec::new();
        rule.candidates(text, &anchors, &[], &mut spans);
        spans
            .into_iter()
            .map(|s| snap(text, s))
            .filter(|s| rule.accept(text, s, &["[REDACTED"]))
            .map(|s| text[s].to_string())
            .collect()
    }

    /// Asserts that rule `id` finds exactly `secret` in each positive text, and nothing in
    /// each negative.
    pub fn check(id: &str, positives: &[(&str, &str)], negatives: &[&str]) {
        for (text, secret) in positives {
            let found = secrets(id, text);
            assert!(found.iter().any(|f| f == secret), "{id}: expected {secret:?} in {text:?}, found {found:?}");
        }
        for text in negatives {
            let found = secrets(id, text);
            assert!(found.is_empty(), "{id}: expected nothing in {text:?}, found {found:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::Rule;

    #[test]
    fn every_builtin_compiles_and_ids_are_unique() {
        let specs = builtin();
        let mut ids: Vec<&str> = specs.iter().map(|s| s.id).collect();
        for s in &specs {
            Rule::from_spec(s).ensure_compiled().unwrap_or_else(|e| panic!("{}: {e}", s.id));
            assert!(s.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{}", s.id);
            assert!(!s.description.is_empty(), "{}", s.id);
            assert!(
                !s.keywords.is_empty() || s.classes != 0 || s.id == SENSITIVE_KEY,
                "{}: a rule needs a keyword or a candidate class, or it would run on every value",
                s.id
            );
            for k in s.keywords {
                // One-byte keywords are bytes rare in clean logs.
                assert!(k.len() >= 2 || *k == "@" || *k == "|", "{}: keyword {k:?} is too short", s.id);
            }
        }
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate rule ids");
    }
}
