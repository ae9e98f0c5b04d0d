//! Adding a message's attachment to a record, and reviewing a clinical document's entries.
//!
//! An ordinary attachment becomes a File thing whose blob is the file. A clinical document
//! (C-CDA or CCD, CDA, CCR, as classified on arrival) becomes a thing of its document type
//! (CCD for C-CDA and CCD, as HealthVault stored them) whose data is the document itself; a
//! document that the type does not accept after all is filed as a File, so nothing is lost.
//! The person then reviews what `haven_direct::reconcile` finds in a CDA-family document
//! (problems, medications, allergies, results, immunizations), each ticked by default, and the
//! chosen ones are added as things in one write. The review is worked out again from the
//! stored attachment when the form comes back, so the form carries only positions.
//!
//! Only custodians of a writable record can add to it. Every thing is created by the person
//! (the Shell has no application).

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use haven_direct::{ReconciledItem, reconcile};
use haven_domain::blob::sha256_block;
use haven_domain::direct::{DirectAttachment, DirectDocumentKind};
use haven_domain::ids::{BlobId, ThingTypeId};
use haven_domain::person::Person;
use haven_domain::record::RecordState;
use haven_domain::thing::BlobRef;
use haven_domain::thing_type::{
    self, CLINICAL_DOCUMENT_ARCHITECTURE, CONTINUITY_OF_CARE_DOCUMENT, CONTINUITY_OF_CARE_RECORD, FILE,
};
use haven_store::NewBlob;
use serde::Deserialize;

use super::inbox::{attachment_name, kind_text};
use super::{enabled, filing_records, message_path, open_attachment};
use crate::connect::{Notice, chosen_record};
use crate::error::{ShellError, render};
use crate::records::measurements::{RECORD_FULL, Written, new_draft, write_new_things};
use crate::records::{OpenRecord, open_record, read_only_page, see_other, sign_in_first};
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// The form that files an attachment.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct FileForm {
    csrf: String,
    record: String,
}

/// The page when the record has no room left; `back` is the message's page.
fn record_full(back: String) -> Notice {
    Notice::new(StatusCode::CONFLICT, "The record is full", vec![format!("{RECORD_FULL} Nothing was added.")])
        .link(back, "Back to the message")
}

/// The thing type a clinical document is stored as.
fn document_type(kind: DirectDocumentKind) -> Option<ThingTypeId> {
    match kind {
        DirectDocumentKind::Ccda | DirectDocumentKind::Ccd => Some(CONTINUITY_OF_CARE_DOCUMENT),
        DirectDocumentKind::Cda => Some(CLINICAL_DOCUMENT_ARCHITECTURE),
        DirectDocumentKind::Ccr => Some(CONTINUITY_OF_CARE_RECORD),
        DirectDocumentKind::Other => None,
    }
}

/// A document's text as thing data: UTF-8 without a byte-order mark or XML declaration, if
/// its type accepts it.
fn document_data(kind: DirectDocumentKind, content: &[u8]) -> Option<(ThingTypeId, String)> {
    let type_id = document_type(kind)?;
    let text = std::str::from_utf8(content).ok()?.trim_start_matches('\u{feff}').trim_start();
    let text = match text.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>")?.1.trim_start(),
        None => text,
    };
    thing_type::by_id(type_id)?.validate(text).ok()?;
    Some((type_id, text.to_owned()))
}

/// Escapes text for XML element content.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The File thing's data for an attachment.
fn file_data(attachment: &DirectAttachment, name: &str) -> String {
    format!(
        "<file><name>{}</name><size>{}</size><content-type><text>{}</text></content-type></file>",
        escape(name),
        attachment.size_bytes.max(1),
        escape(&attachment.content_type)
    )
}

