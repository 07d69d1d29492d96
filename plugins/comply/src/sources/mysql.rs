//! MySQL / MariaDB general query log and slow query log lines.
//!
//! General log (MySQL 5.7+ first, MySQL 5.5 / MariaDB second, a continuation line third;
//! `→` is a tab):
//!
//! ```text
//! 2023-11-14T22:13:20.123456Z→   12 Connect→app@10.0.0.5 on shop using TCP/IP
//! 231114 22:13:20→   12 Query→SELECT pan FROM cards WHERE id = 7
//! →→   12 Quit
//! ```
//!
//! Fields: `log_type` (`general`), `time` (when the line has one), `thread_id`, `command`
//! (`Connect`, `Query`, `Execute`, `Init DB`, ...; lines with any other word are not MySQL),
//! `argument`; for `Connect` also `user`, `host` and `database` (`user@host on db using ...`,
//! or `user`/`host` from `Access denied for user 'u'@'h'`); for statements (`Query`,
//! `Prepare`, `Execute`) `sql_command`: the statement's kind, upper-case — `SELECT`, `GRANT`,
//! `CREATE USER`, `DROP TABLE`, `SET PASSWORD` — so rules compare words instead of running a
//! regex over SQL.
//!
//! Slow log, one header line per record or a whole entry joined into one record:
//!
//! ```text
//! # Time: 2023-11-14T22:13:20.123456Z
//! # User@Host: app[app] @ web-1 [10.0.0.5]  Id:    12
//! # Query_time: 2.000213  Lock_time: 0.000102 Rows_sent: 1  Rows_examined: 1000000
//! SET timestamp=1700000000;
//! SELECT * FROM cards;
//! ```
//!
//! Fields: `log_type` (`slow`), `time`, `user`, `host`, `ip`, `thread_id`, `query_time`,
//! `lock_time`, `rows_sent`, `rows_examined`, `database` (from `use db;`), `statement`,
//! `sql_command`.

use super::{Source, View};

/// Command names the general log writes (MySQL 8.0 and MariaDB).
const COMMANDS: &[&str] = &[
    "Binlog Dump", "Binlog Dump GTID", "Change user", "Clone", "Close stmt", "Connect", "Connect Out", "Create DB",
    "Daemon", "Debug", "Delayed insert", "Drop DB", "Error", "Execute", "Fetch", "Field List", "Init DB", "Kill",
    "Long Data", "Ping", "Prepare", "Processlist", "Query", "Quit", "Refresh", "Register Slave", "Reset Connection",
    "Reset stmt", "Set option", "Shutdown", "Sleep", "Statistics", "Table Dump", "Time",
];

pub fn parse(line: &str) -> Option<View<'_>> {
    if line.starts_with("# ") {
        parse_slow(line)
    } else {
        parse_general(line)
    }
}

fn parse_general(line: &str) -> Option<View<'_>> {
    let (time, rest) = line.split_once('\t')?;
    let time = time.trim();
    if !time.is_empty() && !time.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let rest = rest.trim_start_matches(['\t', ' ']);
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let (thread_id, rest) = rest.split_at(digits);
    let rest = rest.strip_prefix(' ')?.trim_start_matches(' ');
    let (command, argument) = rest.split_once('\t').unwrap_or((rest, ""));
    let command = command.trim_end();
    if !COMMANDS.contains(&command) {
        return None;
    }
    let mut v = View::new(Source::Mysql);
    v.push("log_type", "general");
    if !time.is_empty() {
        v.push("time", time);
    }
    v.push("thread_id", thread_id);
    v.push("command", command);
    v.push("argument", argument);
    if command == "Connect" {
        read_connect(argument, &mut v);
    }
    if let (true, Some(kind)) = (matches!(command, "Query" | "Prepare" | "Execute"), sql_command(argument)) {
        v.push("sql_command", kind);
    }
    Some(v)
}

/// Statements whose kind is two words (`CREATE TABLE`, `GRANT` is one).
const TWO_WORD: &[&str] = &["ALTER", "CREATE", "DROP", "RENAME", "SET", "SHOW", "TRUNCATE", "LOCK", "FLUSH", "START"];
/// Words between the verb and the object that do not change what kind of statement it is.
const MODIFIERS: &[&str] = &["TEMPORARY", "OR", "REPLACE", "UNIQUE", "FULLTEXT", "SPATIAL", "ONLINE", "OFFLINE", "IGNORE", "IF", "NOT", "EXISTS", "GLOBAL", "SESSION", "PERSIST"];

