//! The docs stay true to the binary: every input file's columns are in
//! docs/formats.md, every command is in the README's table, and every
//! section of docs/rules.md that the code cites exists.

use std::path::Path;
use std::process::Command;

use phuxanh_ingest::FileKind;

fn read(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(name),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_input_column_is_in_the_formats() {
    let formats = read("docs/formats.md");
    for kind in [
        FileKind::Units,
        FileKind::Citizens,
        FileKind::Events,
        FileKind::Status,
        FileKind::Targets,
        FileKind::Contacts,
        FileKind::Teams,
        FileKind::Sessions,
        FileKind::Visits,
    ] {
        let row = formats
            .lines()
            .find(|l| l.starts_with(&format!("| {} |", kind.name())))
            .unwrap_or_else(|| panic!("docs/formats.md has no row for the {} file", kind.name()));
        for (column, _) in kind.columns() {
            assert!(
                row.contains(&format!("{column},"))
                    || row.contains(&format!(",{column}"))
                    || row.contains(&format!("`{column}")),
                "docs/formats.md, the {} row, does not name the column {column}: {row}",
                kind.name()
            );
        }
    }
}

#[test]
fn every_command_is_in_the_readme() {
    let help = Command::new(env!("CARGO_BIN_EXE_phuxanh"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() > 10, "{help}");
    let readme = read("README.md");
    for c in commands {
        assert!(
            readme.lines().any(|l| l.starts_with("| `")
                && (l.contains(&format!("`{c} ")) || l.contains(&format!("`{c}`")))),
            "README's Commands table has no row for `{c}`"
        );
    }
}

#[test]
fn the_sections_the_code_cites_exist() {
    let rules = read("docs/rules.md");
    for heading in [
        "## Counting",
        "## Cần chú ý",
        "## Periods",
        "## Status of a target",
    ] {
        assert!(rules.contains(heading), "docs/rules.md has no '{heading}'");
    }
}