/// `POST /messages/{id}/attachments/{attachment}/file`: adds the attachment to the chosen
/// record, then goes on to the review of a clinical document, or back to the message.
pub(crate) async fn file(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path((message_id, attachment_id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<FileForm>,
) -> Result<Response, ShellError> {
    enabled(&state)?;
    visit.check_form(&headers, &form.csrf)?;
    let person = visit.person()?;
    let (message, position) = open_attachment(&state, person, &message_id, &attachment_id).await?;
    let attachment = &message.attachments[position];
    let back = message_path(message.id);
    if attachment.added_to_record.is_some() {
        return Ok(see_other(&back));
    }
    let records = filing_records(&state, person).await?;
    let Ok(Some((record, _))) = chosen_record(&records, &form.record) else {
        return Notice::new(
            StatusCode::BAD_REQUEST,
            "Choose a record",
            vec!["Choose the record to add the attachment to. Nothing was added.".to_owned()],
        )
        .link(back, "Back to the message")
        .page(&state, &visit);
    };
    let open = open_record(&state, person, &record.id.to_string()).await?;
    let name = attachment_name(attachment, position + 1);
    let document = document_data(attachment.document_kind, &attachment.content);
    let type_id = document.as_ref().map_or(FILE, |(type_id, _)| *type_id);
    if !open.can_add(type_id) {
        return read_only_page(&state, &visit, &open);
    }
    let draft = match &document {
        Some((type_id, data_xml)) => new_draft(*type_id, data_xml.clone()),
        None => {
            let now = state.clock.now();
            let blob = NewBlob {
                id: BlobId::from_uuid(uuid::Uuid::new_v4()),
                record_id: open.record.id,
                application_id: None,
                created_at: now,
            };
            let hash = sha256_block(&attachment.content);
            state.store.create_complete_blob(&blob, &attachment.content, &hash).await?;
            let mut draft = new_draft(FILE, file_data(attachment, &name));
            draft.blobs.push(BlobRef::with_sha256_block(
                "",
                &attachment.content_type,
                attachment.size_bytes,
                &hash,
                blob.id,
            ));
            draft
        }
    };
    let thing_id = match write_new_things(&state, &open, vec![draft]).await? {
        Written::Done(ids) => ids.into_iter().next().ok_or_else(|| ShellError::Internal("no thing written".into()))?,
        Written::Full => return record_full(back).page(&state, &visit),
        Written::NotWritable => return read_only_page(&state, &visit, &open),
    };
    state.store.record_direct_attachment_added(person.id, attachment.id, open.record.id, thing_id).await?;
    tracing::info!(person = %person.id, message = %message.id, attachment = %attachment.id, record = %open.record.id, "attachment added to a record");
    if document.is_some()
        && matches!(
            attachment.document_kind,
            DirectDocumentKind::Ccda | DirectDocumentKind::Ccd | DirectDocumentKind::Cda
        )
    {
        return Ok(see_other(&format!("{back}/attachments/{}/review", attachment.id)));
    }
    Ok(see_other(&format!("{back}?added=1")))
}

/// A reviewed entry as the page shows it.
#[derive(Debug)]
struct ReviewItem {
    index: usize,
    summary: String,
}

/// The entries of one section.
#[derive(Debug)]
struct ReviewSection {
    label: &'static str,
    items: Vec<ReviewItem>,
}

#[derive(Template)]
#[template(path = "message_review.html")]
struct ReviewPage {
    chrome: Chrome,
    document_name: String,
    document_kind: &'static str,
    record_name: String,
    message_path: String,
    action: String,
    sections: Vec<ReviewSection>,
    problem: Option<String>,
}

/// The record an attachment was filed in, opened for adding to it; or the page to show.
async fn filed_record(
    state: &ShellState,
    visit: &Visit,
    person: &Person,
    attachment: &DirectAttachment,
    back: &str,
) -> Result<Result<OpenRecord, Response>, ShellError> {
    let Some((record_id, _)) = attachment.added_to_record else {
        return Ok(Err(see_other(back)));
    };
    let open = open_record(state, person, &record_id.to_string()).await?;
    if open.record.state != RecordState::Active {
        return Ok(Err(read_only_page(state, visit, &open)?));
    }
    Ok(Ok(open))
}

/// What the document holds, or why it cannot be read (in words for the person).
fn entries(attachment: &DirectAttachment) -> Result<Vec<ReconciledItem>, String> {
    reconcile(&attachment.content).map_err(|error| format!("Haven cannot read the entries of this document: {error}."))
}

/// The entries the person may add, by section, keeping their positions in `items`.
fn sections(items: &[ReconciledItem], open: &OpenRecord) -> Vec<ReviewSection> {
    let mut sections: Vec<ReviewSection> = Vec::new();
    for (index, item) in items.iter().enumerate().filter(|(_, item)| open.can_add(item.type_id)) {
        let label = item.section.label();
        let entry = ReviewItem { index, summary: item.summary.clone() };
        match sections.iter_mut().find(|section| section.label == label) {
            Some(section) => section.items.push(entry),
            None => sections.push(ReviewSection { label, items: vec![entry] }),
        }
    }
    sections
}

/// `GET /messages/{id}/attachments/{attachment}/review`: the document's entries to choose from.
pub(crate) async fn review(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path((message_id, attachment_id)): Path<(String, String)>,
) -> Result<Response, ShellError> {
    enabled(&state)?;
    let Some(person) = &visit.person else { return Ok(sign_in_first(&format!("/messages/{message_id}"))) };
    let (message, position) = open_attachment(&state, person, &message_id, &attachment_id).await?;
    let attachment = &message.attachments[position];
    let back = message_path(message.id);
    let open = match filed_record(&state, &visit, person, attachment, &back).await? {
        Ok(open) => open,
        Err(page) => return Ok(page),
    };
    if attachment.reviewed_at.is_some() {
        return already_reviewed(back).page(&state, &visit);
    }
    let (sections, problem) = match entries(attachment) {
        Ok(items) => {
            let left_out = items.iter().filter(|item| !open.can_add(item.type_id)).count();
            let problem = (left_out > 0).then(|| {
                format!(
                    "{left_out} of the entries are of kinds your access to this record does not let you add; they \
                     are left out."
                )
            });
            (sections(&items, &open), problem)
        }
        Err(problem) => (Vec::new(), Some(problem)),
    };
    let page = ReviewPage {
        chrome: visit.chrome(&state),
        document_name: attachment_name(attachment, position + 1),
        document_kind: kind_text(attachment.document_kind),
        record_name: open.record.display_name.clone(),
        action: format!("{back}/attachments/{}/review", attachment.id),
        message_path: back,
        sections,
        problem,
    };
    Ok(render(&page)?.into_response())
}

/// The review form: the positions of the chosen entries.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct ReviewForm {
    csrf: String,
    item: Vec<usize>,
}

/// `POST /messages/{id}/attachments/{attachment}/review`: adds the chosen entries as things.
pub(crate) async fn reconcile_chosen(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path((message_id, attachment_id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<ReviewForm>,
) -> Result<Response, ShellError> {
    enabled(&state)?;
    visit.check_form(&headers, &form.csrf)?;
    let person = visit.person()?;
    let (message, position) = open_attachment(&state, person, &message_id, &attachment_id).await?;
    let attachment = &message.attachments[position];
    let back = message_path(message.id);
    let open = match filed_record(&state, &visit, person, attachment, &back).await? {
        Ok(open) => open,
        Err(page) => return Ok(page),
    };
    let items = entries(attachment).map_err(|_| ShellError::NotFound)?;
    let mut chosen = form.item.clone();
    chosen.sort_unstable();
    chosen.dedup();
    if chosen.iter().any(|index| items.get(*index).is_none_or(|item| !open.can_add(item.type_id))) {
        return Notice::new(
            StatusCode::BAD_REQUEST,
            "This form could not be used",
            vec!["The form sent does not match the page Haven showed. Nothing was added.".to_owned()],
        )
        .link(format!("{back}/attachments/{}/review", attachment.id), "Review the document again")
        .page(&state, &visit);
    }
    if chosen.is_empty() {
        return Ok(see_other(&format!("{back}?added=1")));
    }
    // The review is claimed before the write, so two submissions cannot both add the entries;
    // a write that fails releases it, so the person can try again.
    if !state.store.claim_direct_attachment_review(person.id, attachment.id, Some(state.clock.now())).await? {
        return already_reviewed(back).page(&state, &visit);
    }
    let drafts = chosen.iter().map(|index| new_draft(items[*index].type_id, items[*index].data_xml.clone())).collect();
    let written = write_new_things(&state, &open, drafts).await;
    if !matches!(written, Ok(Written::Done(_))) {
        state.store.claim_direct_attachment_review(person.id, attachment.id, None).await?;
    }
    match written? {
        Written::Done(ids) => {
            tracing::info!(person = %person.id, record = %open.record.id, things = ids.len(), "document entries added");
            Ok(see_other(&format!("{}?added={}", open.path(), ids.len())))
        }
        Written::Full => record_full(back).page(&state, &visit),
        Written::NotWritable => read_only_page(&state, &visit, &open),
    }
}

/// The page for a document whose entries were added already.
fn already_reviewed(back: String) -> Notice {
    Notice::new(
        StatusCode::CONFLICT,
        "These entries were added already",
        vec!["The entries of this document were added to the record before, so they were not added again.".to_owned()],
    )
    .link(back, "Back to the message")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CCD: &str = "<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>Summary</title></ClinicalDocument>";

    #[test]
    fn documents_lose_their_declaration_and_keep_their_type() {
        let with_declaration = format!("\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{CCD}");
        let (type_id, text) = document_data(DirectDocumentKind::Ccda, with_declaration.as_bytes()).unwrap();
        assert_eq!((type_id, text.as_str()), (CONTINUITY_OF_CARE_DOCUMENT, CCD));
        assert_eq!(document_data(DirectDocumentKind::Cda, CCD.as_bytes()).unwrap().0, CLINICAL_DOCUMENT_ARCHITECTURE);
        assert!(document_data(DirectDocumentKind::Other, CCD.as_bytes()).is_none());
        assert!(document_data(DirectDocumentKind::Ccd, b"<other/>").is_none(), "filed as a File instead");
        assert!(document_data(DirectDocumentKind::Ccd, &[0xff, 0xfe]).is_none());
    }

    #[test]
    fn file_data_is_escaped_and_valid() {
        let attachment = DirectAttachment {
            id: haven_domain::direct::DirectAttachmentId::from_uuid(uuid::Uuid::nil()),
            file_name: Some("a<b>&c.pdf".to_owned()),
            content_type: "application/pdf".to_owned(),
            document_kind: DirectDocumentKind::Other,
            content: b"%PDF".to_vec(),
            size_bytes: 4,
            added_to_record: None,
            reviewed_at: None,
        };
        let data = file_data(&attachment, "a<b>&c.pdf");
        assert!(data.contains("<name>a&lt;b&gt;&amp;c.pdf</name>"), "{data}");
        thing_type::by_id(FILE).unwrap().validate(&data).unwrap();
    }
}
