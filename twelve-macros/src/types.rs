//! What the derive reads off a field's type, by its syntax.

use quote::ToTokens;
use syn::{GenericArgument, PathArguments, Type};

/// `T` when `ty` is `Name<T>` (matched on the last path segment, so `Option<T>`,
/// `std::option::Option<T>` and `twelve::Secret<T>` all count).
pub(crate) fn inner<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(t)] => Some(t),
        _ => None,
    }
}

/// Whether `ty` is a `HashMap<K, V>` or `BTreeMap<K, V>` (by the last path segment).
pub(crate) fn is_map(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    path.qself.is_none()
        && path
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "HashMap" || s.ident == "BTreeMap")
}

/// The type as a user wrote it, without the spaces that token printing adds.
pub(crate) fn display(ty: &Type) -> String {
    tidy(&ty.to_token_stream().to_string())
}

/// Token text made readable: `Vec < u8 >` becomes `Vec<u8>`.
pub(crate) fn tidy(text: &str) -> String {
    let mut out = text.to_string();
    for (from, to) in [
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" :: ", "::"),
        (":: ", "::"),
        (" ::", "::"),
        (" ,", ","),
        ("& ", "&"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" .", "."),
        (". ", "."),
    ] {
        out = out.replace(from, to);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_wrappers() {
        let ty: Type = syn::parse_quote!(std::option::Option<Secret<String>>);
        let inner_ty = inner(&ty, "Option").expect("option");
        assert_eq!(display(inner_ty), "Secret<String>");
        assert!(inner(inner_ty, "Secret").is_some());
        assert!(inner(&ty, "Vec").is_none());
        let ty: Type = syn::parse_quote!(Vec<::std::net::IpAddr>);
        assert_eq!(display(&ty), "Vec<::std::net::IpAddr>");
    }
}
