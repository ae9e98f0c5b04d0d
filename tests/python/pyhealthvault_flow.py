# -*- coding: utf-8 -*-
"""Drives pyhealthvault 1.0 (rajeevs1992) against a Haven Platform (Python 2.7).

Flow: CreateAuthenticatedSessionToken v2 (credential appserver2, a secret the server issues)
-> GetPersonInfo v1 and GetThings v3 online (with the wctoken) -> GetPersonInfo v1 and
GetThings v3 offline (offline-person-id) -> GetServiceDefinition v2 (sent within the session,
as this library does) -> PutThings v2 (a Height, online) -> GetThings v3 (the Height)
-> RemoveThings v1 (the Height) -> GetThings v3 (gone) -> GetAuthorizedPeople v1
-> GetApplicationInfo v2 -> QueryPermissions v1. One JSON line per step on standard output;
see haven_driver for the inputs. Run with PYTHONPATH naming the installed library and its
dependencies (target/python-clients/pyhealthvault and .../common).

The library takes the Platform URL as is (http or https, any port), so its transport is
left alone. It prints every request and response; the driver sends that to standard error.
"""

import haven_driver

from healthvaultlib.helpers.connection import Connection
from healthvaultlib.methods.getpersoninfo import GetPersonInfo
from healthvaultlib.methods.getservicedefinition import GetServiceDefinition

HEIGHT = '40750a6a-89b2-455c-bd8d-b420a4cb500b'
WEIGHT = '3d34d87e-7fc1-4153-800f-f56592cb0d17'

# The sections the library's own test asks for.
SERVICE_DEFINITION_SECTIONS = ['platform', 'shell', 'topology', 'xml-over-http-methods', 'meaningful-use']


def connect(inputs, output):
    """CreateAuthenticatedSessionToken v2, signed with the application's key."""
    connection = Connection(inputs.app_id, inputs.platform_url)
    connection.thumbprint = inputs.thumbprint
    connection.publickey = inputs.key_n
    connection.privatekey = inputs.key_d
    connection.connect()
    output.step('CreateAuthenticatedSessionToken', version=2, has_auth_token=bool(connection.auth_token),
                has_shared_secret=bool(connection.shared_secret))
    return connection


def get_person_info(connection, avenue, output):
    """GetPersonInfo v1, online (user token set) or offline (no user token, a person id)."""
    method = GetPersonInfo()
    method.execute(connection)
    person_info = method.response.personinfo
    output.step(
        'GetPersonInfo',
        avenue=avenue,
        person_id=person_info.personid,
        name=person_info.name,
        selected_record_id=person_info.selected_record_id,
        record_ids=[record.id for record in person_info.records],
    )
    return person_info


def go_online(connection, inputs):
    connection.user_auth_token = inputs.wctoken


def go_offline(connection, person_id, record_id):
    """Offline calls: no user token; the header names the person (and record) instead."""
    connection.user_auth_token = None
    connection.set_person_and_record(person_id, record_id)


def get_service_definition(connection, output):
    """GetServiceDefinition v2 with the sections the library's own test asks for.

    The library's ServiceDefinition reads each <instances> element as one instance (its
    fields then come out empty), so the instances are read from the response's info.
    """
    method = GetServiceDefinition(SERVICE_DEFINITION_SECTIONS)
    method.execute(connection)
    definition = method.response.service_definition
    info = method.response.info
    instances = info.xpath('instances')
    output.step(
        'GetServiceDefinition',
        version=2,
        platform_url=definition.platform.url if definition.platform is not None else None,
        shell_url=definition.shell.url if definition.shell is not None else None,
        methods=sorted(set(method.name for method in definition.xml_method)),
        current_instance_id=instances[0].get('current-instance-id') if instances else None,
        instances=[
            {
                'id': instance.findtext('id'),
                'name': instance.findtext('name'),
                'platform_url': instance.findtext('platform-url'),
                'shell_url': instance.findtext('shell-url'),
            }
            for instance in info.xpath('instances/instance')
        ],
    )
    return definition


