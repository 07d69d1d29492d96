//! How `logward replay` writes surviving records.

use rmpv::Value;

use crate::fluentbit::json_out::write_value;
use crate::pipeline::Record;

/// `--output-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// Just the body, as Fluent Bit's JSON text: one object per line.
    #[default]
    Record,
    /// Fluent Bit `out_file` default format: `TAG: [SEC.NSEC, {body}]`.
    OutFile,
    /// Fluent Bit `json_lines` with `json_date_key date` (double): `{"date":SEC.FRAC,...body}`.
    /// As in Fluent Bit, a `date` key in the body wins over the added one.
    JsonLines,
}

/// The output line (with its newline) for a record.
pub fn format_record(record: &Record, format: OutputFormat) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    match format {
        OutputFormat::Record => write_value(&mut out, &record.body),
        OutputFormat::OutFile => {
            out.extend_from_slice(format!("{}: [{}, ", record.tag, record.time).as_bytes());
            write_value(&mut out, &record.body);
            out.push(b']');
        }
        OutputFormat::JsonLines => {
            let mut entries = vec![(Value::from("date"), Value::F64(record.time.to_double()))];
            match &record.body {
                Value::Map(body) => entries.extend(body.iter().cloned()),
                other => entries.push((Value::from("log"), other.clone())),
            }
            write_value(&mut out, &Value::Map(entries));
        }
    }
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fluentbit::FlbTime;

    fn record() -> Record {
        Record {
            tag: "app.logs".into(),
            time: FlbTime::new(1_700_000_000, 500_000_000),
            body: Value::Map(vec![(Value::from("msg"), Value::from("é"))]),
        }
    }

    #[test]
    fn formats() {
        assert_eq!(
            format_record(&record(), OutputFormat::Record),
            b"{\"msg\":\"\\u00e9\"}\n"
        );
        assert_eq!(
            format_record(&record(), OutputFormat::OutFile),
            b"app.logs: [1700000000.500000000, {\"msg\":\"\\u00e9\"}]\n"
        );
        assert_eq!(
            format_record(&record(), OutputFormat::JsonLines),
            b"{\"date\":1700000000.5,\"msg\":\"\\u00e9\"}\n"
        );
    }
}
