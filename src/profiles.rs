//! Choosing the layers for a run and loading them: `--profile` values, or the command's own
//! profile, or `default.llp`.

use crate::compile::{self, CompileError, CompiledLayer, support::Kernel};
use crate::error::Error;
use crate::policy::{Compat, Layer};
use crate::resolve::{self, Context};
use crate::source::SourceMap;
use std::ffi::OsStr;
use std::path::Path;

/// Landlock stacks at most 16 layers per process.
pub const MAX_LAYERS: usize = 16;

/// The profiles of one run, resolved, with the text they came from.
#[derive(Debug)]
pub struct Loaded {
    pub sources: SourceMap,
    pub layers: Vec<Layer>,
}

/// Resolves the layers named by `profiles`, or with none, `COMMAND.llp` from the search path,
/// falling back to `default.llp`.
pub fn load(profiles: &[String], command: Option<&OsStr>, ctx: &Context) -> Result<Loaded, Error> {
    if profiles.len() > MAX_LAYERS {
        return Err(Error::TooManyLayers(profiles.len()));
    }
    let mut sources = SourceMap::new();
    let names: Vec<String> = if profiles.is_empty() {
        vec![default_profile(command, ctx)]
    } else {
        profiles.to_vec()
    };
    let mut layers = Vec::with_capacity(names.len());
    for name in names {
        let layer = resolve::locate(&name, &ctx.search_path)
            .and_then(|path| resolve::resolve_layer(&name, &path, ctx, &mut sources))
            .map_err(|e| Error::Profile(e.render(&sources)))?;
        layers.push(layer);
    }
    Ok(Loaded { sources, layers })
}

/// `NAME` of the command's basename if `NAME.llp` is on the search path, else `default`.
fn default_profile(command: Option<&OsStr>, ctx: &Context) -> String {
    let name = command
        .and_then(|c| Path::new(c).file_name())
        .and_then(OsStr::to_str)
        .filter(|n| !n.is_empty() && !n.ends_with(".llp"));
    match name {
        Some(n) if ctx.search_path.find(n).is_ok() => n.to_string(),
        _ => "default".into(),
    }
}

/// Compiles every layer for this kernel.
pub fn compile(
    loaded: &Loaded,
    kernel: &Kernel,
    compat: Option<Compat>,
) -> Result<Vec<CompiledLayer>, Error> {
    loaded
        .layers
        .iter()
        .map(|layer| {
            compile::compile(layer, kernel, compat).map_err(|e| compile_error(e, &loaded.sources))
        })
        .collect()
}

fn compile_error(e: CompileError, sources: &SourceMap) -> Error {
    match e {
        CompileError::Unsupported { layer, missing, abi } => Error::Unsupported { layer, abi, missing },
        CompileError::AbiTooOld { need, have, rule, .. } => Error::Profile(
            crate::diag::Diagnostic::new(rule, format!("this profile requires Landlock ABI {need}, but this kernel offers {have}"))
                .with_hint("run on a newer kernel (ABI 4 is Linux 6.7, ABI 6 is 6.12), or lower the requirement")
                .render(sources),
        ),
        CompileError::Carve(compile::carve::CarveError::TooLarge { pattern, dir, rule }) => Error::Profile(
            crate::diag::Diagnostic::new(
                rule,
                format!("carving `{pattern}` out of {} would need a rule for every file beneath it", dir.display()),
            )
            .with_hint("make the pattern more specific (fewer `**`), or narrow the allow above it")
            .render(sources),
        ),
    }
}
