//! `settings`: the report settings, set once per database.

use std::process::ExitCode;

use anyhow::{Result, bail};
use phuxanh_store::{SettingKey, Store};

pub fn set(store: &mut dyn Store, key: SettingKey, values: &[String]) -> Result<ExitCode> {
    if values.len() > 1 && !key.multiline() {
        bail!(
            "{key} takes one value ({} given): quote it, e.g. `settings set {key} \"{}\"`",
            values.len(),
            key.example()
        );
    }
    let value = key.check(&values.join("\n")).map_err(anyhow::Error::msg)?;
    store.update_settings(&[(key, Some(value.clone()))])?;
    println!("{key} = {}", value.replace('\n', " | "));
    Ok(ExitCode::SUCCESS)
}

pub fn get(store: &dyn Store, key: SettingKey) -> Result<ExitCode> {
    match store.settings()?.get(key) {
        Some(v) => {
            println!("{v}");
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("{key} is not set");
            Ok(ExitCode::FAILURE)
        }
    }
}

pub fn list(store: &dyn Store) -> Result<ExitCode> {
    for (key, value) in store.settings()?.pairs() {
        match value {
            Some(v) => println!("{key} = {}", v.replace('\n', " | ")),
            None => println!("{key} (chưa đặt / not set)"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn unset(store: &mut dyn Store, key: SettingKey) -> Result<ExitCode> {
    store.update_settings(&[(key, None)])?;
    println!("{key} (chưa đặt / not set)");
    Ok(ExitCode::SUCCESS)
}
