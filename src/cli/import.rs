//! `careerdesk import employers|vacancies FILE` (EMP-02): an employer portal's export, CSV or JSON.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::desk::{Desk, DeskError, FileFormat, PortalImport, MAX_IMPORT_BYTES};

use super::output::{emit, Format};

/// A portal export to import.
#[derive(Debug, Args)]
pub struct PortalArgs {
    /// The file: `.csv` or `.json` (other names: JSON when it starts with `[`, else CSV).
    pub file: PathBuf,
    /// Import the good rows and report the bad ones, instead of importing nothing.
    #[arg(long)]
    pub skip_bad: bool,
}

/// Reads the file whole, refusing one too large before reading it.
fn read(path: &Path) -> Result<Vec<u8>, DeskError> {
    let meta = std::fs::metadata(path).map_err(DeskError::file("open", path))?;
    if meta.len() > MAX_IMPORT_BYTES {
        return Err(DeskError::Invalid(format!(
            "{} is {} bytes; an import reads at most {MAX_IMPORT_BYTES} (split the export). Nothing was imported",
            path.display(),
            meta.len()
        )));
    }
    std::fs::read(path).map_err(DeskError::file("read", path))
}

fn report(format: Format, what: &str, merged_as: &str, r: &PortalImport) {
    emit(format, r, || {
        let mut s = format!("imported {} {what}; {} {merged_as}\n", r.imported, r.merged);
        for e in &r.skipped {
            s.push_str(&format!("skipped {e}\n"));
        }
        s
    });
}

/// `import employers FILE`.
pub fn employers(format: Format, desk: &Desk, args: &PortalArgs) -> Result<(), DeskError> {
    let bytes = read(&args.file)?;
    let name = args.file.display().to_string();
    let r = desk.import_employers(&bytes, &name, FileFormat::detect(&name, &bytes), args.skip_bad)?;
    report(format, "employer(s)", "merged with employers already held", &r);
    Ok(())
}

/// `import vacancies FILE`.
pub fn vacancies(format: Format, desk: &Desk, args: &PortalArgs) -> Result<(), DeskError> {
    let bytes = read(&args.file)?;
    let name = args.file.display().to_string();
    let r = desk.import_vacancies(&bytes, &name, FileFormat::detect(&name, &bytes), args.skip_bad)?;
    report(format, "vacancy(ies)", "already held", &r);
    Ok(())
}
