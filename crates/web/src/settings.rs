//! The report settings in the dashboard: `GET`/`PUT /api/v1/settings` (JSON,
//! declared in the OpenAPI document) and the page `/settings`, a plain
//! HTML form that posts back to itself and redirects with a confirmation,
//! so it works without JavaScript. Both write through the server's one
//! writer connection, in one transaction (`Store::update_settings`).
//!
//! There is no sign-in yet: anyone who reaches the server may change them
//! (issue 12's roles will keep the page to managers).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use phuxanh_store::access::AccessStore;

use crate::auth::{Access, Caller};
use crate::routes::Table;
use minijinja::context;
use phuxanh_domain::settings::{MAX_LEN, MAX_LINES};
use phuxanh_store::{ReportSettings, SettingKey, Store, StoreError};
use regex::Regex;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, schema::SchemaType};

use crate::lang::Lang;
use crate::pages::{error_page_in, render as render_page};
use crate::{ApiError, AppState};

/// A setting's text: at most 200 characters, no control characters
/// (Rust's `char::is_control`: U+0000–001F, U+007F–009F).
pub const TEXT: &str = "^[^\\x00-\\x1F\\x7F-\\x9F]{0,200}$";
/// A document symbol: `BC-CAT` (see `phuxanh_domain::settings::is_symbol_char`).
pub const SYMBOL: &str = "^[0-9A-Za-zĐđ.-]{0,40}$";

static TEXT_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(TEXT).expect("TEXT compiles"));
static SYMBOL_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(SYMBOL).expect("SYMBOL compiles"));

/// Every report setting: `null` (or absent, or blank) when unset.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    #[serde(default)]
    pub superior_agency: Option<String>,
    #[serde(default)]
    pub agency: Option<String>,
    #[serde(default)]
    pub symbol: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub signer_authority: Option<String>,
    #[serde(default)]
    pub signer_title: Option<String>,
    #[serde(default)]
    pub signer_name: Option<String>,
    #[serde(default)]
    pub recipients: Option<Vec<String>>,
}

impl From<ReportSettings> for SettingsBody {
    fn from(s: ReportSettings) -> SettingsBody {
        SettingsBody {
            superior_agency: s.superior_agency,
            agency: s.agency,
            symbol: s.symbol,
            place: s.place,
            signer_authority: s.signer_authority,
            signer_title: s.signer_title,
            signer_name: s.signer_name,
            recipients: Some(s.recipients),
        }
    }
}

impl SettingsBody {
    fn single(&self, key: SettingKey) -> Option<&String> {
        match key {
            SettingKey::SuperiorAgency => self.superior_agency.as_ref(),
            SettingKey::Agency => self.agency.as_ref(),
            SettingKey::Symbol => self.symbol.as_ref(),
            SettingKey::Place => self.place.as_ref(),
            SettingKey::SignerAuthority => self.signer_authority.as_ref(),
            SettingKey::SignerTitle => self.signer_title.as_ref(),
            SettingKey::SignerName => self.signer_name.as_ref(),
            SettingKey::Recipients => None,
        }
    }

    /// Every setting as it is to be stored: the whole set replaces the
    /// one before (PUT). Checked against the document's rules, then by
    /// `SettingKey::check` (trimmed, NFC); blank is unset.
    fn changes(&self) -> Result<Vec<(SettingKey, Option<String>)>, ApiError> {
        let text = |key: SettingKey, s: &str| {
            let re: &Regex = if key == SettingKey::Symbol {
                &SYMBOL_RE
            } else {
                &TEXT_RE
            };
            if re.is_match(s) {
                Ok(())
            } else if key == SettingKey::Symbol {
                Err(ApiError::invalid(
                    key.field(),
                    format!(
                        "{}: '{s}' must be 0 to 40 letters A–Z, Đ, digits, '-' or '.' (e.g. BC-CAT)",
                        key.field()
                    ),
                ))
            } else {
                Err(ApiError::invalid(
                    key.field(),
                    format!(
                        "{}: at most {MAX_LEN} characters and no control characters",
                        key.field()
                    ),
                ))
            }
        };
        let mut out = Vec::with_capacity(SettingKey::ALL.len());
        for key in SettingKey::ALL {
            let value = if key == SettingKey::Recipients {
                let lines = self.recipients.as_deref().unwrap_or_default();
                if lines.len() > MAX_LINES {
                    return Err(ApiError::invalid(
                        key.field(),
                        format!(
                            "recipients: {} lines, at most {MAX_LINES} are allowed",
                            lines.len()
                        ),
                    ));
                }
                for l in lines {
                    text(key, l)?;
                }
                lines.join("\n")
            } else {
                let v = self.single(key).map_or("", String::as_str);
                text(key, v)?;
                v.to_string()
            };
            let value = if value.trim().is_empty() {
                None
            } else {
                Some(
                    key.check(&value)
                        .map_err(|e| ApiError::invalid(key.field(), e))?,
                )
            };
            out.push((key, value));
        }
        Ok(out)
    }
}

