//! [`redacted_debug!`](crate::redacted_debug): `Debug` for types that hold secrets and print
//! nothing of them.

/// Implements `Debug` as `Name(<redacted>)` for types that hold secrets (protocol states,
/// shares in flight) and have no public field worth printing; a type with public fields
/// writes its own `Debug` with `<redacted>` in place of each secret.
///
/// ```
/// struct Secret([u8; 32]);
/// struct Generic<T>(T);
/// tandem_curves::redacted_debug! {
///     impl Secret => "Secret";
///     impl<T: Copy> Generic<T> => "Generic";
/// }
/// assert_eq!(format!("{:?}", Secret([7; 32])), "Secret(<redacted>)");
/// assert_eq!(format!("{:#?}", Generic(1234)), "Generic(<redacted>)");
/// ```
#[macro_export]
macro_rules! redacted_debug {
    () => {};
    (@fmt $name:literal) => {
        fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
            f.write_str(concat!($name, "(<redacted>)"))
        }
    };
    (impl<$($g:ident: $bound:path),+> $ty:ty => $name:literal; $($rest:tt)*) => {
        impl<$($g: $bound),+> ::core::fmt::Debug for $ty {
            $crate::redacted_debug!(@fmt $name);
        }
        $crate::redacted_debug! { $($rest)* }
    };
    (impl $ty:ty => $name:literal; $($rest:tt)*) => {
        impl ::core::fmt::Debug for $ty {
            $crate::redacted_debug!(@fmt $name);
        }
        $crate::redacted_debug! { $($rest)* }
    };
}
