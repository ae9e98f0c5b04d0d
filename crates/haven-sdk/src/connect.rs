//! The ConnectPackage method group's calls: Patient Connect (CreateConnectRequest,
//! GetAuthorizedConnectRequests, DeletePendingConnectRequest), DOPU packages
//! (AllocatePackageId, CreateConnectPackage, BeginPutConnectPackageBlob,
//! DeletePendingConnectPackage) and UpdateExternalId, which serves both. An application makes
//! them by itself ([`CallAs::Application`]), in the instance where the person's account lives
//! (ask SelectInstance first); it needs the ConnectPackage method group.
//!
//! Identity codes are secrets meant for the person alone; they are returned as strings. The
//! SDK does not encrypt packages: the caller builds the Password-Protected-Package thing with a
//! key derived from the answer, which never reaches the Platform.

use haven_wire::methods::allocate_package_id::{self, AllocatePackageIdRequest, AllocatePackageIdResponse};
use haven_wire::methods::begin_put_connect_package_blob::{
    self, BeginPutConnectPackageBlobRequest, BeginPutConnectPackageBlobResponse,
};
use haven_wire::methods::connect_fields::ConnectItemSelector;
use haven_wire::methods::create_connect_package::{self, CreateConnectPackageRequest, CreateConnectPackageResponse};
use haven_wire::methods::create_connect_request::{self, CreateConnectRequestRequest, CreateConnectRequestResponse};
use haven_wire::methods::delete_pending_connect_package::{self, DeletePendingConnectPackageRequest};
use haven_wire::methods::delete_pending_connect_request::{self, DeletePendingConnectRequestRequest};
use haven_wire::methods::get_authorized_connect_requests::{
    self, AuthorizedConnectRequest, GetAuthorizedConnectRequestsRequest, GetAuthorizedConnectRequestsResponse,
};
use haven_wire::methods::update_external_id::{self, UpdateExternalIdRequest};
use time::OffsetDateTime;

use crate::connection::{CallAs, Connection};
use crate::error::SdkError;

impl Connection {
    /// CreateConnectRequest v1: starts a Patient Connect with `request`'s friendly name,
    /// question, answer and external id, and returns the identity code to give the person,
    /// who enters it at the Shell (`target=CONNECT`) and answers the question. The Platform
    /// refuses a blank question or answer, and a second pending request with the same external
    /// id (DUPLICATE_CONNECT_REQUEST_FOUND).
    pub async fn create_connect_request(&self, request: &CreateConnectRequestRequest) -> Result<String, SdkError> {
        let inner =
            self.call(create_connect_request::METHOD, 1, &CallAs::Application, None, &request.to_info_xml()).await?;
        Ok(CreateConnectRequestResponse::parse_info_xml(&inner)?.identity_code)
    }

    /// GetAuthorizedConnectRequests v1: the connect requests people have validated, each with
    /// the person and the record they authorized the application for; only those authorized
    /// after `since`, if given. The Platform keeps a validated request for 90 days, a window
    /// each retrieval restarts, so poll at least weekly.
    pub async fn authorized_connect_requests(
        &self,
        since: Option<OffsetDateTime>,
    ) -> Result<Vec<AuthorizedConnectRequest>, SdkError> {
        let request = GetAuthorizedConnectRequestsRequest { since };
        let inner = self
            .call(get_authorized_connect_requests::METHOD, 1, &CallAs::Application, None, &request.to_info_xml())
            .await?;
        Ok(GetAuthorizedConnectRequestsResponse::parse_info_xml(&inner)?.connect_requests)
    }

    /// DeletePendingConnectRequest v1: withdraws the connect request with `external_id` that
    /// nobody has validated yet (for example because its identity code was lost); an
    /// authorized one is not deleted.
    pub async fn delete_pending_connect_request(&self, external_id: &str) -> Result<(), SdkError> {
        let request = DeletePendingConnectRequestRequest { external_id: external_id.to_owned() };
        self.call(delete_pending_connect_request::METHOD, 1, &CallAs::Application, None, &request.to_info_xml())
            .await?;
        Ok(())
    }

    /// UpdateExternalId v1: gives the connect request or package that `item` names (by
    /// identity code, or by its current external id) the external id `new_external_id`.
    pub async fn update_external_id(&self, item: &ConnectItemSelector, new_external_id: &str) -> Result<(), SdkError> {
        let request = UpdateExternalIdRequest { item: item.clone(), new_external_id: new_external_id.to_owned() };
        self.call(update_external_id::METHOD, 1, &CallAs::Application, None, &request.to_info_xml()).await?;
        Ok(())
    }

    /// AllocatePackageId v1: reserves an identity code for a DOPU package to be created later
    /// (send it as CreateConnectPackage's `identity_code`), so the person can have the code
    /// before a long upload ends.
    pub async fn allocate_package_id(&self) -> Result<String, SdkError> {
        let request = AllocatePackageIdRequest;
        let inner =
            self.call(allocate_package_id::METHOD, 1, &CallAs::Application, None, &request.to_info_xml()).await?;
        Ok(AllocatePackageIdResponse::parse_info_xml(&inner)?.identity_code)
    }

    /// CreateConnectPackage, in `request.version` (use 2, as the .NET SDK does; version 1
    /// has no `streamed-package-blobs`): drops off the package and returns its identity code,
    /// the one `request.identity_code` reserved if given. The person picks it up once at the
    /// Shell (`target=PICKUP`) within four weeks; the application is not told when. Build
    /// `request.package_xml` with [`CreateConnectPackageRequest::package_xml_of`], and list in
    /// `streamed_blob_urls` every BeginPutConnectPackageBlob URL the package's things use.
    pub async fn create_connect_package(&self, request: &CreateConnectPackageRequest) -> Result<String, SdkError> {
        let inner = self
            .call(create_connect_package::METHOD, request.version, &CallAs::Application, None, &request.to_info_xml())
            .await?;
        Ok(CreateConnectPackageResponse::parse_info_xml(&inner)?.identity_code)
    }

    /// BeginPutConnectPackageBlob v1: an upload URL for one encrypted blob of a thing inside a
    /// DOPU package, with the chunk encryption and sizes to use. The SDK has no blob upload
    /// helper; POST the chunks to `blob_ref_url` as for BeginPutBlob, then list the URL in
    /// CreateConnectPackage's `streamed_blob_urls`.
    pub async fn begin_put_connect_package_blob(&self) -> Result<BeginPutConnectPackageBlobResponse, SdkError> {
        let request = BeginPutConnectPackageBlobRequest;
        let inner = self
            .call(begin_put_connect_package_blob::METHOD, 1, &CallAs::Application, None, &request.to_info_xml())
            .await?;
        Ok(BeginPutConnectPackageBlobResponse::parse_info_xml(&inner)?)
    }

    /// DeletePendingConnectPackage v1: withdraws the package that `package` names by identity
    /// code, or the pending packages with that external id; a package already picked up is not
    /// deleted.
    pub async fn delete_pending_connect_package(&self, package: &ConnectItemSelector) -> Result<(), SdkError> {
        let request = DeletePendingConnectPackageRequest { package: package.clone() };
        self.call(delete_pending_connect_package::METHOD, 1, &CallAs::Application, None, &request.to_info_xml())
            .await?;
        Ok(())
    }
}