fn text_schema(description: &str) -> Schema {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .max_length(Some(MAX_LEN))
        .pattern(Some(TEXT))
        .description(Some(description))
        .into()
}

impl utoipa::PartialSchema for SettingsBody {
    fn schema() -> RefOr<Schema> {
        let mut o = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "The report settings: what the period report's PDF prints in the layout of \
                 Decree 30/2020/NĐ-CP. A setting null, absent or blank is unset (the report \
                 leaves a dotted blank). PUT replaces the whole set.",
            ))
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        for key in SettingKey::ALL {
            let described = format!(
                "{} ({}), e.g. {}",
                key.english(),
                key.vietnamese(),
                key.example().replace('\n', " / ")
            );
            let schema: Schema = match key {
                SettingKey::Symbol => ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .max_length(Some(40))
                    .pattern(Some(SYMBOL))
                    .description(Some(format!(
                        "{described}: the report writes `Số:   /BC-CAT`, the number left blank"
                    )))
                    .into(),
                SettingKey::Recipients => ArrayBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
                    .items(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .max_length(Some(MAX_LEN))
                            .pattern(Some(TEXT)),
                    )
                    .max_items(Some(MAX_LINES))
                    .description(Some(format!(
                        "{described}: one a line; `- Lưu: VT.` is added after them"
                    )))
                    .into(),
                _ => text_schema(&described),
            };
            o = o.property(key.field(), schema);
        }
        o.examples([serde_json::json!({
            "superior_agency": "BỘ CÔNG AN",
            "agency": "CÔNG AN TỈNH BẾN TRE",
            "symbol": "BC-CAT",
            "place": "Bến Tre",
            "signer_authority": "KT. GIÁM ĐỐC",
            "signer_title": "PHÓ GIÁM ĐỐC",
            "signer_name": "Nguyễn Văn A",
            "recipients": ["Bộ Công an (C06)", "UBND tỉnh Bến Tre"],
        })])
        .into()
    }
}

impl utoipa::ToSchema for SettingsBody {}

/// `/settings`: the page and its form.
pub(crate) fn page_routes(t: Table) -> Table {
    t.get("/settings", Access::Manage, page)
        .post("/settings", Access::Admin, save_form)
}

/// `/api/v1/settings`.
pub(crate) fn api_routes(t: Table) -> Table {
    t.get("/settings", Access::Signed, get_settings)
        .put("/settings", Access::Admin, put_settings)
}

async fn read(state: Arc<AppState>) -> Result<ReportSettings, ApiError> {
    tokio::task::spawn_blocking(move || state.pool.get().settings())
        .await
        .map_err(ApiError::from_join)?
        .map_err(ApiError::from)
}

