//! # comply — compliance tagging and audit normalization for Fluent Bit
//!
//! Tags each record with the frameworks and versioned control IDs it is evidence for
//! (`pci_dss_v4.0:10.2.1.2`, `nist_800_53_r5:AU-2`, `mlps_2.0:8.1.4.3`, ...), how long it must be
//! kept (the longest retention of those frameworks) and a risk level; optionally adds an
//! `audit` object in one schema for Kubernetes audit events, Docker daemon events, auditd
//! records and nginx access lines.
//!
//! Per record: one pass over the record finds every field any rule or the normalizer reads
//! ([`logward_sdk::FieldSet`]); a free-text line (`log`, `message`) is classified from its
//! first bytes and, if it is an auditd/nginx/MySQL/syslog line, scanned once into named fields
//! that rules address as `@auditd.key` etc.; then the rules are evaluated. A record no rule
//! matches (and that is not normalized) is returned untouched — Fluent Bit gets its own copy.
//!
//! See README.md for the configuration reference and the default mapping.

mod config;
mod frameworks;
mod normalize;
mod report;
mod risk;
mod rules;
pub mod sources;
mod time;

use std::borrow::Cow;

use logward_match::Compiler;
use logward_sdk::{
    Call, ConfigError, ConfigSource, FieldPath, FieldSet, Fields, Format, Node, Plugin, PluginError, Record, Segment,
    Str, Verdict,
};

use crate::frameworks::Frameworks;
use crate::normalize::{Audit, DockerFields, K8sFields};
use crate::report::{ReportCache, ReportOptions};
use crate::rules::Rule;
use crate::sources::{Source, SourceSet, View};

pub use crate::config::DEFAULT_MAPPING;
use crate::risk::Risk;

pub struct Comply {
    rules: Vec<Rule>,
    frameworks: Frameworks,
    fields: FieldSet,
    output: FieldPath,
    /// `output` when it is one top-level key: the report is then appended pre-encoded.
    output_key: Option<String>,
    report: ReportOptions,
    reports: ReportCache,
    normalizer: Option<Normalizer>,
    /// Field ids of `line_fields`, in order.
    line_fields: Vec<usize>,
    /// Line sources worth parsing.
    sources: SourceSet,
    /// Fields of records a syslog parser or the systemd input already split.
    syslog_fields: Option<SyslogFields>,
    /// Reused buffers: the document of a parsed line; the indexes of the matched rules.
    scratch: Vec<u8>,
    matched: Vec<u32>,
}

struct Normalizer {
    output: FieldPath,
    /// `output` when it is one top-level key (the object is then appended pre-encoded).
    output_key: Option<String>,
    k8s: K8sFields,
    docker: DockerFields,
    /// `container_id` (Docker's fluentd driver), `kubernetes.docker_id` (Fluent Bit's
    /// kubernetes filter): where a container log line's container is named.
    container_ids: [usize; 2],
}

/// (ident, message, pid, host) as Fluent Bit's syslog parsers and its systemd input name them.
struct SyslogFields {
    shapes: [[usize; 4]; 2],
}

impl Plugin for Comply {
    const NAME: &'static str = "comply";

    fn init(config: Option<&ConfigSource>) -> Result<Self, ConfigError> {
        // Small on purpose: this frame is live while rule conditions compile recursively.
        let settings = config::load(config)?;
        let frameworks = Frameworks::new(settings.frameworks.clone());
        let mut compiler = Compiler::new();
        let (rules, sources) = rules::compile_all(&settings, &frameworks, &mut compiler)?;
        Comply::assemble(config, &settings, frameworks, compiler, rules, sources)
    }

    fn process(&mut self, record: &mut Record<'_>, _call: &Call<'_>) -> Result<Verdict, PluginError> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let fields = record.lookup(&self.fields)?;

        // A free-text line: classified from its raw bytes, decoded and parsed only if promising.
        let line = self.line(&fields);
        let text: Option<Cow<'_, str>> = line.map(|(_, s)| s.text());
        let mut view = match (line, text.as_deref()) {
            (Some((source, _)), Some(t)) => sources::parse(source, t),
            _ => None,
        };
        if view.is_none() {
            view = self.syslog_view(&fields);
        }
        let mut fields = fields;
        if let Some(v) = &view {
            v.write_doc(&mut scratch);
            let root = Node::root(&scratch, Format::Json)?;
            fields.merge(self.fields.lookup(root)?);
        }

        let mut matched = std::mem::take(&mut self.matched);
        matched.clear();
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.matches(&fields, record) {
                matched.push(i as u32);
            }
        }
        let audit = self.normalizer.as_ref().and_then(|n| n.audit(&fields, view.as_ref()));

        let mut risk = None;
        if !matched.is_empty() {
            let report = self.reports.get(&matched, &self.rules, &self.frameworks, &self.report);
            risk = Some(report.risk);
            match &self.output_key {
                Some(key) if record.member(key)?.is_none() => record.append_encoded(key, report.encoded(record.format()).to_vec())?,
                _ => record.set(&self.output, report.value.clone())?,
            }
        }
        if let (Some(mut audit), Some(n)) = (audit, &self.normalizer) {
            audit.risk_level = risk.map(Risk::as_str);
            match &n.output_key {
                Some(key) if record.member(key)?.is_none() => {
                    let mut bytes = Vec::with_capacity(256);
                    audit.encode(record.format(), &mut bytes);
                    record.append_encoded(key, bytes)?;
                }
                _ => record.set(&n.output, audit.to_value())?,
            }
        }
        self.scratch = scratch;
        self.matched = matched;
        Ok(Verdict::Keep)
    }
}

