//! GetServiceDefinition from separate instance processes, each on its own database.

use haven_testkit::{Database, Deployment, InstanceSpec};
use haven_wire::methods::select_instance::SelectInstanceResponse;
use haven_wire::{StatusCode, parse_response};

use crate::support::{anonymous_request, haven, post, service_definition};

async fn assert_topology_from_each(deployment: &Deployment) {
    for instance in &deployment.instances {
        let definition = service_definition(&instance.wildcat_url(), 2).await;
        let instances = definition.instances.expect("v2 lists the instances");
        assert_eq!(instances.current_instance_id.as_str(), instance.id, "current-instance-id names the instance asked");
        let listed: Vec<(String, String, String)> = instances
            .instances
            .iter()
            .map(|listed| (listed.id.to_string(), listed.platform_url.clone(), listed.shell_url.clone()))
            .collect();
        let expected: Vec<(String, String, String)> = deployment
            .instances
            .iter()
            .map(|running| (running.id.clone(), running.wildcat_url(), running.shell_url.clone()))
            .collect();
        assert_eq!(listed, expected);
        let platform = definition.platform.expect("the platform section");
        assert_eq!(platform.url, instance.wildcat_url());
        let shell = definition.shell.expect("the shell section");
        assert_eq!(shell.url, instance.shell_url);
        assert!(definition.xml_methods.iter().any(|method| method.name == "GetServiceDefinition"));
    }
}

#[tokio::test]
async fn two_instances_each_report_the_whole_topology() {
    let deployment = Deployment::start(haven(), &[InstanceSpec::us(), InstanceSpec::eu()]).await.unwrap();
    assert_topology_from_each(&deployment).await;

    // Version 1 has no topology but names the platform.
    let us = deployment.instance("1");
    let version_one = service_definition(&us.wildcat_url(), 1).await;
    assert!(version_one.instances.is_none());
    assert_eq!(version_one.platform.unwrap().url, us.wildcat_url());

    // Each instance has its own database file.
    for instance in &deployment.instances {
        assert!(instance.config_path.with_file_name("haven.db").exists());
    }
}

#[tokio::test]
async fn an_instance_on_postgresql_serves_beside_one_on_sqlite() {
    let url = match haven_store::testing::postgres_url() {
        Ok(Some(url)) => url,
        Ok(None) => {
            eprintln!("skipped: {} is not set", haven_store::testing::POSTGRES_URL_VARIABLE);
            return;
        }
        Err(message) => panic!("{message}"),
    };
    let config = haven_store::testing::fresh_postgres_schema(&url).await.unwrap();
    let haven_store::StoreConfig::Postgres(postgres) = &config else { unreachable!("a PostgreSQL config") };
    let us = InstanceSpec {
        database: Database::Postgres { url: url.clone(), schema: postgres.schema.clone().unwrap() },
        ..InstanceSpec::us()
    };
    let deployment = Deployment::start(haven(), &[us, InstanceSpec::eu()]).await.unwrap();
    assert_topology_from_each(&deployment).await;
    drop(deployment);
    haven_store::testing::drop_postgres_schema(&config).await.unwrap();
}

#[tokio::test]
async fn unknown_methods_and_malformed_requests_get_status_codes() {
    let deployment = Deployment::start(haven(), &[InstanceSpec::us()]).await.unwrap();
    let url = deployment.instance("1").wildcat_url();

    let unknown = post(&url, anonymous_request("GetTeleportation", 1, "<info/>")).await;
    assert_eq!(parse_response(&unknown).unwrap().status, StatusCode::BAD_METHOD, "{unknown}");

    let wrong_version = post(&url, anonymous_request("GetServiceDefinition", 9, "<info/>")).await;
    assert_ne!(parse_response(&wrong_version).unwrap().status, StatusCode::OK, "{wrong_version}");

    let malformed =
        post(&url, "<wc-request:request xmlns:wc-request=\"urn:com.microsoft.wc.request\"><header>".to_owned()).await;
    let parsed = parse_response(&malformed).unwrap();
    assert_eq!(parsed.status, StatusCode::INVALID_XML);
    assert!(parsed.error_message.is_some_and(|message| !message.is_empty()));
}

/// SelectInstance (v1) from either real instance: US and its territories to the US, other
/// supported countries to the EU, Canada and France nowhere (no `selected-instance`), an
/// invalid code refused; the selected instance's Platform is the one GetServiceDefinition
/// lists.
#[tokio::test]
async fn select_instance_answers_the_same_from_either_instance() {
    let deployment = Deployment::start(haven(), &[InstanceSpec::us(), InstanceSpec::eu()]).await.unwrap();
    let expected = [
        ("US", Some("1")),
        ("PR", Some("1")),
        ("NL", Some("2")),
        ("DE", Some("2")),
        ("JP", Some("2")),
        ("CA", None),
        ("FR", None),
    ];
    for instance in &deployment.instances {
        for (country, selected) in expected {
            let info = format!("<info><preferred-location><country>{country}</country></preferred-location></info>");
            let text = post(&instance.wildcat_url(), anonymous_request("SelectInstance", 1, &info)).await;
            let response = parse_response(&text).unwrap();
            assert_eq!(response.status, StatusCode::OK, "{country} at {}: {text}", instance.id);
            let answer = SelectInstanceResponse::parse_info_xml(response.info.unwrap().inner_xml).unwrap();
            let chosen = answer.selected_instance;
            assert_eq!(chosen.as_ref().map(|chosen| chosen.id.as_str()), selected, "{country} at {}", instance.id);
            if let Some(chosen) = chosen {
                let running = deployment.instance(chosen.id.as_str());
                assert_eq!(chosen.platform_url, running.wildcat_url(), "{country}");
                assert_eq!(chosen.shell_url, running.shell_url, "{country}");
            }
        }
        let info = "<info><preferred-location><country>XZ</country></preferred-location></info>";
        let text = post(&instance.wildcat_url(), anonymous_request("SelectInstance", 1, info)).await;
        let response = parse_response(&text).unwrap();
        assert_eq!(response.status, StatusCode::INVALID_XML, "{text}");
        assert!(response.error_message.unwrap_or_default().contains("\"XZ\""), "{text}");
    }
}
