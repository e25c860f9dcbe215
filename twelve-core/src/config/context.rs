//! [`ParseContext`]: the options of one field that its parser may need. A leaf: the
//! parsers (`value`, `list`) import it, it imports none of them.

/// Options of one field that a parser may need.
///
/// Built by `#[derive(Config)]` from the field's attributes.
#[derive(Debug, Clone, Copy)]
pub struct ParseContext {
    separator: &'static str,
    secret: bool,
}

impl ParseContext {
    /// The context of a field with default options (list separator `,`).
    pub const DEFAULT: ParseContext = ParseContext {
        separator: ",",
        secret: false,
    };

    /// A context whose lists are split on `separator`.
    pub const fn with_separator(separator: &'static str) -> Self {
        ParseContext {
            separator,
            secret: false,
        }
    }

    /// The same context for a field whose value is (or holds) a secret.
    pub const fn secret(self, secret: bool) -> Self {
        ParseContext { secret, ..self }
    }

    /// The list separator: `,` unless the field says `#[config(separator = "...")]`.
    pub fn separator(&self) -> &'static str {
        self.separator
    }

    /// Whether the value is a secret: a parser's error must then not quote any part
    /// of it (twelve's list and map parsers name items by position only).
    pub fn is_secret(&self) -> bool {
        self.secret
    }
}

impl Default for ParseContext {
    fn default() -> Self {
        Self::DEFAULT
    }
}
