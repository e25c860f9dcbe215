//! [`ParseContext`]: the options of one field that its parser may need. A leaf: the
//! parsers (`value`, `list`) import it, it imports none of them.

/// Options of one field that a parser may need.
///
/// Built by `#[derive(Config)]` from the field's attributes.
#[derive(Debug, Clone, Copy)]
pub struct ParseContext {
    separator: &'static str,
}

impl ParseContext {
    /// The context of a field with default options (list separator `,`).
    pub const DEFAULT: ParseContext = ParseContext { separator: "," };

    /// A context whose lists are split on `separator`.
    pub const fn with_separator(separator: &'static str) -> Self {
        ParseContext { separator }
    }

    /// The list separator: `,` unless the field says `#[config(separator = "...")]`.
    pub fn separator(&self) -> &'static str {
        self.separator
    }
}

impl Default for ParseContext {
    fn default() -> Self {
        Self::DEFAULT
    }
}
