//! The `.env` file: parsed with `dotenvy`, never written into the process environment.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::error::Problem;

/// What a `.env` file holds: its variables and the lines that could not be parsed.
#[derive(Debug, Default)]
pub(crate) struct DotenvFile {
    pub(crate) path: PathBuf,
    pub(crate) vars: HashMap<String, String>,
    /// The 1-based line of each variable's (last) assignment.
    pub(crate) lines: HashMap<String, usize>,
    pub(crate) problems: Vec<Problem>,
}

impl DotenvFile {
    /// Reads `path`. A missing file is an empty one; one that can't be read or isn't
    /// UTF-8 is a problem of the whole file, and none of it is used; a bad line is a
    /// problem and is skipped, and the lines after it are still read.
    pub(crate) fn read(path: &Path) -> Self {
        match std::fs::read(path) {
            Ok(bytes) => Self::parse(path, bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => Self::empty(path),
            Err(e) => Self::unusable(path, format!("cannot read: {e}")),
        }
    }

    /// The file at `path` holding `bytes`.
    fn parse(path: &Path, bytes: Vec<u8>) -> Self {
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let line = line_of(e.as_bytes(), e.utf8_error().valid_up_to());
                return Self::unusable(path, format!("not valid UTF-8 (first on line {line})"));
            }
        };
        let mut file = Self::empty(path);
        file.lines = assignment_lines(&text);
        let mut lines = Lines::new(&text);
        for item in dotenvy::from_read_iter(text.as_bytes()) {
            match item {
                Ok((key, value)) => {
                    file.vars.insert(key, value);
                }
                Err(dotenvy::Error::LineParse(line, column)) => {
                    file.problems.push(Problem::dotenv(
                        path.to_owned(),
                        lines.find(&line),
                        format!("invalid syntax at column {}", column + 1),
                    ));
                }
                Err(e) => file.problems.push(Problem::dotenv(
                    path.to_owned(),
                    lines.current(),
                    e.to_string(),
                )),
            }
        }
        file
    }

    /// The 1-based line where `key` is assigned (its last assignment), 0 when it can't
    /// be told (a key dotenvy found that no line starts with).
    pub(crate) fn line(&self, key: &str) -> usize {
        self.lines.get(key).copied().unwrap_or(0)
    }

    fn empty(path: &Path) -> Self {
        DotenvFile {
            path: path.to_owned(),
            ..DotenvFile::default()
        }
    }

    /// A file none of which is used, for `reason`.
    fn unusable(path: &Path, reason: String) -> Self {
        let mut file = Self::empty(path);
        file.problems
            .push(Problem::dotenv_file(path.to_owned(), reason));
        file
    }
}

/// Finds, in order, the lines of the text that dotenvy reports bad. It reports one by
/// its text: the whole logical line (several physical ones for a quoted value over
/// lines, cut before a `#` comment, without its line break), or, for a bad value, the
/// value alone, which ends its line.
///
/// It slices only with `str::get`, at offsets that `str::find` or a line break gave,
/// so no text (multi-byte characters included) can make it panic.
struct Lines<'a> {
    text: &'a str,
    /// Byte offset to search from: always 0 or just after a `\n`, past the lines
    /// already found.
    next: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines { text, next: 0 }
    }

    /// The 1-based number of the line where `reported` is first found ending a line,
    /// from the last line found on; the next search starts after it. When it is not
    /// found (dotenvy never gives such a text), the number of the line searched from.
    fn find(&mut self, reported: &str) -> usize {
        let mut from = self.next;
        while let Some(at) = self
            .text
            .get(from..)
            .and_then(|rest| rest.find(reported))
            .map(|i| from + i)
        {
            let end = at + reported.len();
            if ends_line(self.text.get(end..).unwrap_or_default()) {
                self.next = if reported.ends_with('\n') {
                    end
                } else {
                    self.line_after(end)
                };
                return line_of(self.text.as_bytes(), at);
            }
            // On past the first character of this match (matches may overlap).
            let first = self.text.get(at..).and_then(|r| r.chars().next());
            from = at + first.map_or(1, char::len_utf8);
        }
        self.current()
    }

    /// The 1-based number of the line searched from.
    fn current(&self) -> usize {
        line_of(self.text.as_bytes(), self.next)
    }

    /// The start of the line after the one holding byte `at` (the end of the text
    /// when it is the last line).
    fn line_after(&self, at: usize) -> usize {
        let rest = self.text.get(at..).unwrap_or_default();
        rest.find('\n').map_or(self.text.len(), |i| at + i + 1)
    }
}

