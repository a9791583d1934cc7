//! `#[weft::main]` and `#[weft::test]`: an `async fn` run on a weft runtime, as tokio's
//! attributes do. Use them through the facade: `#[weft::main]`, `#[weft::test]`.
//!
//! Both take the same arguments, all optional:
//!
//! | argument | meaning | default |
//! |---|---|---|
//! | `flavor = "multi_thread"` or `"current_thread"` | the runtime's flavour | `main`: multi-thread; `test`: current-thread (asyncio's exact order, and each test alone on its thread) |
//! | `worker_threads = N` | workers of a multi-thread runtime | the number of cores |
//! | `start_paused = true` | the runtime's clock starts paused (`weft::time::pause`) | `false` |
//! | `timeout = "5s"` (`ms`, `s`, `min`) | `test` only: fail the test if it runs longer, naming the tasks still alive | none |
//!
//! `main` runs the function with `weft::run` (or `run_on` a runtime built from the
//! arguments): when it returns, tasks still alive are cancelled and awaited, as
//! `asyncio.run` does. The function may return a value, typically a `Result`, which `main`
//! returns.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ItemFn, Lit, MetaNameValue, Token};

/// The arguments both attributes take.
#[derive(Default)]
struct Args {
    flavor: Option<(String, Span)>,
    worker_threads: Option<Expr>,
    start_paused: Option<bool>,
    timeout: Option<(std::time::Duration, Span)>,
}

fn parse_args(attr: TokenStream2, allow_timeout: bool) -> syn::Result<Args> {
    let parser = Punctuated::<MetaNameValue, Token![,]>::parse_terminated;
    let list = parser.parse2(attr)?;
    let mut args = Args::default();
    for nv in list {
        let name = nv.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
        match name.as_str() {
            "flavor" | "flavour" => {
                let s = lit_str(&nv.value)?;
                if s != "multi_thread" && s != "current_thread" {
                    return Err(syn::Error::new(
                        nv.value.span(),
                        "weft: `flavor` is \"multi_thread\" or \"current_thread\"",
                    ));
                }
                args.flavor = Some((s, nv.value.span()));
            }
            "worker_threads" => args.worker_threads = Some(nv.value.clone()),
            "start_paused" => match &nv.value {
                Expr::Lit(ExprLit { lit: Lit::Bool(b), .. }) => args.start_paused = Some(b.value),
                other => return Err(syn::Error::new(other.span(), "weft: `start_paused` is true or false")),
            },
            "timeout" if allow_timeout => {
                let s = lit_str(&nv.value)?;
                let d = parse_duration(&s).ok_or_else(|| {
                    syn::Error::new(
                        nv.value.span(),
                        "weft: `timeout` is a duration such as \"500ms\", \"5s\" or \"2min\"",
                    )
                })?;
                args.timeout = Some((d, nv.value.span()));
            }
            _ => {
                let known = if allow_timeout {
                    "flavor, worker_threads, start_paused, timeout"
                } else {
                    "flavor, worker_threads, start_paused"
                };
                return Err(syn::Error::new(
                    nv.path.span(),
                    format!("weft: unknown argument; expected one of {known}"),
                ));
            }
        }
    }
    if let (Some((f, span)), Some(_)) = (&args.flavor, &args.worker_threads)
        && f == "current_thread"
    {
        return Err(syn::Error::new(*span, "weft: `worker_threads` needs `flavor = \"multi_thread\"`"));
    }
    Ok(args)
}

fn lit_str(e: &Expr) -> syn::Result<String> {
    match e {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Ok(s.value()),
        other => Err(syn::Error::new(other.span(), "weft: expected a string literal")),
    }
}

/// "250ms", "5s", "1.5s", "2min".
fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic())?);
    let n: f64 = num.trim().parse().ok()?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "min" => n * 60.0,
        _ => return None,
    };
    std::time::Duration::try_from_secs_f64(secs).ok().filter(|d| !d.is_zero())
}