/// `  create temporary table t (...)` → `CREATE TABLE`; `GRANT SELECT ON ...` → `GRANT`.
/// Leading whitespace and `/* comments */` are skipped; `None` if no word starts the text.
fn sql_command(sql: &str) -> Option<String> {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        match rest.strip_prefix("/*") {
            Some(after) => rest = after.split_once("*/").map_or("", |(_, r)| r),
            None => break,
        }
    }
    let mut words = rest
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '=' || c == '`' || c == '@' || c == '%' || c == '\''))
        .filter(|w| !w.is_empty());
    let verb = words.next().filter(|w| w.bytes().all(|b| b.is_ascii_alphabetic()))?.to_ascii_uppercase();
    if !TWO_WORD.contains(&verb.as_str()) {
        return Some(verb);
    }
    // The object: the next word that is not a modifier or an option (`DEFINER=...`).
    let object = words
        .map(str::to_ascii_uppercase)
        .find(|w| !MODIFIERS.contains(&w.as_str()) && !w.contains('=') && w.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_'));
    Some(match object {
        Some(o) => format!("{verb} {o}"),
        None => verb,
    })
}

/// `app@10.0.0.5 on shop using TCP/IP`, or `Access denied for user 'bob'@'10.0.0.9' (using password: YES)`.
fn read_connect<'t>(argument: &'t str, v: &mut View<'t>) {
    if let Some(rest) = argument.strip_prefix("Access denied for user '") {
        if let Some((user, rest)) = rest.split_once("'@'") {
            v.push("user", user);
            if let Some((host, _)) = rest.split_once('\'') {
                v.push("host", host);
            }
        }
        return;
    }
    let Some((user, rest)) = argument.split_once('@') else { return };
    if user.is_empty() || user.contains(' ') {
        return;
    }
    v.push("user", user);
    let (host, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    if !host.is_empty() {
        v.push("host", host);
    }
    if let Some(db) = rest.strip_prefix("on ") {
        let db = db.split_once(" using").map_or(db, |(d, _)| d).trim();
        if !db.is_empty() {
            v.push("database", db);
        }
    }
}

fn parse_slow(text: &str) -> Option<View<'_>> {
    let mut v = View::new(Source::Mysql);
    v.push("log_type", "slow");
    let mut known = false;
    let mut statement_start = None;
    let mut offset = 0;
    for raw_line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches(['\n', '\r']);
        if let Some(time) = line.strip_prefix("# Time: ") {
            v.push("time", time.trim());
            known = true;
        } else if let Some(rest) = line.strip_prefix("# User@Host: ") {
            read_user_host(rest, &mut v);
            known = true;
        } else if let Some(rest) = line.strip_prefix("# Query_time: ") {
            read_metrics(rest, &mut v);
            known = true;
        } else if line.starts_with('#') || line.starts_with("SET timestamp=") || line.is_empty() {
        } else if let Some(db) = line.strip_prefix("use ").and_then(|d| d.strip_suffix(';')) {
            v.push("database", db);
        } else if statement_start.is_none() {
            statement_start = Some(line_start);
        }
    }
    if !known {
        return None;
    }
    if let Some(start) = statement_start {
        let statement = text[start..].trim_end();
        v.push("statement", statement);
        if let Some(kind) = sql_command(statement) {
            v.push("sql_command", kind);
        }
    }
    Some(v)
}

/// `app[app] @ web-1 [10.0.0.5]  Id:    12`
fn read_user_host<'t>(rest: &'t str, v: &mut View<'t>) {
    let (user_part, host_part) = rest.split_once(" @ ").unwrap_or((rest, ""));
    let user = user_part.split_once('[').map_or(user_part, |(u, _)| u).trim();
    if !user.is_empty() {
        v.push("user", user);
    }
    let (host_part, id_part) = host_part.split_once("Id:").unwrap_or((host_part, ""));
    let (host, ip) = host_part.split_once('[').unwrap_or((host_part, ""));
    let host = host.trim();
    if !host.is_empty() {
        v.push("host", host);
    }
    let ip = ip.split_once(']').map_or(ip, |(i, _)| i).trim();
    if !ip.is_empty() {
        v.push("ip", ip);
    }
    let id = id_part.trim();
    if !id.is_empty() {
        v.push("thread_id", id);
    }
}

