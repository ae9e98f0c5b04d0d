# -*- coding: utf-8 -*-
"""Shared plumbing for the drivers of the independent HealthVault clients (Python 2.7).

A driver runs one client library against a Haven Platform and prints one JSON object per
line on standard output, one per step of its flow. Everything the libraries print
themselves (pyhealthvault prints every request and response, python-healthvault prints
debug text) goes to standard error instead. A failed step raises: the driver then prints
the error, with the last request and response it saw, on standard error and exits non-zero.

The inputs come from arguments or, when an argument is absent, from environment variables:

    --platform-url  HAVEN_PLATFORM_URL   the Platform's method URL, .../platform/wildcat.ashx
    --app-id        HAVEN_APP_ID         the application id
    --thumbprint    HAVEN_APP_THUMBPRINT the SHA-1 thumbprint of its certificate
    --key-n         HAVEN_APP_KEY_N      the RSA modulus n, hexadecimal
    --key-d         HAVEN_APP_KEY_D      the RSA private exponent d, hexadecimal
    --wctoken       HAVEN_WCTOKEN        a user token issued to the application
    --person-id     HAVEN_PERSON_ID      the person the token is for (offline calls)
    --record-id     HAVEN_RECORD_ID      the person's record (offline calls)

Only loopback addresses are ever targets: a platform URL naming any other host is refused.
"""

import argparse
import httplib
import json
import os
import sys
import traceback
import urlparse

LOOPBACK_HOSTS = ('localhost', '::1')

ARGUMENTS = (
    ('platform-url', 'HAVEN_PLATFORM_URL'),
    ('app-id', 'HAVEN_APP_ID'),
    ('thumbprint', 'HAVEN_APP_THUMBPRINT'),
    ('key-n', 'HAVEN_APP_KEY_N'),
    ('key-d', 'HAVEN_APP_KEY_D'),
    ('wctoken', 'HAVEN_WCTOKEN'),
    ('person-id', 'HAVEN_PERSON_ID'),
    ('record-id', 'HAVEN_RECORD_ID'),
)


def read_inputs(description):
    """Parses the arguments, falling back on the environment; every input is required."""
    parser = argparse.ArgumentParser(description=description)
    for name, variable in ARGUMENTS:
        parser.add_argument('--' + name, default=os.environ.get(variable),
                            help='defaults to $%s' % variable)
    inputs = parser.parse_args()
    for name, variable in ARGUMENTS:
        if not getattr(inputs, name.replace('-', '_')):
            parser.error('--%s (or $%s) is required' % (name, variable))
    host, port = loopback_address(inputs.platform_url)
    inputs.platform_host = host
    inputs.platform_port = port
    inputs.platform_path = urlparse.urlparse(inputs.platform_url).path
    return inputs


def loopback_address(url):
    """The (host, port) of an http:// URL on a loopback address; anything else is refused."""
    parsed = urlparse.urlparse(url)
    if parsed.scheme != 'http':
        raise ValueError('the platform URL must be http:// on a loopback address: %r' % url)
    host = parsed.hostname or ''
    if not (host.startswith('127.') or host in LOOPBACK_HOSTS):
        raise ValueError('only loopback addresses may be targets, not %r' % host)
    return host, parsed.port or 80


class Output(object):
    """Standard output for the JSON lines; the libraries' own printing goes to standard error."""

    def __init__(self):
        self.stream = sys.stdout
        sys.stdout = sys.stderr

    def step(self, step_name, **result):
        """Prints one step's result as a JSON line, with the step's name under "step"."""
        result['step'] = step_name
        self.stream.write(json.dumps(result, sort_keys=True, default=str) + '\n')
        self.stream.flush()


class Exchanges(object):
    """The last request and response seen on the wire, for error reports."""
    last_request = None
    last_response = None


class RecordedResponse(object):
    """An HTTP response read whole, so its body can be kept for error reports."""

    def __init__(self, response):
        self.status = response.status
        self.reason = response.reason
        self.msg = response.msg
        self._body = response.read()
        Exchanges.last_response = self._body

    def getheader(self, name, default=None):
        return self.msg.getheader(name, default)

    def read(self, amount=None):
        body, self._body = self._body, ''
        return body


class LoopbackConnection(httplib.HTTPConnection):
    """Plain HTTP to the Platform on loopback, recording the last request and response."""

    def send(self, data):
        # The last send of a request is its body (the headers go first, from endheaders).
        Exchanges.last_request = data
        httplib.HTTPConnection.send(self, data)

    def getresponse(self, *arguments, **keywords):
        return RecordedResponse(httplib.HTTPConnection.getresponse(self, *arguments, **keywords))


def replace_https_with_loopback(host, port):
    """Replaces httplib.HTTPSConnection, in this process only, with plain HTTP to host:port.

    python-healthvault always opens httplib.HTTPSConnection(server, 443); this is the only
    change the drivers make to a client: its transport. No library file is modified.
    """
    loopback_address('http://%s:%d/' % (host, port))

    def connect(_server, _port=None, *_arguments, **_keywords):
        return LoopbackConnection(host, port)

    httplib.HTTPSConnection = connect


def run(main):
    """Runs a driver's main(output); on any error prints it with the last exchange and exits 1."""
    output = Output()
    try:
        main(output)
    except Exception:
        traceback.print_exc(file=sys.stderr)
        if Exchanges.last_request is not None:
            sys.stderr.write('last request:\n%s\n' % Exchanges.last_request)
        if Exchanges.last_response is not None:
            sys.stderr.write('last response:\n%s\n' % Exchanges.last_response)
        sys.exit(1)
