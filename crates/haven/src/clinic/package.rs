//! `haven clinic package`: drop off a DOPU package sealed here with the answer, or delete a
//! pending one.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use haven_sdk::{PackageEncryption, SealedConnectPackage};
use haven_wire::base64_text::encode_base64;
use haven_wire::methods::connect_fields::ConnectItemSelector;
use haven_wire::methods::create_connect_package::CreateConnectPackageRequest;
use haven_wire::thing_xml::SubmittedThing;
use serde::Serialize;

use super::things::{ccd_thing, content_type_for, file_thing, parse_things};
use super::{ClinicInstance, PackageCommand};

/// The Shell target where a person picks a package up.
const PICKUP_TARGET: &str = "PICKUP";

/// The CreateConnectPackage version used: 2, as the .NET SDK, which lists streamed blobs.
const CREATE_VERSION: u32 = 2;

/// Runs a package command.
pub(super) async fn run(command: PackageCommand) -> anyhow::Result<()> {
    match command {
        PackageCommand::Drop {
            application,
            instance,
            secret,
            things,
            ccd,
            attach,
            attach_content_type,
            allocate_first,
            write_package,
        } => {
            secret.check()?;
            // Everything local is read and checked before the Platform is asked anything.
            let mut contents = match (things, ccd) {
                (Some(path), _) => {
                    read_file(&path).and_then(|text| parse_things(&text)).with_context(|| in_file(&path))?
                }
                (None, Some(path)) => {
                    let thing = read_file(&path).and_then(|text| ccd_thing(&text)).with_context(|| in_file(&path))?;
                    vec![thing]
                }
                (None, None) => bail!("give the package's content with --things or --ccd"),
            };
            let attachment = attach.map(|path| Attachment::open(path, attach_content_type)).transpose()?;
            let instance = ClinicInstance::resolve(&application, &instance).await?;
            let encryption = PackageEncryption::new(&secret.answer)?;
            let identity_code = if allocate_first {
                let code = instance
                    .connection
                    .allocate_package_id()
                    .await
                    .with_context(|| format!("AllocatePackageId in {} failed", instance.describe()))?;
                // The code can go to the person as soon as it exists, however long the upload takes.
                println!("identity-code={code}");
                Some(code)
            } else {
                None
            };
            let mut streamed_blob_urls = Vec::new();
            if let Some(attachment) = attachment {
                let uploading = format!("uploading {} to {} failed", attachment.path.display(), instance.describe());
                let thing = attachment
                    .upload(&instance, &encryption)
                    .await
                    .with_context(|| allocated_note(identity_code.as_deref(), uploading))?;
                streamed_blob_urls.extend(thing.blob_references.iter().map(|blob| blob.url.clone()));
                contents.push(thing);
            }
            let sealed = encryption.seal(&contents)?;
            let request = CreateConnectPackageRequest {
                version: CREATE_VERSION,
                identity_code: identity_code.clone(),
                friendly_name: secret.friendly_name,
                question: secret.question,
                external_id: secret.external_id,
                package_xml: sealed.package_xml(CREATE_VERSION),
                streamed_blob_urls: streamed_blob_urls.clone(),
            };
            let code = instance.connection.create_connect_package(&request).await.with_context(|| {
                allocated_note(
                    identity_code.as_deref(),
                    format!("CreateConnectPackage in {} failed", instance.describe()),
                )
            })?;
            if let Some(path) = write_package {
                let written = WrittenPackage::new(&instance, &code, &sealed, streamed_blob_urls);
                std::fs::write(&path, serde_json::to_string_pretty(&written)?).with_context(|| {
                    format!("the package was dropped off, but {} cannot be written", path.display())
                })?;
            }
            println!("instance={}", instance.id);
            if identity_code.is_none() {
                println!("identity-code={code}");
            }
            println!("url={}", instance.redeem_url(PICKUP_TARGET, &code));
            Ok(())
        }
        PackageCommand::Delete { application, instance, code, external_id } => {
            let selector = match (code, external_id) {
                (Some(code), _) => ConnectItemSelector::IdentityCode(code),
                (None, Some(external_id)) => ConnectItemSelector::ExternalId(external_id),
                (None, None) => bail!("name the package with --code or --external-id"),
            };
            let instance = ClinicInstance::resolve(&application, &instance).await?;
            instance
                .connection
                .delete_pending_connect_package(&selector)
                .await
                .with_context(|| format!("DeletePendingConnectPackage in {} failed", instance.describe()))?;
            let which = match &selector {
                ConnectItemSelector::IdentityCode(code) => format!("the pending package {code}"),
                ConnectItemSelector::ExternalId(external_id) => {
                    format!("the pending packages with external id {external_id:?}")
                }
            };
            println!("deleted {which} in {}", instance.describe());
            Ok(())
        }
    }
}

fn read_file(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).context("cannot read it")?;
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("it is not UTF-8 text"))
}

fn in_file(path: &Path) -> String {
    format!("{} cannot be dropped off", path.display())
}

/// `message`, noting that an allocated code now stands for no package.
fn allocated_note(identity_code: Option<&str>, message: String) -> String {
    match identity_code {
        Some(code) => format!("{message}; the allocated code {code} holds no package (it expires in four weeks)"),
        None => message,
    }
}

/// A file to attach, opened and checked before anything is sent.
struct Attachment {
    path: PathBuf,
    name: String,
    content_type: String,
    file: tokio::fs::File,
}

impl Attachment {
    fn open(path: PathBuf, content_type: Option<String>) -> anyhow::Result<Self> {
        let file =
            std::fs::File::open(&path).with_context(|| format!("cannot open the attachment {}", path.display()))?;
        let length = file.metadata().with_context(|| format!("cannot read {}", path.display()))?.len();
        if length == 0 {
            bail!("the attachment {} is empty", path.display());
        }
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .with_context(|| format!("the attachment {} names no file", path.display()))?;
        let content_type = content_type.unwrap_or_else(|| content_type_for(&path).to_owned());
        Ok(Self { path, name, content_type, file: tokio::fs::File::from_std(file) })
    }

    /// Streams the file encrypted with the package's key and returns its File thing.
    async fn upload(self, instance: &ClinicInstance, encryption: &PackageEncryption) -> anyhow::Result<SubmittedThing> {
        let blob = instance.connection.put_connect_package_blob(encryption.key(), self.file).await?;
        file_thing(&self.name, &self.content_type, &blob)
    }
}

/// What `--write-package` writes: enough to open the package independently with its answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct WrittenPackage {
    instance_id: String,
    identity_code: String,
    /// The package thing's data-xml.
    data_xml: String,
    algorithm_name: &'static str,
    salt: String,
    iteration_count: u32,
    key_length: u32,
    /// The sealed things, base64.
    ciphertext: String,
    streamed_blob_urls: Vec<String>,
}

impl WrittenPackage {
    fn new(
        instance: &ClinicInstance,
        code: &str,
        sealed: &SealedConnectPackage,
        streamed_blob_urls: Vec<String>,
    ) -> Self {
        let parameters = &sealed.parameters;
        Self {
            instance_id: instance.id.to_string(),
            identity_code: code.to_owned(),
            data_xml: parameters.to_data_xml(),
            algorithm_name: parameters.algorithm.name(),
            salt: parameters.salt.clone(),
            iteration_count: parameters.iteration_count,
            key_length: parameters.key_length_bits,
            ciphertext: encode_base64(&sealed.ciphertext),
            streamed_blob_urls,
        }
    }
}
