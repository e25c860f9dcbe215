//! The macro's keys and the function's signature.

use proc_macro2::TokenStream;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Type};

use crate::attr::{self, Keys};
use crate::errors::Errors;

const KEYS: &[&str] = &["crate", "cli"];

/// What each argument of the user's function is, in order.
pub(crate) enum Arg {
    /// The user's settings: any type that is `Config`.
    Settings(Box<Type>),
    /// The runtime's `App` handle.
    App,
}

/// The user's function, as the expansion needs it.
pub(crate) struct Signature {
    pub(crate) args: Vec<Arg>,
}

/// The macro's keys.
pub(crate) struct Options {
    /// `crate = "path"`.
    pub(crate) krate: Option<syn::Path>,
    /// `cli = false` turns `--check-config` and `--env-example` off.
    pub(crate) cli: bool,
}

/// `#[twelve::main(crate = "path", cli = false)]`.
pub(crate) fn attr(attr: TokenStream, errors: &mut Errors) -> Options {
    let mut options = Options {
        krate: None,
        cli: true,
    };
    let mut keys = Keys::new("twelve::main", KEYS);
    let parser = syn::meta::parser(|meta| {
        match keys.key(&meta, errors).as_deref() {
            Some("crate") => options.krate = Some(attr::path(&meta)?),
            Some("cli") => options.cli = meta.value()?.parse::<syn::LitBool>()?.value,
            _ => {}
        }
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, attr) {
        errors.push(e);
    }
    options
}

/// The signature's arguments; every problem with it is recorded in `errors`.
pub(crate) fn signature(function: &ItemFn, errors: &mut Errors) -> Signature {
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        errors.at(
            sig.fn_token.span,
            "#[twelve::main] needs an `async fn`: the runtime runs it on tokio",
        );
    }
    if !sig.generics.params.is_empty() {
        errors.spanned(&sig.generics, "#[twelve::main] function can't be generic");
    }
    let mut args = Vec::new();
    let mut settings_seen = false;
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => errors.at(r.span(), "#[twelve::main] function can't take `self`"),
            FnArg::Typed(typed) => {
                if is_app(&typed.ty) {
                    if args.iter().any(|a| matches!(a, Arg::App)) {
                        errors.spanned(&typed.ty, "`App` is given once; remove this argument");
                    }
                    args.push(Arg::App);
                } else if settings_seen {
                    errors.spanned(
                        &typed.ty,
                        "#[twelve::main] takes at most one settings argument and the `App`: \
                         `async fn main(settings: Settings, app: App)`; nest other settings \
                         in it with #[config(nested)]",
                    );
                } else {
                    settings_seen = true;
                    args.push(Arg::Settings(typed.ty.clone()));
                }
            }
        }
    }
    Signature { args }
}

/// `App`, `twelve::App`, ... : the last path segment is `App`, without generic arguments.
fn is_app(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "App" && s.arguments.is_none()))
}