/// The runtime the arguments describe.
fn runtime(args: &Args, default_multi: bool) -> TokenStream2 {
    let multi = args.flavor.as_ref().map_or(default_multi, |(f, _)| f == "multi_thread");
    let mut b = if multi {
        quote! { ::weft::Runtime::builder().multi_thread() }
    } else {
        quote! { ::weft::Runtime::builder().current_thread() }
    };
    if let Some(n) = &args.worker_threads {
        b = quote! { #b.worker_threads(#n) };
    }
    if args.start_paused == Some(true) {
        b = quote! { #b.start_paused(true) };
    }
    quote! { #b.build().expect("weft: could not build the runtime") }
}

fn check_async(f: &ItemFn, what: &str) -> syn::Result<()> {
    if f.sig.asyncness.is_none() {
        return Err(syn::Error::new(
            f.sig.fn_token.span(),
            format!("weft: #[weft::{what}] goes on an `async fn`"),
        ));
    }
    if !f.sig.inputs.is_empty() {
        return Err(syn::Error::new(
            f.sig.inputs.span(),
            format!("weft: #[weft::{what}] takes no arguments"),
        ));
    }
    Ok(())
}

/// Runs `async fn main` on a weft runtime: a multi-thread one by default, with
/// `weft::run`'s semantics (tasks still alive when `main` returns are cancelled and
/// awaited). See the crate docs for the arguments.
///
/// ```
/// #[weft::main]
/// async fn main() -> Result<(), weft::Cancelled> {
///     let t = weft::spawn(async { 6 * 7 });
///     assert_eq!(t.await.unwrap(), 42);
///     weft::yield_now().await
/// }
/// ```
#[proc_macro_attribute]
pub fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    let f = syn::parse_macro_input!(item as ItemFn);
    match expand_main(attr.into(), f) {
        Ok(t) => t.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn expand_main(attr: TokenStream2, mut f: ItemFn) -> syn::Result<TokenStream2> {
    check_async(&f, "main")?;
    let args = parse_args(attr, false)?;
    f.sig.asyncness = None;
    let body = &f.block;
    let rt = runtime(&args, true);
    let span = body.span();
    f.block = syn::parse2(quote_spanned! {span=>
        {
            let __weft_rt = #rt;
            ::weft::run_on(&__weft_rt, async move #body)
                .expect("weft: #[weft::main] cannot run inside a running weft runtime")
        }
    })?;
    Ok(quote! { #f })
}

/// Runs an `async fn` test on a weft runtime: current-thread by default (asyncio's
/// order; a multi-thread one with `flavor = "multi_thread"`). With `timeout = "5s"`, a
/// test that runs longer fails with the names and ids of the tasks still alive. See the
/// crate docs for the arguments.
///
/// ```
/// #[weft::test(timeout = "10s")]
/// async fn spawns_and_joins() {
///     assert_eq!(weft::spawn(async { 1 }).await.unwrap(), 1);
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(attr: TokenStream, item: TokenStream) -> TokenStream {
    let f = syn::parse_macro_input!(item as ItemFn);
    match expand_test(attr.into(), f) {
        Ok(t) => t.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn expand_test(attr: TokenStream2, mut f: ItemFn) -> syn::Result<TokenStream2> {
    check_async(&f, "test")?;
    let args = parse_args(attr, true)?;
    f.sig.asyncness = None;
    let body = &f.block;
    let rt = runtime(&args, false);
    let span = body.span();
    let run = match args.timeout {
        None => quote_spanned! {span=> __weft_rt.block_on(async move #body) },
        Some((d, _)) => {
            let nanos = d.as_nanos() as u64;
            quote_spanned! {span=>
                __weft_rt.block_on(::weft::__private::with_test_timeout(
                    ::std::time::Duration::from_nanos(#nanos),
                    async move #body,
                ))
            }
        }
    };
    f.block = syn::parse2(quote_spanned! {span=>
        {
            let __weft_rt = #rt;
            #run
        }
    })?;
    let attrs = &f.attrs;
    let has_test_attr = attrs.iter().any(|a| a.path().is_ident("test"));
    let test_attr = if has_test_attr {
        quote! {}
    } else {
        quote! { #[::core::prelude::v1::test] }
    };
    Ok(quote! {
        #test_attr
        #f
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_error(attr: &str, item: &str) -> String {
        let f: ItemFn = syn::parse_str(item).unwrap();
        match expand_test(attr.parse().unwrap(), f) {
            Ok(_) => String::new(),
            Err(e) => e.to_string(),
        }
    }

    #[::core::prelude::v1::test]
    fn bad_arguments_are_named_in_the_error() {
        assert!(
            test_error("flavor = \"single\"", "async fn t() {}")
                .contains("\"multi_thread\" or \"current_thread\"")
        );
        assert!(
            test_error("workers = 2", "async fn t() {}").contains("expected one of flavor, worker_threads")
        );
        assert!(test_error("timeout = \"soon\"", "async fn t() {}").contains("such as \"500ms\""));
        assert!(test_error("timeout = \"0s\"", "async fn t() {}").contains("such as \"500ms\""));
        assert!(test_error("start_paused = 1", "async fn t() {}").contains("true or false"));
        assert!(test_error("", "fn t() {}").contains("goes on an `async fn`"));
        assert!(test_error("", "async fn t(x: u8) {}").contains("takes no arguments"));
        assert!(
            test_error("flavor = \"current_thread\", worker_threads = 2", "async fn t() {}")
                .contains("needs `flavor = \"multi_thread\"`")
        );
        let f: ItemFn = syn::parse_str("async fn main() {}").unwrap();
        let e = expand_main("timeout = \"1s\"".parse().unwrap(), f).unwrap_err().to_string();
        assert!(e.contains("expected one of flavor, worker_threads, start_paused"), "{e}");
    }

    #[::core::prelude::v1::test]
    fn durations_parse_with_their_unit() {
        use std::time::Duration;
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2min"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration("5h"), None);
    }

    #[::core::prelude::v1::test]
    fn a_test_gets_a_test_attribute_and_a_current_thread_runtime() {
        let f: ItemFn = syn::parse_str("async fn t() { work().await }").unwrap();
        let out = expand_test(TokenStream2::new(), f).unwrap().to_string();
        assert!(out.contains("test"), "{out}");
        assert!(out.contains("current_thread"), "{out}");
        assert!(!out.contains("async fn"), "{out}");
    }
}
