//! tokio's items that the simulation does not have. Each is declared, so
//! that a program naming it gets a compile error that names the item and
//! says what to use instead, rather than "not found" (or, worse, real
//! tokio running inside the simulation).
//!
//! A missing function has a `where &'a (): Trait` bound that no type
//! meets; a missing type is an alias of a struct whose parameter no type
//! satisfies. The trait's `#[diagnostic::on_unimplemented]` is the message.
//! Neither can be called or built, so neither has a body that runs.

/// Declares missing functions: `fn name(args..) => Trait, "message",
/// "note", "a use of it";`. The use becomes a `compile_fail` doctest that
/// expects the trait-bound error, E0277.
macro_rules! missing_fns {
    ($($(#[$doc:meta])* fn $name:ident($($arg:ident),*) => $trait:ident, $msg:literal, $note:literal, $use:literal;)*) => {$(
        #[doc(hidden)]
        #[diagnostic::on_unimplemented(message = $msg, label = "not simulated: a compile error under `--cfg seedloop`", note = $note)]
        pub trait $trait {
            /// Never called: no type implements the trait.
            fn unreachable() -> !;
        }

        $(#[$doc])*
        #[doc = concat!("\n\nNot simulated: ", $note, "\n\n```compile_fail,E0277\nuse seedloop_tokio as tokio;\n# async fn f() {\n", $use, "\n# }\n```")]
        #[allow(clippy::extra_unused_type_parameters)]
        pub fn $name<'a, $($arg,)* R>($(_: $arg),*) -> R
        where
            &'a (): $trait,
        {
            <&'a () as $trait>::unreachable()
        }
    )*};
}

/// Declares missing types: `type Name[generics] = Hidden[arguments],
/// Trait, "message", "note", "a use of it";`, the use a `compile_fail`
/// doctest as for functions. The generics are tokio's (`['a, T]`), so
/// that `Name<'_, u32>` reaches the trait's message too.
macro_rules! missing_types {
    ($($(#[$doc:meta])* type $name:ident[$($gp:tt)*] = $hidden:ident[$($ga:ty),*], $trait:ident, $msg:literal, $note:literal, $use:literal;)*) => {$(
        #[doc(hidden)]
        #[diagnostic::on_unimplemented(message = $msg, label = "not simulated: a compile error under `--cfg seedloop`", note = $note)]
        pub trait $trait {}

        #[doc(hidden)]
        pub struct $hidden<M: $trait, A: ?Sized = (), B: ?Sized = ()>(
            ::core::marker::PhantomData<(M, fn() -> (*const A, *const B))>,
        );

        $(#[$doc])*
        #[doc = concat!("\n\nNot simulated: ", $note, "\n\n```compile_fail,E0277\nuse seedloop_tokio as tokio;\n# async fn f() {\n", $use, "\n# }\n```")]
        pub type $name<$($gp)*> = $hidden<() $(, $ga)*>;
    )*};
}