impl Comply {
    /// Everything after the rules: outputs, the normalizer's fields, line fields.
    #[inline(never)]
    fn assemble(
        config: Option<&ConfigSource>,
        settings: &config::Settings,
        frameworks: Frameworks,
        mut compiler: Compiler,
        rules: Vec<Rule>,
        mut sources: SourceSet,
    ) -> Result<Self, ConfigError> {
        let at_user = |pointer: &str, msg: String| match config {
            Some(src) => src.error_at(pointer, msg),
            None => ConfigError::new(config::DEFAULT_MAPPING_NAME, 1, 1, msg),
        };
        let output = object_path(&settings.output_field).map_err(|e| at_user("/output/field", e))?;
        let normalizer = if settings.normalize {
            let path = object_path(&settings.normalize_field).map_err(|e| at_user("/normalize/field", e))?;
            if path == output {
                return Err(at_user("/normalize/field", "must differ from output.field".into()));
            }
            sources.insert(Source::Auditd);
            sources.insert(Source::Nginx);
            let internal = |e: String| at_user("", e);
            Some(Normalizer {
                output_key: single_key(&path),
                output: path,
                k8s: K8sFields::register(&mut compiler).map_err(internal)?,
                docker: DockerFields::register(&mut compiler).map_err(internal)?,
                container_ids: [
                    compiler.field("container_id").map_err(internal)?,
                    compiler.field("kubernetes.docker_id").map_err(internal)?,
                ],
            })
        } else {
            None
        };
        // Lines are looked for only when some rule or the normalizer reads a line source.
        let mut line_fields = Vec::new();
        if !sources.is_empty() {
            for (i, f) in settings.line_fields.iter().enumerate() {
                line_fields.push(compiler.field(f).map_err(|e| at_user(&format!("/line_fields/{i}"), e))?);
            }
        }
        let syslog_fields = if sources.contains(Source::Syslog) {
            let mut id = |p: &str| compiler.field(p).map_err(|e| at_user("", e));
            Some(SyslogFields {
                shapes: [
                    [id("ident")?, id("message")?, id("pid")?, id("host")?],
                    [id("SYSLOG_IDENTIFIER")?, id("MESSAGE")?, id("_PID")?, id("_HOSTNAME")?],
                ],
            })
        } else {
            None
        };
        Ok(Comply {
            rules,
            frameworks,
            fields: compiler.field_set(),
            output_key: single_key(&output),
            output,
            report: ReportOptions { rule_ids: settings.rule_ids, flat_tags: settings.flat_tags },
            reports: ReportCache::default(),
            normalizer,
            line_fields,
            sources,
            syslog_fields,
            scratch: Vec::new(),
            matched: Vec::new(),
        })
    }

    /// The first line field holding a string that looks like a line of a wanted source.
    fn line<'a>(&self, fields: &Fields<'a>) -> Option<(Source, Str<'a>)> {
        self.line_fields.iter().find_map(|&id| {
            let s = fields.first(id)?.str().ok()??;
            Some((sources::classify(s.raw(), self.sources)?, s))
        })
    }

    /// A syslog record whose parser (or the systemd input) already split it.
    fn syslog_view(&self, fields: &Fields<'_>) -> Option<View<'static>> {
        let shapes = &self.syslog_fields.as_ref()?.shapes;
        let [ident, message, pid, host] = *shapes.iter().find(|s| fields.first(s[0]).is_some())?;
        let mut v = View::new(Source::Syslog);
        for (name, id) in [("ident", ident), ("message", message), ("pid", pid), ("host", host)] {
            if let Some(text) = normalize::first_text(fields, id) {
                v.push(name, text);
            }
        }
        Some(v)
    }
}

impl Normalizer {
    fn audit(&self, fields: &Fields<'_>, view: Option<&View<'_>>) -> Option<Audit> {
        if let Some(v) = view {
            let container = self.container_ids.iter().find_map(|&id| normalize::first_text(fields, id));
            return normalize::from_view(v, container);
        }
        if self.k8s.is_event(fields) {
            return Some(self.k8s.audit(fields));
        }
        if self.docker.is_event(fields) {
            return Some(self.docker.audit(fields));
        }
        None
    }
}

/// The key of a one-key path (a top-level field).
fn single_key(path: &FieldPath) -> Option<String> {
    match path.segments() {
        [Segment::Key(k)] => Some(k.clone()),
        _ => None,
    }
}

/// A path `Record::set` can write: keys only.
fn object_path(text: &str) -> Result<FieldPath, String> {
    let path = FieldPath::parse(text)?;
    if path.segments().iter().any(|s| matches!(s, Segment::Index(_))) {
        return Err(format!("`{text}`: an output field cannot contain array indexes"));
    }
    Ok(path)
}
