//! Where the store, the configuration and the panic log live.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use directories::ProjectDirs;

/// The environment variable naming the store when `--cases` is not given.
pub const CASES_ENV: &str = "UMDESK_CASES";

fn project() -> Option<ProjectDirs> {
    ProjectDirs::from("org", "umdesk", "umdesk")
}

/// The store directory: `--cases DIR`, else `UMDESK_CASES`, else the
/// platform data directory.
pub fn cases_dir(flag: Option<&Path>) -> Result<PathBuf, String> {
    let env_value = std::env::var_os(CASES_ENV);
    let data_dir = project().map(|p| p.data_dir().to_path_buf());
    resolve(flag, env_value.as_deref(), data_dir.as_deref())
}

/// The precedence of [`cases_dir`], apart from the process environment so
/// it can be tested. An empty `UMDESK_CASES` counts as unset: `export
/// UMDESK_CASES=` is how people clear a variable, and "" would otherwise
/// mean the current directory.
pub fn resolve(
    flag: Option<&Path>,
    env_value: Option<&OsStr>,
    data_dir: Option<&Path>,
) -> Result<PathBuf, String> {
    if let Some(flag) = flag {
        if flag.as_os_str().is_empty() {
            return Err("--cases needs a directory".to_string());
        }
        return Ok(flag.to_path_buf());
    }
    if let Some(value) = env_value.filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(value));
    }
    match data_dir {
        Some(dir) => Ok(dir.join("cases")),
        None => Err(format!(
            "no platform data directory was found (is HOME set?); \
             pass --cases DIR or set {CASES_ENV}"
        )),
    }
}

/// Where a configuration file would be read from.
pub fn config_dir() -> Option<PathBuf> {
    project().map(|p| p.config_dir().to_path_buf())
}

/// Where the panic log goes: the state directory where the platform has
/// one (Linux), else the local data directory.
pub fn state_dir() -> Option<PathBuf> {
    let project = project()?;
    Some(match project.state_dir() {
        Some(dir) => dir.to_path_buf(),
        None => project.data_local_dir().to_path_buf(),
    })
}