/// The line of each `KEY=` (or `export KEY=`) that starts a line, the last one of a
/// key winning as in dotenvy. A line inside a quoted value over several lines that
/// looks like an assignment is taken for one: a line number is for people, not for
/// parsing.
fn assignment_lines(text: &str) -> HashMap<String, usize> {
    let mut lines = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_start();
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let end = line
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(line.len());
        let (key, rest) = line.split_at(end);
        if !key.is_empty() && !key.starts_with('#') && rest.trim_start().starts_with('=') {
            lines.insert(key.to_owned(), i + 1);
        }
    }
    lines
}

/// Whether `after`, the text after a reported one, shows that the reported text ended
/// its line: only blanks, then the end of the text, a line break or a `#` comment.
fn ends_line(after: &str) -> bool {
    let after = after.trim_start_matches([' ', '\t']);
    after.is_empty() || after.starts_with(['\n', '\r', '#'])
}

/// The 1-based line number of byte offset `at`.
fn line_of(bytes: &[u8], at: usize) -> usize {
    1 + bytes[..at.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::error::ProblemKind;

    fn write(name: &str, text: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("twelve-dotenv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    /// The line numbers of the bad lines of `text`.
    fn bad_lines(text: &str) -> Vec<usize> {
        let file = DotenvFile::parse(Path::new(".env"), text.as_bytes().to_vec());
        file.problems
            .iter()
            .map(|p| match p.kind() {
                ProblemKind::Dotenv { line, .. } => *line,
                other => panic!("not a line's problem: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn reads_vars_and_names_bad_lines() {
        let path = write(
            "bad.env",
            b"# comment\nGOOD=1\nBAD LINE HERE\nQUOTED=\"a b\"\nALSO BAD\nLAST=2\n",
        );
        let file = DotenvFile::read(&path);
        assert_eq!(file.vars.get("GOOD").map(String::as_str), Some("1"));
        assert_eq!(file.vars.get("QUOTED").map(String::as_str), Some("a b"));
        assert_eq!(file.vars.get("LAST").map(String::as_str), Some("2"));
        assert_eq!(
            (file.line("GOOD"), file.line("QUOTED"), file.line("LAST")),
            (2, 4, 6)
        );
        assert_eq!(file.line("NOPE"), 0);
        let lines: Vec<String> = file.problems.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].ends_with("bad.env:3: invalid syntax at column 5; line skipped"),
            "{lines:?}"
        );
        assert!(lines[1].contains("bad.env:5: "), "{lines:?}");
    }

    #[test]
    fn assignment_lines_follow_export_spaces_and_the_last_one() {
        let lines = assignment_lines("# A=1\nexport B=2\n  C = 3\nB=4\nD\n=5\nE=\"x\ny\"\n");
        assert_eq!(lines.get("B"), Some(&4));
        assert_eq!(lines.get("C"), Some(&3));
        assert_eq!(lines.get("E"), Some(&7));
        assert!(!lines.contains_key("A") && !lines.contains_key("D") && !lines.contains_key(""));
    }

    #[test]
    fn missing_file_is_empty_and_non_utf8_is_a_problem() {
        let file = DotenvFile::read(Path::new("/nonexistent/twelve/.env"));
        assert!(file.vars.is_empty() && file.problems.is_empty());
        let path = write("utf8.env", b"A=1\nB=\xff\n");
        let file = DotenvFile::read(&path);
        // A problem of the whole file: no `path:line:`, no "line skipped".
        assert_eq!(file.problems.len(), 1);
        assert!(file.vars.is_empty());
        let text = file.problems[0].to_string();
        assert!(
            text.ends_with("utf8.env: not valid UTF-8 (first on line 2); the file was not used"),
            "{text}"
        );
        assert!(!text.contains("line skipped"), "{text}");
        assert!(matches!(
            file.problems[0].kind(),
            ProblemKind::DotenvFile { .. }
        ));
    }

    #[test]
    fn an_unreadable_file_has_no_line() {
        // A directory: `read` fails with something other than "not found", whoever runs
        // the test (permissions don't stop root).
        let dir = std::env::temp_dir().join(format!("twelve-dotenv-dir-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = DotenvFile::read(&dir);
        assert_eq!(file.problems.len(), 1);
        let text = file.problems[0].to_string();
        let prefix = format!("{}: cannot read: ", dir.display());
        assert!(text.starts_with(&prefix), "{text}");
        assert!(text.ends_with("; the file was not used"), "{text}");
        assert!(
            !text.contains(":0:") && !text.contains("line skipped"),
            "{text}"
        );
        assert_eq!(file.problems[0].var(), None);
    }

    #[test]
    fn bad_lines_among_multi_byte_text() {
        // Bad keys (not ASCII), bad values (the value alone is reported), a comment,
        // and an unterminated quote that runs to the end, around é, emoji and CJK.
        let text = "É=1\n\
                    GOOD=é🙂漢字\n\
                    # 注释 🙂\n\
                    V=é 字\n\
                    漢字=x\n\
                    K=v # é\n\
                    🙂 BAD\n\
                    Q=\"é\n\
                    漢\n";
        assert_eq!(bad_lines(text), [1, 4, 5, 7, 8]);
        let file = DotenvFile::parse(Path::new(".env"), text.as_bytes().to_vec());
        assert_eq!(file.vars.get("GOOD").map(String::as_str), Some("é🙂漢字"));
        assert_eq!(file.vars.get("K").map(String::as_str), Some("v"));
        // The same bad text twice is found twice, at each of its lines.
        assert_eq!(bad_lines("é BAD\nA=1\né BAD\n"), [1, 3]);
        // A bad value is found where it ends a line, not inside an earlier one.
        assert_eq!(bad_lines("A=1 # x y z\nB=x y\n"), [2]);
    }

    #[test]
    fn lines_never_panic_on_a_text_not_in_the_file() {
        // A cursor moved by the reported text's length from where it was not found
        // would stand inside `é`; the search stays on line starts.
        let mut lines = Lines::new("é\nBAD\n");
        assert_eq!(lines.find("z"), 1);
        assert_eq!(lines.find("BAD"), 2);
        assert_eq!(lines.find("BAD"), 3);
        let mut lines = Lines::new("🙂🙂");
        assert_eq!(lines.find("\u{1F642}x"), 1);
        assert_eq!(lines.find(""), 1);
    }

    proptest::proptest! {
        #[test]
        fn any_text_and_any_report_never_panic(text in "\\PC{0,40}", reports in proptest::collection::vec("\\PC{0,6}", 0..5)) {
            let text = text.replace('_', "\n");
            let mut lines = Lines::new(&text);
            let count = text.lines().count().max(1) + 1;
            for report in &reports {
                let line = lines.find(report);
                proptest::prop_assert!((1..=count).contains(&line));
            }
            let file = DotenvFile::parse(Path::new(".env"), text.into_bytes());
            for problem in &file.problems {
                if let ProblemKind::Dotenv { line, .. } = problem.kind() {
                    proptest::prop_assert!((1..=count).contains(line));
                }
            }
        }

        #[test]
        fn bad_lines_are_found_among_multi_byte_ones(
            kinds in proptest::collection::vec(0..4usize, 1..12),
        ) {
            let mut text = String::new();
            let mut expected = Vec::new();
            for (i, kind) in kinds.iter().enumerate() {
                match kind {
                    0 => text.push_str(&format!("K{i}=值é🙂{i}\n")),
                    1 => text.push_str("# 注释 é 🙂\n"),
                    // A key may not start with a digit: the whole line is reported.
                    2 => { text.push_str(&format!("{i}é 漢 🙂\n")); expected.push(i + 1); }
                    // A blank inside an unquoted value: the value alone is reported.
                    _ => { text.push_str(&format!("V{i}=漢 é{i}\n")); expected.push(i + 1); }
                }
            }
            proptest::prop_assert_eq!(bad_lines(&text), expected);
        }
    }
}