async fn write(
    state: Arc<AppState>,
    caller: &Caller,
    changes: Vec<(SettingKey, Option<String>)>,
) -> Result<ReportSettings, ApiError> {
    let record = caller.record("settings.change").subject(
        changes
            .iter()
            .map(|(k, _)| k.name())
            .collect::<Vec<_>>()
            .join(", "),
    );
    tokio::task::spawn_blocking(move || {
        let mut store = state.writer.lock().unwrap_or_else(|p| p.into_inner());
        let saved = store.update_settings(&changes)?;
        store.audit(&record)?;
        Ok(saved)
    })
    .await
    .map_err(ApiError::from_join)?
    .map_err(|e| match e {
        StoreError::InvalidSetting(m) => ApiError::invalid("body", m),
        e => ApiError::from(e),
    })
}

#[utoipa::path(get, path = "/api/v1/settings",
    responses(
        (status = 200, description = "The report settings, unset ones null (recipients [])", body = SettingsBody),
    ))]
pub async fn get_settings(
    State(state): State<Arc<AppState>>,
) -> Result<Json<SettingsBody>, ApiError> {
    Ok(Json(read(state).await?.into()))
}

#[utoipa::path(put, path = "/api/v1/settings",
    request_body(content = SettingsBody, description = "Every setting: the set replaces the one before; null, absent or blank unsets"),
    responses(
        (status = 200, description = "Saved: the settings as stored (trimmed, Unicode NFC)", body = SettingsBody),
        (status = 400, description = "The body breaks this document's schema (not JSON, an unknown field, a value too long or with a control character): the error names the field; nothing was saved", body = crate::error::ErrorBody),
        (status = 408, description = "The body did not arrive within 10 s", body = crate::error::ErrorBody),
        (status = 413, description = "The body is larger than 1 MiB", body = crate::error::ErrorBody),
        (status = 500, description = "A bug: the server logged it", body = crate::error::ErrorBody),
        (status = 503, description = "The database is busy with another writer (an import); nothing was saved: retry after the seconds of Retry-After", body = crate::error::ErrorBody),
    ))]
pub async fn put_settings(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Body,
) -> Result<Json<SettingsBody>, ApiError> {
    let bytes = crate::events::read_body(body).await?;
    let invalid = |e: serde_json::Error| {
        ApiError::invalid("body", format!("the body must be a settings object ({e})"))
    };
    // Read as a value first: serde would take an array for the fields in order.
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(invalid)?;
    if !value.is_object() {
        return Err(ApiError::invalid(
            "body",
            "the body must be a settings object, e.g. {\"agency\": \"CÔNG AN TỈNH BẾN TRE\"}",
        ));
    }
    let parsed: SettingsBody = serde_json::from_value(value).map_err(invalid)?;
    let changes = parsed.changes()?;
    Ok(Json(write(state, &caller, changes).await?.into()))
}

/// The page's own words: key, Vietnamese, English.
const WORDS: &[(&str, &str, &str)] = &[
    ("heading", "Cài đặt báo cáo", "Report settings"),
    (
        "intro",
        "Các thông tin in trên báo cáo sơ kết (PDF) theo thể thức văn bản hành chính của Nghị định 30/2020/NĐ-CP. Mục nào để trống, báo cáo để dòng chấm để điền tay.",
        "What the period report (PDF) prints in the layout of administrative documents of Decree 30/2020/NĐ-CP. A field left empty leaves a dotted line on the report, to fill by hand.",
    ),
    (
        "recipients_help",
        "Mỗi dòng một nơi nhận; dòng «- Lưu: VT.» được thêm vào cuối.",
        "One recipient a line; “- Lưu: VT.” is added after them.",
    ),
    (
        "place_help",
        "Để trống: tên đơn vị không kèm cấp (ví dụ «Bến Tre»).",
        "Empty: the unit's name without its kind (e.g. “Bến Tre”).",
    ),
    (
        "symbol_help",
        "Báo cáo ghi «Số:      /BC-CAT», số để trống để điền tay.",
        "The report writes “Số:      /BC-CAT”, the number left blank to fill by hand.",
    ),
    ("example", "Ví dụ", "Example"),
    ("save", "Lưu cài đặt", "Save settings"),
    (
        "saved",
        "Đã lưu cài đặt báo cáo.",
        "The report settings are saved.",
    ),
    ("not_saved", "Chưa lưu", "Not saved"),
];

