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
    pub(crate) problems: Vec<Problem>,
}

impl DotenvFile {
    /// Reads `path`. A missing file is an empty one; a bad line is a problem and is
    /// skipped, and the lines after it are still read.
    pub(crate) fn read(path: &Path) -> Self {
        let mut file = DotenvFile {
            path: path.to_owned(),
            ..DotenvFile::default()
        };
        let text = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound => return file,
            Err(e) => {
                file.problems.push(Problem::dotenv(
                    path.to_owned(),
                    0,
                    format!("cannot read: {e}"),
                ));
                return file;
            }
        };
        let text = match String::from_utf8(text) {
            Ok(text) => text,
            Err(e) => {
                let line = line_of(e.as_bytes(), e.utf8_error().valid_up_to());
                file.problems.push(Problem::dotenv(
                    path.to_owned(),
                    line,
                    "not valid UTF-8; the file was not used".into(),
                ));
                return file;
            }
        };
        // Where to look for the next bad line: dotenvy reports a bad line by its
        // text, and lines are searched for in order.
        let mut cursor = 0;
        for item in dotenvy::from_read_iter(text.as_bytes()) {
            match item {
                Ok((key, value)) => {
                    file.vars.insert(key, value);
                }
                Err(dotenvy::Error::LineParse(line, column)) => {
                    let at = text[cursor..]
                        .find(line.as_str())
                        .map_or(cursor, |i| cursor + i);
                    cursor = (at + line.len()).min(text.len());
                    file.problems.push(Problem::dotenv(
                        path.to_owned(),
                        line_of(text.as_bytes(), at),
                        format!("invalid syntax at column {}", column + 1),
                    ));
                }
                Err(e) => file.problems.push(Problem::dotenv(
                    path.to_owned(),
                    line_of(text.as_bytes(), cursor),
                    e.to_string(),
                )),
            }
        }
        file
    }
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

    fn write(name: &str, text: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("twelve-dotenv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
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
        let lines: Vec<String> = file.problems.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].ends_with("bad.env:3: invalid syntax at column 5; line skipped"),
            "{lines:?}"
        );
        assert!(lines[1].contains("bad.env:5: "), "{lines:?}");
    }

    #[test]
    fn missing_file_is_empty_and_non_utf8_is_a_problem() {
        let file = DotenvFile::read(Path::new("/nonexistent/twelve/.env"));
        assert!(file.vars.is_empty() && file.problems.is_empty());
        let path = write("utf8.env", b"A=1\nB=\xff\n");
        let file = DotenvFile::read(&path);
        assert!(
            file.problems[0]
                .to_string()
                .contains("utf8.env:2: not valid UTF-8")
        );
    }
}
