//! The one reader of JSON request bodies, and the one input language both databases
//! store alike (docs/api.md, "Input").
//!
//! Key decision: a body is read in two passes. First into a JSON tree by a visitor
//! that refuses, wherever they are and whatever the endpoint: bytes that are not
//! UTF-8, anything after the document, nesting deeper than [`MAX_DEPTH`], a key given
//! twice in one object, and text with a control character or longer than
//! [`MAX_TEXT_CHARS`]. PostgreSQL cannot store a NUL in text at all, so a rule that
//! held only per field would sooner or later miss one and answer 500; here no DTO can
//! forget it. Then the tree is read into the request's type, whose `deny_unknown_fields`
//! refuses a misspelt field with its path.

use super::error::{ApiError, FieldError};
use axum::http::StatusCode;
use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::fmt;

/// Deepest nesting of arrays and objects a body may have (the deepest request type
/// nests four levels).
pub const MAX_DEPTH: usize = 32;

/// Longest text value, in characters (fields have their own, smaller limits).
pub const MAX_TEXT_CHARS: usize = 10_000;

/// Whether text holds a character no field takes: a C0 or C1 control character or
/// DEL, except tab, line feed and carriage return (free text may have lines).
pub fn has_control_character(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// The message of a refused control character.
pub const CONTROL_MESSAGE: &str =
    "text may not contain NUL or other control characters (tab and line breaks excepted)";

/// Parses a body into `T`: 400 `malformed_json` (or `json_too_deep`) for what is not
/// one well-formed JSON document, 422 with the field's path for everything else.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value = read_document(bytes)?;
    serde_path_to_error::deserialize(value).map_err(|err| {
        let mut field = err.path().to_string();
        if field == "." {
            field.clear();
        }
        let message = err.into_inner().to_string();
        let code = if message.starts_with("missing field") {
            "required"
        } else if let Some(name) = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
        {
            // The path ends at the object; name the field itself.
            if !field.ends_with(name) {
                field = if field.is_empty() {
                    name.to_owned()
                } else {
                    format!("{field}.{name}")
                };
            }
            "unknown_field"
        } else {
            "invalid_type"
        };
        let mut api = ApiError::unprocessable("validation_failed", format!("{field}: {message}"));
        api.errors.push(FieldError {
            field,
            code: code.into(),
            message,
        });
        api
    })
}

fn malformed(detail: impl fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "malformed_json",
        format!("the body is not one valid JSON document: {detail}"),
    )
}

/// Reads one JSON document under the rules of this module.
pub fn read_document(bytes: &[u8]) -> Result<Value, ApiError> {
    let text =
        std::str::from_utf8(bytes).map_err(|e| malformed(format_args!("it is not UTF-8 ({e})")))?;
    let reader = Reader::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Node { reader: &reader }
        .deserialize(&mut de)
        .map_err(|e| reader.refusal.take().unwrap_or_else(|| malformed(e)))?;
    de.end()
        .map_err(|_| malformed("there is more after the document"))?;
    Ok(value)
}

/// One segment of the path to the value being read.
enum Segment {
    Key(String),
    Index(usize),
}

#[derive(Default)]
struct Reader {
    path: RefCell<Vec<Segment>>,
    /// The first refusal, which the parse error carrying it stands for.
    refusal: RefCell<Option<ApiError>>,
}