fn words(lang: Lang) -> HashMap<&'static str, &'static str> {
    WORDS
        .iter()
        .map(|&(k, v, e)| (k, lang.pick(v, e)))
        .collect()
}

async fn page(
    State(s): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    match read(s.clone()).await {
        Ok(settings) => {
            let values = settings
                .pairs()
                .into_iter()
                .map(|(k, v)| (k, v.unwrap_or_default()))
                .collect();
            let saved = q.get("saved").is_some_and(|v| v == "1");
            show(&s, lang, values, saved, None).await
        }
        Err(e) => error_page_in(lang, e),
    }
}

/// The form as posted: one text per field, the recipients one a line.
#[derive(Deserialize)]
struct Posted {
    #[serde(default)]
    lang: Option<String>,
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

async fn save_form(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    Form(posted): Form<Posted>,
) -> Response {
    let lang = Lang::from_query(
        &posted
            .lang
            .iter()
            .map(|l| ("lang".to_string(), l.clone()))
            .collect(),
    );
    let field = |k: SettingKey| posted.fields.get(k.field()).cloned().unwrap_or_default();
    let body = SettingsBody {
        superior_agency: Some(field(SettingKey::SuperiorAgency)),
        agency: Some(field(SettingKey::Agency)),
        symbol: Some(field(SettingKey::Symbol)),
        place: Some(field(SettingKey::Place)),
        signer_authority: Some(field(SettingKey::SignerAuthority)),
        signer_title: Some(field(SettingKey::SignerTitle)),
        signer_name: Some(field(SettingKey::SignerName)),
        recipients: Some(
            field(SettingKey::Recipients)
                .lines()
                .map(str::to_string)
                .collect(),
        ),
    };
    let result = match body.changes() {
        Ok(changes) => write(s.clone(), &caller, changes).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => (
            StatusCode::SEE_OTHER,
            [(
                header::LOCATION,
                format!("/settings?saved=1&lang={}", lang.code()),
            )],
        )
            .into_response(),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let values = SettingKey::ALL.iter().map(|&k| (k, field(k))).collect();
            let mut page = show(&s, lang, values, false, Some(e.message)).await;
            *page.status_mut() = StatusCode::BAD_REQUEST;
            page
        }
        Err(e) => error_page_in(lang, e),
    }
}

/// The page with the form holding `values`.
async fn show(
    s: &Arc<AppState>,
    lang: Lang,
    values: Vec<(SettingKey, String)>,
    saved: bool,
    error: Option<String>,
) -> Response {
    let state = s.clone();
    let as_of = tokio::task::spawn_blocking(move || {
        let store = state.pool.get();
        store
            .freshness()
            .map(|f| crate::dated::day(None, &f, phuxanh_domain::Day::today()).to_string())
    })
    .await
    .ok()
    .and_then(Result::ok)
    .unwrap_or_default();
    let w = words(lang);
    let t = lang.words();
    let fields: Vec<minijinja::Value> = values
        .iter()
        .map(|(k, v)| {
            let help: Cow<str> = match k {
                SettingKey::Recipients => w["recipients_help"].into(),
                SettingKey::Place => w["place_help"].into(),
                SettingKey::Symbol => w["symbol_help"].into(),
                _ => "".into(),
            };
            context! {
                name => k.field(),
                key => k.name(),
                label => lang.pick(k.vietnamese(), k.english()),
                value => v,
                example => format!("{}: {}", w["example"], k.example().replace('\n', " / ")),
                multiline => k.multiline(),
                help => help,
                max => if *k == SettingKey::Symbol { 40 } else { MAX_LEN },
            }
        })
        .collect();
    render_page(
        "settings.html",
        context! {
            lang => lang.code(),
            other_lang => lang.other().code(),
            page_name => w["heading"],
            t => t,
            w => w,
            crumbs => Vec::<()>::new(),
            as_of => as_of,
            dated => None::<()>,
            map_params => Vec::<(String, String)>::new(),
            lang_href => format!("/settings?lang={}", lang.other().code()),
            fields => fields,
            saved => saved,
            error => error,
        },
    )
}
