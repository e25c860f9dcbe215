//! Writing the Prometheus text format (version 0.0.4) for twelve's collectors:
//! `# HELP` and `# TYPE` lines, samples, escaped label values.

/// `# HELP` and `# TYPE` of a family; `help` holds no backslash or line break.
pub(super) fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    out.push_str("# HELP ");
    out.push_str(name);
    out.push(' ');
    out.push_str(help);
    out.push_str("\n# TYPE ");
    out.push_str(name);
    out.push(' ');
    out.push_str(kind);
    out.push('\n');
}

/// A value of a sample: an integer or a float.
pub(super) trait Value {
    fn push(self, out: &mut String);
}

impl Value for u64 {
    fn push(self, out: &mut String) {
        out.push_str(itoa::Buffer::new().format(self));
    }
}

impl Value for f64 {
    fn push(self, out: &mut String) {
        if self.is_finite() {
            out.push_str(ryu::Buffer::new().format_finite(self));
        } else if self.is_nan() {
            out.push_str("NaN");
        } else if self > 0.0 {
            out.push_str("+Inf");
        } else {
            out.push_str("-Inf");
        }
    }
}

/// One sample line: `name{label="value",...} value`.
pub(super) fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: impl Value) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (label, text)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(label);
            out.push_str("=\"");
            escape_label_value(out, text);
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    value.push(out);
    out.push('\n');
}

/// A label value as the text format wants it: `\`, `"` and line feeds escaped.
fn escape_label_value(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_escape_label_values_and_format_numbers() {
        let mut out = String::new();
        family(&mut out, "x_total", "counter", "Some help.");
        sample(&mut out, "x_total", &[("a", "q\"\\\nz"), ("b", "")], 3);
        sample(&mut out, "y", &[], 0.25);
        sample(&mut out, "y", &[], 2.0);
        sample(&mut out, "y", &[], f64::INFINITY);
        assert_eq!(
            out,
            "# HELP x_total Some help.\n# TYPE x_total counter\n\
             x_total{a=\"q\\\"\\\\\\nz\",b=\"\"} 3\ny 0.25\ny 2.0\ny +Inf\n"
        );
    }
}