def get_things(connection, type_ids, avenue, output, stage='before'):
    """GetThings v3 (core and xml sections), online or offline; `stage` names the step's
    place in the flow (before the PutThings, after it, after the RemoveThings)."""
    from healthvaultlib.methods.getthings import GetThings
    from healthvaultlib.objects.thingfilter import ThingFilter
    from healthvaultlib.objects.thingformat import ThingFormat
    from healthvaultlib.objects.thinggroup import ThingGroup
    thing_filter = ThingFilter()
    thing_filter.typeids.extend(type_ids)
    thing_format = ThingFormat()
    thing_format.sections.extend(['core', 'xml'])
    group = ThingGroup([thing_filter])
    group._format = thing_format
    method = GetThings([group])
    method.execute(connection)
    items = [item for group in method.response.groups for item in group.healthrecorditems]
    output.step('GetThings', version=3, avenue=avenue, stage=stage,
                things=[{'thing_id': item.key.thing_id, 'version_stamp': item.key.version_stamp,
                         'type_id': item.type_id} for item in items])
    return items


def put_height(connection, metres, output):
    """PutThings v2 with one new Height (the library's Height is complete; its Weight is a
    stub that writes an empty <weight/>)."""
    from healthvaultlib.itemtypes.height import Height
    from healthvaultlib.methods.putthings import PutThings
    height = Height()
    height.value_m = metres
    height.display_value = metres * 100
    height.display_units = 'cm'
    method = PutThings([height])
    method.execute(connection)
    output.step('PutThings', version=2, thing_id=height.key.thing_id, version_stamp=height.key.version_stamp)
    return height


def remove_things(connection, items, output):
    """RemoveThings v1 of things returned by GetThings or PutThings."""
    from healthvaultlib.methods.removethings import RemoveThings
    method = RemoveThings([item.key for item in items])
    method.execute(connection)
    output.step('RemoveThings', thing_ids=[item.key.thing_id for item in items])


def get_authorized_people(connection, output):
    """GetAuthorizedPeople v1: the people who authorized the application."""
    from healthvaultlib.methods.getauthorizedpeople import GetAuthorizedPeople
    from healthvaultlib.objects.getauthorizedpeopleparameters import GetAuthorizedPeopleParameters
    method = GetAuthorizedPeople(GetAuthorizedPeopleParameters())
    method.execute(connection)
    output.step('GetAuthorizedPeople', people=[
        {'person_id': person.personid, 'record_ids': [record.id for record in person.records]}
        for person in method.response.authorized_people])
    return method.response.authorized_people


def query_permissions(connection, type_ids, output):
    """QueryPermissions v1 for the given thing types. The library's Permission parser knows
    Read, Update, Create and Delete, not All."""
    from healthvaultlib.methods.querypermissions import QueryPermissions
    method = QueryPermissions(type_ids)
    method.execute(connection)

    def bits(permission):
        return permission.permission if permission is not None else None

    output.step('QueryPermissions', permissions=[
        {'type_id': permission.thing_type_id,
         'online': bits(permission.online_access_permissions),
         'offline': bits(permission.offline_access_permissions)}
        for permission in method.response.permissions])
    return method.response.permissions


def get_application_info(connection, output):
    """GetApplicationInfo v2: the calling application's configuration (its rules' permissions
    are read by the same parser as QueryPermissions')."""
    from healthvaultlib.methods.getapplicationinfo import GetApplicationInfo
    method = GetApplicationInfo()
    method.execute(connection)
    application = method.response.application_info

    def rules(auth_rules):
        return [{'name': rule.name, 'permissions': rule.permissions.permission, 'type_ids': rule.typeids}
                for rule in auth_rules]

    output.step('GetApplicationInfo', version=2, id=application.id, name=application.name.get(''),
                action_url=application.action_url,
                online_rules=rules(application.online_base_auth_rules),
                offline_rules=rules(application.offline_base_auth_rules))
    return application


def main(output):
    inputs = haven_driver.read_inputs(__doc__.splitlines()[0])
    connection = connect(inputs, output)
    go_online(connection, inputs)
    get_person_info(connection, 'online', output)
    get_things(connection, [WEIGHT, HEIGHT], 'online', output)
    go_offline(connection, inputs.person_id, inputs.record_id)
    get_person_info(connection, 'offline', output)
    get_things(connection, [WEIGHT, HEIGHT], 'offline', output)
    get_service_definition(connection, output)
    # Writing takes the person's online grant; the offline one only reads.
    go_online(connection, inputs)
    height = put_height(connection, 1.82, output)
    get_things(connection, [HEIGHT], 'online', output, stage='after-put')
    remove_things(connection, [height], output)
    get_things(connection, [HEIGHT], 'online', output, stage='after-remove')
    get_authorized_people(connection, output)
    get_application_info(connection, output)
    query_permissions(connection, [WEIGHT, HEIGHT], output)


if __name__ == '__main__':
    haven_driver.run(main)