impl Reader {
    fn path(&self) -> String {
        let mut out = String::new();
        for segment in self.path.borrow().iter() {
            match segment {
                Segment::Key(k) if out.is_empty() => out.push_str(k),
                Segment::Key(k) => {
                    out.push('.');
                    out.push_str(k);
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    /// Records a refusal of the value at the current path; the error unwinds the parse.
    fn refuse<E: serde::de::Error>(&self, err: ApiError) -> E {
        self.refusal.borrow_mut().get_or_insert(err);
        E::custom("refused")
    }

    fn refuse_field<E: serde::de::Error>(&self, code: &str, message: &str) -> E {
        self.refuse(ApiError::invalid_field(&self.path(), code, message))
    }

    fn check_text<E: serde::de::Error>(&self, text: &str) -> Result<(), E> {
        if has_control_character(text) {
            return Err(self.refuse_field("control_character", CONTROL_MESSAGE));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(self.refuse_field(
                "too_long",
                &format!("text is at most {MAX_TEXT_CHARS} characters"),
            ));
        }
        Ok(())
    }

    fn enter<E: serde::de::Error>(&self) -> Result<(), E> {
        if self.path.borrow().len() >= MAX_DEPTH {
            return Err(self.refuse(ApiError::new(
                StatusCode::BAD_REQUEST,
                "json_too_deep",
                format!("the body nests arrays and objects deeper than {MAX_DEPTH} levels"),
            )));
        }
        Ok(())
    }
}

/// The seed and visitor of one value.
#[derive(Clone, Copy)]
struct Node<'r> {
    reader: &'r Reader,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number out of range"))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
        self.reader.check_text(v)?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Value, E> {
        self.reader.check_text(&v)?;
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.reader.enter()?;
        let mut items = Vec::new();
        loop {
            self.reader
                .path
                .borrow_mut()
                .push(Segment::Index(items.len()));
            let next = seq.next_element_seed(self);
            self.reader.path.borrow_mut().pop();
            match next? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.reader.enter()?;
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.reader
                .path
                .borrow_mut()
                .push(Segment::Key(key.clone()));
            let checked = self.reader.check_text::<A::Error>(&key).and_then(|()| {
                if object.contains_key(&key) {
                    Err(self
                        .reader
                        .refuse_field("duplicate_key", "this key appears twice in its object"))
                } else {
                    map.next_value_seed(self)
                }
            });
            self.reader.path.borrow_mut().pop();
            object.insert(key, checked?);
        }
        Ok(Value::Object(object))
    }
}

/// The path with its `%XX` escapes decoded, if that is UTF-8.
fn decoded_path(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push(u8::try_from(hex(h)? * 16 + hex(l)?).ok()?);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Refuses a request whose path, decoded, is not UTF-8 or holds a control character
/// (`%00` in an id): 422 on the field `path`, before any handler or the database
/// sees it.
pub async fn path_layer(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let refused = match decoded_path(request.uri().path()) {
        None => Some("the path is not UTF-8 once decoded"),
        Some(path) if has_control_character(&path) => Some(CONTROL_MESSAGE),
        Some(_) => None,
    };
    match refused {
        Some(message) => {
            ApiError::invalid_field("path", "control_character", message).into_response()
        }
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(body: &str) -> (u16, String, Option<String>) {
        let err = read_document(body.as_bytes()).expect_err("refused");
        (
            err.status.as_u16(),
            err.code.to_string(),
            err.errors.first().map(|e| e.field.clone()),
        )
    }

    #[test]
    fn trailing_data_after_the_document_is_malformed() {
        assert_eq!(refusal(r#"{"a": 1} garbage"#).1, "malformed_json");
        assert_eq!(refusal(r#"{} {"a": 1}"#).1, "malformed_json");
        assert!(read_document(b" {\"a\": 1} \n").is_ok());
    }

    #[test]
    fn nesting_is_bounded_even_under_keys_nobody_reads() {
        let deep = format!("{{\"x\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(refusal(&deep), (400, "json_too_deep".into(), None));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(read_document(ok.as_bytes()).is_ok());
    }

    #[test]
    fn control_characters_and_duplicate_keys_are_refused_with_their_path() {
        assert_eq!(
            refusal(r#"{"parcels": [{"id": "a"}, {"id": "a\u0000b"}]}"#),
            (
                422,
                "validation_failed".into(),
                Some("parcels[1].id".into())
            )
        );
        assert_eq!(
            refusal(r#"{"a": {"b": 1, "b": 2}}"#),
            (422, "validation_failed".into(), Some("a.b".into()))
        );
        assert!(read_document("{\"note\": \"two\\nlines\\tand a tab\"}".as_bytes()).is_ok());
    }

    #[test]
    fn paths_are_decoded_before_they_are_checked() {
        assert_eq!(
            decoded_path("/v1/tracking/LZ%30001").as_deref(),
            Some("/v1/tracking/LZ0001")
        );
        assert!(has_control_character(
            &decoded_path("/v1/tracking/LZ%00").expect("utf-8")
        ));
        assert_eq!(decoded_path("/v1/x%ff"), None);
        assert_eq!(decoded_path("/v1/100%").as_deref(), Some("/v1/100%"));
    }

    #[test]
    fn invalid_utf8_is_malformed() {
        let bytes = b"{\"a\": \"\xff\"}";
        let err = read_document(bytes).expect_err("refused");
        assert_eq!(err.code, "malformed_json");
    }
}
