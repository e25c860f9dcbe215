//! `#[derive(twelve::ConfigValue)]` enums: names matched ignoring ASCII case, `-` and
//! `_`; `rename`; unknown values listing the accepted names in the error, `vars()` and
//! `.env.example`.

use twelve::{Config, ConfigValue};

#[derive(ConfigValue, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Mode {
    FastPath,
    Safe,
    #[config(rename = "off")]
    Disabled,
}

#[derive(Config, Debug)]
struct Settings {
    /// How requests are served.
    #[config(default = "safe")]
    mode: Mode,
    fallback: Option<Mode>,
    #[config(default = "")]
    modes: Vec<Mode>,
}

#[test]
fn wrong_case_and_separators_are_accepted() {
    for text in [
        "fast_path",
        "fast-path",
        "FASTPATH",
        "FastPath",
        " Fast_Path ",
    ] {
        let s = Settings::from_vars([("MODE", text)]).expect(text);
        assert_eq!(s.mode, Mode::FastPath, "{text}");
    }
    let s = Settings::from_vars([
        ("MODE", "OFF"),
        ("FALLBACK", "s-a-f-e"),
        ("MODES", "off, safe"),
    ])
    .expect("loads");
    assert_eq!(
        (s.mode, s.fallback, s.modes),
        (
            Mode::Disabled,
            Some(Mode::Safe),
            vec![Mode::Disabled, Mode::Safe]
        )
    );
    // The default is read with the same parser.
    assert_eq!(
        Settings::from_vars([("X", "1")]).expect("default").mode,
        Mode::Safe
    );
}

#[test]
fn an_unknown_value_lists_the_accepted_names() {
    let err =
        Settings::from_vars([("MODE", "disabled"), ("MODES", "safe,turbo")]).expect_err("bad");
    let text: Vec<String> = err.errors().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            // `rename` replaces the name: `disabled` is no longer accepted.
            "MODE: invalid value \"disabled\": expected one of: fast_path, safe, off (expected Mode)",
            "MODES: invalid value \"safe,turbo\": item 2: expected one of: fast_path, safe, off (expected Vec<Mode>)",
        ]
    );
}

#[test]
fn vars_and_env_example_list_the_names() {
    let vars = Settings::vars();
    assert_eq!(vars[0].choices, ["fast_path", "safe", "off"]);
    assert_eq!(vars[1].choices, ["fast_path", "safe", "off"]);
    assert_eq!(vars[2].choices, ["fast_path", "safe", "off"]);
    assert_eq!(
        <Mode as twelve::config::ConfigValue>::CHOICES,
        ["fast_path", "safe", "off"]
    );
    let example = Settings::env_example();
    assert!(
        example.contains(
            "# How requests are served.\n# type: Mode, default: \"safe\"\n# one of: fast_path, safe, off\n# MODE=safe\n"
        ),
        "{example}"
    );
}

/// The runtime's own enums are `ConfigValue`s like the user's: `LOG_FORMAT` and
/// `LOG_SCHEMA` list their names in `vars()`, `.env.example` and errors, and read a
/// name in any case, with `-` and `_` ignored.
#[test]
fn log_format_and_log_schema_list_their_names() {
    use twelve::log::{Format, Schema};
    use twelve::runtime::RuntimeSettings;

    let vars = RuntimeSettings::vars();
    let choices = |name: &str| {
        vars.iter()
            .find(|v| v.name == name)
            .map(|v| v.choices)
            .unwrap_or_else(|| panic!("{name} in {vars:?}"))
    };
    assert_eq!(choices("LOG_FORMAT"), ["json", "pretty"]);
    assert_eq!(choices("LOG_SCHEMA"), ["default", "ecs", "gcp", "datadog"]);
    let example = RuntimeSettings::env_example();
    for block in [
        "# type: Format, default: \"json\"\n# one of: json, pretty\n# LOG_FORMAT=json\n",
        "# type: Schema, default: \"default\"\n# one of: default, ecs, gcp, datadog\n# LOG_SCHEMA=default\n",
    ] {
        assert!(example.contains(block), "{block} in:\n{example}");
    }

    let loaded = RuntimeSettings::from_vars([("LOG_FORMAT", "PRETTY"), ("LOG_SCHEMA", "Data-Dog")])
        .expect("valid");
    assert_eq!(
        (loaded.log_format, loaded.log_schema),
        (Format::Pretty, Schema::Datadog)
    );
    let err = RuntimeSettings::from_vars([("LOG_FORMAT", "xml"), ("LOG_SCHEMA", "splunk")])
        .expect_err("bad");
    let text: Vec<String> = err.errors().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "LOG_FORMAT: invalid value \"xml\": expected one of: json, pretty (expected Format)",
            "LOG_SCHEMA: invalid value \"splunk\": expected one of: default, ecs, gcp, datadog (expected Schema)",
        ]
    );
}