/// `2.000213  Lock_time: 0.000102 Rows_sent: 1  Rows_examined: 1000000`
fn read_metrics<'t>(rest: &'t str, v: &mut View<'t>) {
    let mut words = rest.split_whitespace();
    if let Some(q) = words.next() {
        v.push("query_time", q);
    }
    while let (Some(name), Some(value)) = (words.next(), words.next()) {
        let field = match name {
            "Lock_time:" => "lock_time",
            "Rows_sent:" => "rows_sent",
            "Rows_examined:" => "rows_examined",
            _ => continue,
        };
        v.push(field, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn general_log_lines() {
        let v = parse("2023-11-14T22:13:20.123456Z\t   12 Connect\tapp@10.0.0.5 on shop using TCP/IP").unwrap();
        assert_eq!(v.get("log_type"), Some("general"));
        assert_eq!(v.get("time"), Some("2023-11-14T22:13:20.123456Z"));
        assert_eq!(v.get("thread_id"), Some("12"));
        assert_eq!(v.get("command"), Some("Connect"));
        assert_eq!(v.get("user"), Some("app"));
        assert_eq!(v.get("host"), Some("10.0.0.5"));
        assert_eq!(v.get("database"), Some("shop"));

        let v = parse("231114 22:13:20\t   12 Query\tSELECT pan FROM cards WHERE id = 7").unwrap();
        assert_eq!(v.get("time"), Some("231114 22:13:20"));
        assert_eq!(v.get("argument"), Some("SELECT pan FROM cards WHERE id = 7"));

        let v = parse("\t\t   12 Init DB\tshop").unwrap();
        assert_eq!(v.get("time"), None);
        assert_eq!(v.get("command"), Some("Init DB"));
        assert_eq!(v.get("argument"), Some("shop"));

        let v = parse("2023-11-14T22:13:25.000001Z\t   12 Quit\t").unwrap();
        assert_eq!(v.get("command"), Some("Quit"));

        let v = parse("2023-11-14T22:13:26.5Z\t   13 Connect\tAccess denied for user 'bob'@'10.0.0.9' (using password: YES)").unwrap();
        assert_eq!(v.get("user"), Some("bob"));
        assert_eq!(v.get("host"), Some("10.0.0.9"));
    }

    #[test]
    fn slow_log_header_lines_and_joined_entry() {
        let v = parse("# User@Host: app[app] @ web-1 [10.0.0.5]  Id:    12").unwrap();
        assert_eq!((v.get("user"), v.get("host"), v.get("ip"), v.get("thread_id")), (Some("app"), Some("web-1"), Some("10.0.0.5"), Some("12")));
        let v = parse("# User@Host: root[root] @ localhost []  Id:     3").unwrap();
        assert_eq!((v.get("user"), v.get("host"), v.get("ip")), (Some("root"), Some("localhost"), None));

        let entry = "# Time: 2023-11-14T22:13:20.123456Z\n# User@Host: app[app] @  [10.0.0.5]  Id:    12\n# Query_time: 2.000213  Lock_time: 0.000102 Rows_sent: 1  Rows_examined: 1000000\nuse shop;\nSET timestamp=1700000000;\nSELECT *\nFROM cards;\n";
        let v = parse(entry).unwrap();
        assert_eq!(v.get("time"), Some("2023-11-14T22:13:20.123456Z"));
        assert_eq!(v.get("host"), None);
        assert_eq!(v.get("ip"), Some("10.0.0.5"));
        assert_eq!(v.get("query_time"), Some("2.000213"));
        assert_eq!(v.get("rows_examined"), Some("1000000"));
        assert_eq!(v.get("database"), Some("shop"));
        assert_eq!(v.get("statement"), Some("SELECT *\nFROM cards;"));
    }

    #[test]
    fn sql_command_names_the_statement_kind() {
        let cases = [
            ("SELECT pan FROM cards", "SELECT"),
            ("  grant select on shop.* to 'r'@'%'", "GRANT"),
            ("CREATE USER 'report'@'10.0.%' IDENTIFIED BY <secret>", "CREATE USER"),
            ("create temporary table if not exists t (a int)", "CREATE TABLE"),
            ("CREATE OR REPLACE DEFINER=`dba`@`%` VIEW v AS SELECT 1", "CREATE VIEW"),
            ("CREATE UNIQUE INDEX i ON t (a)", "CREATE INDEX"),
            ("/* app:checkout */ DROP TABLE cards_backup", "DROP TABLE"),
            ("ALTER USER 'app'@'%' IDENTIFIED BY 'x'", "ALTER USER"),
            ("SET PASSWORD FOR 'app'@'%' = 'x'", "SET PASSWORD"),
            ("SET GLOBAL general_log = 'OFF'", "SET GENERAL_LOG"),
            ("SET NAMES utf8mb4", "SET NAMES"),
            ("TRUNCATE TABLE audit_trail", "TRUNCATE TABLE"),
            ("truncate audit_trail", "TRUNCATE AUDIT_TRAIL"),
            ("(SELECT 1) UNION (SELECT 2)", "SELECT"),
        ];
        for (sql, kind) in cases {
            assert_eq!(sql_command(sql).as_deref(), Some(kind), "{sql}");
        }
        for sql in ["", "   ", "/* only a comment", "42"] {
            assert_eq!(sql_command(sql), None, "{sql}");
        }
        let v = parse("2023-11-14T22:14:09.310448Z\t   14 Query\tCREATE USER 'report'@'10.0.%'").unwrap();
        assert_eq!(v.get("sql_command"), Some("CREATE USER"));
        let v = parse("# User@Host: dba[dba] @ localhost []  Id: 3\nSET timestamp=1;\nDROP TABLE x;").unwrap();
        assert_eq!(v.get("sql_command"), Some("DROP TABLE"));
    }

    #[test]
    fn not_mysql() {
        for s in ["2023-11-14 started\tok", "12345 items", "123456 x\t 1 Bogus\tx", "# a comment", "\t\t", "1\t1", "x\t 1 Query"] {
            assert!(parse(s).is_none(), "{s}");
        }
        assert_eq!(parse("\t 12 Query").unwrap().get("command"), Some("Query"));
    }
}
