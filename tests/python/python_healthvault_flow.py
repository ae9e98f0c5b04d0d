# -*- coding: utf-8 -*-
"""Drives python-healthvault 0.1.5 (orcasgit, Caktus) against a Haven Platform (Python 2.7).

Flow: CreateAuthenticatedSessionToken v1 (credential appserver, a secret the client chooses)
-> GetPersonInfo v1 online (with the wctoken) -> GetThings v1 (Weight, eff-date-min/max)
-> AssociateAlternateId -> GetAlternateIds -> DisassociateAlternateId (then GetAlternateIds
again). One JSON line per step on standard output; see haven_driver for the inputs. Run with
PYTHONPATH naming the installed library and its dependencies
(target/python-clients/python-healthvault and .../common).

The library always connects with httplib.HTTPSConnection(server, 443); the driver replaces
that class, in this process only, with plain HTTP to the Platform's loopback address.
"""

import datetime
import xml.etree.ElementTree as ET

import haven_driver
from haven_driver import Exchanges

from healthvaultlib.healthvault import HealthVaultConn

PERSON_INFO = '{urn:com.microsoft.wc.methods.response.GetPersonInfo}info/person-info'

# Any name will do: the replaced transport connects to the Platform's loopback address.
SERVER_NAME = 'platform.haven.test'


def connect(inputs, output):
    """CreateAuthenticatedSessionToken v1: the library's constructor starts the session."""
    connection = HealthVaultConn(
        app_id=inputs.app_id,
        app_thumbprint=inputs.thumbprint,
        public_key=long(inputs.key_n, 16),
        private_key=long(inputs.key_d, 16),
        server=SERVER_NAME,
        shell_server='shell.haven.test',
    )
    output.step('CreateAuthenticatedSessionToken', version=1, has_auth_token=bool(connection.auth_token))
    return connection


def get_person_info(connection, inputs, output):
    """GetPersonInfo v1, online: connect(wctoken) asks for the selected record.

    The library keeps only the selected record id; the person id and the record list are
    read from the response it received.
    """
    connection.connect(inputs.wctoken)
    person_info = ET.fromstring(Exchanges.last_response).find(PERSON_INFO)
    output.step(
        'GetPersonInfo',
        avenue='online',
        library_record_id=connection.record_id,
        person_id=person_info.findtext('person-id'),
        name=person_info.findtext('name'),
        selected_record_id=person_info.findtext('selected-record-id'),
        record_ids=[record.get('id') for record in person_info.findall('record')],
    )


# The alternate id the flow associates with the person's record, then removes.
ALTERNATE_ID = 'python-healthvault-e2e-0001'

# How far back and ahead of now the weights are asked for.
WEIGHTS_FROM_DAYS_AGO = 30
WEIGHTS_TO_DAYS_AHEAD = 1


def get_weights(connection, output):
    """GetThings v1, Weight, with eff-date-min and eff-date-max around now.

    Note: the library writes eff-date filters with strftime("%Y-%m-%dT%H:%m:%S"), so the
    minutes hold the month; the range is wide enough for that not to matter.
    """
    now = datetime.datetime.now()
    weights = connection.get_weight_measurements(
        min_date=now - datetime.timedelta(days=WEIGHTS_FROM_DAYS_AGO),
        max_date=now + datetime.timedelta(days=WEIGHTS_TO_DAYS_AHEAD))
    output.step('GetThings', version=1, type='Weight', weights=weights,
                from_days_ago=WEIGHTS_FROM_DAYS_AGO, to_days_ahead=WEIGHTS_TO_DAYS_AHEAD)
    return weights


def associate_alternate_id(connection, alternate_id, output):
    """AssociateAlternateId v1."""
    connection.associate_alternate_id(alternate_id)
    output.step('AssociateAlternateId', alternate_id=alternate_id)


def get_alternate_ids(connection, output):
    """GetAlternateIds v1."""
    alternate_ids = connection.get_alternate_ids()
    output.step('GetAlternateIds', alternate_ids=alternate_ids)
    return alternate_ids


def disassociate_alternate_id(connection, alternate_id, output):
    """DisassociateAlternateId v1, then GetAlternateIds v1 for what remains."""
    connection.disassociate_alternate_id(alternate_id)
    output.step('DisassociateAlternateId', alternate_id=alternate_id, remaining=connection.get_alternate_ids())


def main(output):
    inputs = haven_driver.read_inputs(__doc__.splitlines()[0])
    haven_driver.replace_https_with_loopback(inputs.platform_host, inputs.platform_port)
    if inputs.platform_path != '/platform/wildcat.ashx':
        raise ValueError('python-healthvault always posts to /platform/wildcat.ashx, not %r' % inputs.platform_path)
    connection = connect(inputs, output)
    get_person_info(connection, inputs, output)
    get_weights(connection, output)
    associate_alternate_id(connection, ALTERNATE_ID, output)
    get_alternate_ids(connection, output)
    disassociate_alternate_id(connection, ALTERNATE_ID, output)


if __name__ == '__main__':
    haven_driver.run(main)
