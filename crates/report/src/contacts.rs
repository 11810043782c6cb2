//! `contacts list` and `GET /api/v1/units/{code}/contacts`: who answers for
//! each unit, with the phone as written and in the `+84…` form a `tel:`
//! link dials. The same structure is the command line's JSON and the API's.

use phuxanh_domain::{Contact, UnitCode};
use phuxanh_store::{Result, Scope, Store};
use serde::Serialize;

use crate::render::{Cell, Report, Sheet, columns};
use crate::vi;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ContactView {
    /// The unit's code.
    pub unit: String,
    pub unit_name: String,
    pub name: String,
    /// The position, as written: `Trưởng Công an xã`.
    pub title: String,
    /// As written in the file: `0900 000 123`.
    pub phone: String,
    /// The number to dial, `+84` and the national number without its 0: `+84900000123`.
    pub tel: String,
    pub email: Option<String>,
    pub note: Option<String>,
}

impl ContactView {
    pub fn new(c: &Contact, unit_name: &str) -> ContactView {
        ContactView {
            unit: c.unit.to_string(),
            unit_name: unit_name.to_string(),
            name: c.name.to_string(),
            title: c.title.to_string(),
            phone: c.phone.to_string(),
            tel: c.phone.tel(),
            email: c.email.as_ref().map(ToString::to_string),
            note: c.note.as_ref().map(ToString::to_string),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ContactList {
    /// The unit asked for; none for every unit.
    pub unit: Option<String>,
    /// Whether the units under it are listed too.
    pub below: bool,
    /// By unit code, each unit's in the order of the file that set them.
    pub contacts: Vec<ContactView>,
}

/// The contacts of `unit` (and with `below`, of every unit under it), or
/// of every unit in scope when `unit` is `None`.
pub fn list(
    store: &dyn Store,
    scope: &Scope,
    unit: Option<&UnitCode>,
    below: bool,
) -> Result<ContactList> {
    let contacts = match unit {
        Some(code) if !below => store.contacts(scope, code)?,
        _ => store.contacts_under(scope, unit)?,
    };
    let mut views = Vec::with_capacity(contacts.len());
    let mut name: Option<(UnitCode, String)> = None;
    for c in &contacts {
        // Rows come by unit: one look-up per unit.
        if name.as_ref().is_none_or(|(code, _)| *code != c.unit) {
            name = Some((c.unit.clone(), store.unit(scope, &c.unit)?.name));
        }
        let unit_name = name.as_ref().map_or("", |(_, n)| n.as_str());
        views.push(ContactView::new(c, unit_name));
    }
    Ok(ContactList {
        unit: unit.map(ToString::to_string),
        below: unit.is_none() || below,
        contacts: views,
    })
}

impl Report for ContactList {
    fn sheet(&self) -> Sheet {
        let rows = self
            .contacts
            .iter()
            .map(|c| {
                let text = |s: &Option<String>| s.clone().map_or(Cell::Empty, Cell::Text);
                vec![
                    Cell::Text(c.unit.clone()),
                    Cell::Text(c.unit_name.clone()),
                    Cell::Text(c.name.clone()),
                    Cell::Text(c.title.clone()),
                    Cell::Text(c.phone.clone()),
                    text(&c.email),
                    text(&c.note),
                ]
            })
            .collect();
        Sheet {
            title: format!(
                "Liên hệ{}: {}",
                match &self.unit {
                    Some(u) if self.below => format!(" của đơn vị {u} và các đơn vị trực thuộc"),
                    Some(u) => format!(" của đơn vị {u}"),
                    None => String::new(),
                },
                vi::number(self.contacts.len() as i64)
            ),
            columns: columns(&[
                ("unit", "Mã đơn vị"),
                ("unit_name", "Đơn vị"),
                ("name", "Họ và tên"),
                ("title", "Chức vụ"),
                ("phone", "Điện thoại"),
                ("email", "Thư điện tử"),
                ("note", "Ghi chú"),
            ]),
            rows,
        }
    }
}
