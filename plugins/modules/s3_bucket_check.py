#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockerlab.registry maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt): Ansible's
# licence for modules; the rest of the collection is Apache-2.0 (LICENSE).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: s3_bucket_check
short_description: List an S3 bucket with signed requests, and say which setting is wrong when that fails
description:
  - Sends one request to an S3-compatible object store (AWS S3, Ceph RGW, MinIO, SeaweedFS) from the managed host,
    C(GET <endpoint>/<bucket>?list-type=2&max-keys=1) (ListObjectsV2, path-style), signed with AWS Signature
    Version 4. It lists at most one key and never writes.
  - With O(list_prefix), it lists instead every key under that prefix with its size, a page of up to 1000 keys a
    request, each request signed and checked the same way, to measure what is stored there (such as the registry's
    blobs, C(<root>/docker/registry/v2/blobs/), before and after a garbage collection). It still never writes.
  - Meant to run before a registry is pointed at the store, so that a wrong endpoint, key, region, bucket or CA
    fails with a message that names the setting, instead of a registry that does not start.
  - Fails when the store does not answer, when its certificate is not trusted, when the bucket does not exist,
    when the store refuses the keys or the listing, and when the bucket is in another region. The message names
    the settings to check (O(names)) and quotes the store's own error C(Code) and C(Message).
  - Uses Python's standard library only (no C(boto3)). Honours the C(https_proxy), C(http_proxy) and C(no_proxy)
    variables of its environment.
version_added: 0.2.0
author:
  - dockerlab.registry maintainers (@dockerlab)
options:
  endpoint:
    description:
      - URL of the store, C(https://host[:port]) or C(http://host[:port]), with no path. Empty for AWS S3 itself,
        C(https://s3.<region>.amazonaws.com).
    type: str
    default: ""
  region:
    description: Region of the bucket, which the signature names. Stores other than AWS S3 mostly take any.
    type: str
    default: us-east-1
  bucket:
    description: The bucket to list.
    type: str
    required: true
  access_key:
    description:
      - Access key of the store. Give it and O(secret_key), or neither.
      - With neither, the request is not signed. The check then covers the endpoint and the TLS certificate (on AWS
        S3 also the region and whether the bucket exists), not the credentials the registry will use (such as an
        EC2 instance role's). A store that refuses anonymous listing answers 403 C(AccessDenied), which is reported
        as success with RV(credentials_checked=false) and a warning. AWS S3 answers a missing bucket with
        C(NoSuchBucket) even then; SeaweedFS refuses before it looks for the bucket, so a missing bucket passes
        unnoticed there.
    type: str
    default: ""
  secret_key:
    description: Secret key of the store. It is in no message and no result.
    type: str
    default: ""
  ca_path:
    description:
      - PEM file of the CA that signed the store's certificate, trusted besides the host's own CAs. Omit it for a
        store whose certificate a public CA signed.
    type: path
  validate_certs:
    description: Verify the store's certificate. V(false) for tests only.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for the store to connect and to answer.
    type: int
    default: 10
  list_prefix:
    description:
      - List every key that starts with this prefix (V("") for the whole bucket) and return each key's size in
        RV(objects), their number in RV(object_count) and their sum in RV(object_bytes).
      - Keys are matched as written, with no leading C(/) (the registry's C(rootdirectory) V(/registry) stores its
        blobs under C(registry/docker/registry/v2/blobs/)).
      - A later page's failure fails the module as the first request's does. With no keys, a store that refuses
        anonymous listing fails the module, since nothing could be listed.
      - Omitted, the module lists at most one key, and returns no RV(objects).
    type: str
  names:
    description:
      - The name to give each option in messages (such as V(registry_s3_endpoint) for C(endpoint)), so that a
        message names the setting the user wrote. Keys are this module's option names (C(endpoint), C(region),
        C(bucket), C(access_key), C(secret_key), C(ca_path), C(validate_certs), C(timeout), C(list_prefix)); an
        option not given keeps its own name.
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    description: It only reads, so it runs in check mode as it does otherwise.
  diff_mode:
    support: none
    description: Nothing changes.
  platform:
    support: full
    platforms: posix
    description: Any host with Python 3 that can reach the store.
notes:
  - The request is signed with the managed host's clock; a store refuses a clock more than 15 minutes off
    (C(RequestTimeTooSkewed)), which the message says.
  - Path-style requests, as the registry's S3 driver makes with C(regionendpoint). AWS S3 still answers them.
  - Temporary credentials (a session token) are not supported.
"""

EXAMPLES = r"""
- name: List the registry's bucket with the registry's keys
  dockerlab.registry.s3_bucket_check:
    endpoint: https://s3.example.com:8333
    bucket: registry
    access_key: "{{ registry_s3_access_key }}"
    secret_key: "{{ registry_s3_secret_key }}"
    ca_path: /docker/config/s3-ca/s3-ca.crt
    names:
      endpoint: registry_s3_endpoint
      bucket: registry_s3_bucket
      access_key: registry_s3_access_key
      secret_key: registry_s3_secret_key
      ca_path: registry_s3_ca
  no_log: true   # the task's arguments hold the secret key

- name: The same bucket on AWS S3
  dockerlab.registry.s3_bucket_check:
    region: eu-west-1
    bucket: example-registry
    access_key: "{{ aws_access_key }}"
    secret_key: "{{ aws_secret_key }}"

- name: Measure the registry's blobs (run again after the garbage collection to see what it freed)
  dockerlab.registry.s3_bucket_check:
    endpoint: https://s3.example.com:8333
    bucket: registry
    access_key: "{{ registry_s3_access_key }}"
    secret_key: "{{ registry_s3_secret_key }}"
    list_prefix: registry/docker/registry/v2/blobs/
  no_log: true
  register: registry_blobs

- name: Show what is stored
  ansible.builtin.debug:
    msg: "{{ registry_blobs.object_count }} blobs, {{ registry_blobs.object_bytes | human_readable }}"
"""

RETURN = r"""
bucket:
  description: The bucket.
  returned: success, and failures after the options were checked
  type: str
  sample: registry
endpoint:
  description: The store's URL the request went to, without the bucket (the AWS one when O(endpoint) is empty).
  returned: success, and failures after the options were checked
  type: str
  sample: https://s3.example.com:8333
status:
  description: HTTP status of the store's answer; 200 when the listing succeeded. Absent when the store did not
    answer.
  returned: when the store answered
  type: int
  sample: 200
code:
  description: The C(Code) of the store's XML error.
  returned: when the store answered with one
  type: str
  sample: NoSuchBucket
bucket_region:
  description: The bucket's region, when the store said it in refusing O(region) (C(x-amz-bucket-region), or the
    C(Region) of its error).
  returned: when the region was refused and the store said which one
  type: str
  sample: eu-west-1
credentials_checked:
  description: Whether the request was signed, so that the store checked the keys; false with no keys.
  returned: success
  type: bool
  sample: true
objects:
  description: Every key under O(list_prefix), with its size in bytes.
  returned: success, when O(list_prefix) is set
  type: dict
  sample: {"registry/docker/registry/v2/blobs/sha256/4f/4f2c.../data": 3094}
object_count:
  description: The number of keys in RV(objects).
  returned: success, when O(list_prefix) is set
  type: int
  sample: 1
object_bytes:
  description: The sum of the sizes in RV(objects), in bytes.
  returned: success, when O(list_prefix) is set
  type: int
  sample: 3094
"""

import datetime
import hashlib
import hmac
import http.client
import re
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

from ansible_collections.dockerlab.registry.plugins.module_utils.redact import redact

OPTIONS = ('endpoint', 'region', 'bucket', 'access_key', 'secret_key', 'ca_path', 'validate_certs', 'timeout',
           'list_prefix')
EMPTY_SHA256 = hashlib.sha256(b'').hexdigest()
ALGORITHM = 'AWS4-HMAC-SHA256'
BODY_LIMIT = 65536
LIST_LIMIT = 16 * 1048576   # a page of 1000 keys, each up to 1024 bytes
# OpenSSL's X509_V_ERR_* codes that say something other than "signed by a CA you do not trust".
X509_EXPIRED = (9, 10)          # not yet valid, expired
X509_NAME_MISMATCH = (62, 64)   # hostname, IP address


# --- AWS Signature Version 4 (header-based, as S3 takes it) ------------------------------------------------------

def uri_encode(text, safe=''):
    """RFC 3986 encoding as SigV4 wants it: every byte but A-Z a-z 0-9 - _ . ~ (and safe) as %XX."""
    return urllib.parse.quote(to_bytes(text), safe=safe)


def canonical_query(query):
    """query: list of (name, value) pairs, value '' for a bare name."""
    pairs = sorted((uri_encode(name), uri_encode(value)) for name, value in query)
    return '&'.join('%s=%s' % pair for pair in pairs)


def canonical_request(method, path, query, headers, payload_hash):
    """The canonical request and the signed headers' list. S3 encodes the path once, keeping its slashes."""
    lowered = {}
    for name, value in headers.items():
        lowered[name.lower().strip()] = re.sub(r'\s+', ' ', to_text(value).strip())
    names = sorted(lowered)
    signed_headers = ';'.join(names)
    text = '\n'.join([
        method,
        uri_encode(path, safe='/'),
        canonical_query(query),
        ''.join('%s:%s\n' % (name, lowered[name]) for name in names),
        signed_headers,
        payload_hash,
    ])
    return text, signed_headers


def credential_scope(amz_date, region, service='s3'):
    return '%s/%s/%s/aws4_request' % (amz_date[:8], region, service)


def string_to_sign(amz_date, scope, request_text):
    return '\n'.join([ALGORITHM, amz_date, scope, hashlib.sha256(to_bytes(request_text)).hexdigest()])


def signing_key(secret_key, amz_date, region, service='s3'):
    key = to_bytes('AWS4' + secret_key)
    for part in (amz_date[:8], region, service, 'aws4_request'):
        key = hmac.new(key, to_bytes(part), hashlib.sha256).digest()
    return key


def authorization(method, path, query, headers, payload_hash, access_key, secret_key, region, amz_date,
                  service='s3'):
    """The Authorization header's value. headers must hold every header to sign (host, x-amz-date, ...)."""
    request_text, signed_headers = canonical_request(method, path, query, headers, payload_hash)
    scope = credential_scope(amz_date, region, service)
    signature = hmac.new(signing_key(secret_key, amz_date, region, service),
                         to_bytes(string_to_sign(amz_date, scope, request_text)), hashlib.sha256).hexdigest()
    return '%s Credential=%s/%s,SignedHeaders=%s,Signature=%s' % (
        ALGORITHM, access_key, scope, signed_headers, signature)


# --- The request ---------------------------------------------------------------------------------------------------

class Failure(Exception):
    """A check that failed: msg, and the result's other keys."""

    def __init__(self, msg, **result):
        super(Failure, self).__init__(msg)
        self.msg = msg
        self.result = result


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """S3 answers a wrong region with 301 PermanentRedirect: that is an answer to report, not to follow."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def parse_endpoint(params, name):
    """(base URL, scheme, host name, Host header value, how messages show the endpoint)."""
    endpoint = (params['endpoint'] or '').strip()
    if not endpoint:
        base = 'https://s3.%s.amazonaws.com' % params['region']
        shown = '%s (empty, so AWS S3 in %s: %s)' % (name('endpoint'), name('region'), base)
    else:
        base = endpoint.rstrip('/')
        shown = '%s (%s)' % (name('endpoint'), base)
    parts = urllib.parse.urlsplit(base)
    problem, port = None, None
    if parts.scheme.lower() not in ('http', 'https') or not parts.hostname:
        problem = 'is not a URL http(s)://host[:port]'
    elif parts.path or parts.query or parts.fragment:
        problem = 'has a path, query or fragment; give only http(s)://host[:port]'
    elif not re.match(r'^[A-Za-z0-9._:-]+$', parts.hostname):
        problem = 'has a host name with characters no host name has'
    elif parts.username is not None or parts.password is not None:
        problem = 'holds a user or password; give only http(s)://host[:port]'
    else:
        try:
            port = parts.port
        except ValueError:
            problem = 'has a port that is no number from 1 to 65535'
    if problem:
        raise Failure('%s %s.' % (shown, problem))
    scheme = parts.scheme.lower()
    host = parts.hostname
    if ':' in host:
        host = '[%s]' % host
    if port and port != {'http': 80, 'https': 443}[scheme]:
        host = '%s:%d' % (host, port)
    return '%s://%s' % (scheme, host), scheme, parts.hostname, host, shown


def ssl_context(params, name, result):
    context = ssl.create_default_context()
    if not params['validate_certs']:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if params['ca_path']:
        try:
            context.load_verify_locations(cafile=params['ca_path'])
        except (OSError, ssl.SSLError) as error:
            raise Failure('%s (%s) cannot be read as a PEM CA certificate: %s.'
                          % (name('ca_path'), params['ca_path'], to_native(error)), **result)
    return context


def error_fields(body):
    """The store's XML error: {'Code': ..., 'Message': ..., 'Region': ..., ...} (empty when there is none)."""
    text = to_text(body, errors='surrogate_or_replace')
    fields = {}
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, ValueError):
        root = None
    if root is not None and root.tag.rsplit('}', 1)[-1] == 'Error':
        for child in root:
            if len(child) == 0 and child.text and child.text.strip():
                fields[child.tag.rsplit('}', 1)[-1]] = child.text.strip()
    else:
        for tag in ('Code', 'Message', 'Region'):   # not well-formed, or not an <Error>: take what is there
            match = re.search(r'<%s>([^<]*)</%s>' % (tag, tag), text)
            if match and match.group(1).strip():
                fields[tag] = match.group(1).strip()
    return fields


def listing_page(body, objects):
    """Adds a ListObjectsV2 page's {key: size} to objects (any namespace or none); its NextContinuationToken when
    IsTruncated, else None. ValueError (or ParseError) when it is no such page."""
    def local(element):
        return element.tag.rsplit('}', 1)[-1]

    root = ElementTree.fromstring(body)
    if local(root) != 'ListBucketResult':
        raise ValueError('its root is <%s>, not <ListBucketResult>' % local(root))
    fields = {}
    for child in root:
        if local(child) == 'Contents':
            entry = dict((local(item), item.text or '') for item in child)
            if 'Key' not in entry or 'Size' not in entry:
                raise ValueError('a <Contents> has no <Key> or no <Size>')
            objects[entry['Key']] = int(entry['Size'])
        else:
            fields[local(child)] = (child.text or '').strip()
    if fields.get('IsTruncated', '').lower() != 'true':
        return None
    if not fields.get('NextContinuationToken'):
        raise ValueError('IsTruncated is true, with no NextContinuationToken')
    return fields['NextContinuationToken']


def proxy_for(url):
    parts = urllib.parse.urlsplit(url)
    proxies = urllib.request.getproxies()
    if parts.scheme in proxies and not urllib.request.proxy_bypass(parts.hostname or ''):
        return proxies[parts.scheme]
    return None


def describe_reason(reason):
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return 'timed out'
    if isinstance(reason, socket.gaierror):
        return 'the name does not resolve (%s)' % to_native(reason)
    if isinstance(reason, ConnectionRefusedError):
        return 'connection refused'
    return to_native(reason)


def tls_failure(error, params, name, shown, hostname, result):
    """A Failure for an ssl error while connecting."""
    if isinstance(error, ssl.SSLCertVerificationError):
        detail = (error.verify_message or to_native(error)).rstrip('.')
        if error.verify_code in X509_NAME_MISMATCH:
            return Failure('%s has a TLS certificate that is not for %s (%s): give the name the certificate holds '
                           'in %s, or have the store\'s certificate name it.'
                           % (shown, hostname, detail, name('endpoint')), **result)
        if error.verify_code in X509_EXPIRED:
            return Failure('%s has a TLS certificate that is out of its validity (%s); renew it, or check this '
                           'host\'s clock.' % (shown, detail), **result)
        if params['ca_path']:
            return Failure('%s has a TLS certificate that is not trusted (%s), even with %s (%s): that is not the '
                           'CA that signed the store\'s certificate.'
                           % (shown, detail, name('ca_path'), params['ca_path']), **result)
        return Failure('%s has a TLS certificate that is not trusted (%s): set %s to the PEM of the CA that signed '
                       'it.' % (shown, detail, name('ca_path')), **result)
    return Failure('%s does not answer TLS: %s. If the store serves plain HTTP, write %s with http://.'
                   % (shown, to_native(error), name('endpoint')), **result)


def said(fields):
    code, message = fields.get('Code'), fields.get('Message')
    if code and message:
        return ' (the store says %s: %s)' % (code, message)
    if code or message:
        return ' (the store says %s)' % (code or message)
    return ''


def http_failure(status, reason, headers, body, params, name, shown):
    """A Failure for an answer other than 200."""
    fields = error_fields(body)
    code = fields.get('Code', '')
    store = said(fields)
    bucket = '%s "%s"' % (name('bucket'), params['bucket'])
    region_seen = (headers.get('x-amz-bucket-region') if headers is not None else None) or fields.get('Region')
    keys = '%s and %s' % (name('access_key'), name('secret_key'))
    result = dict(status=status)
    if code:
        result['code'] = code

    if code == 'NoSuchBucket' or (status == 404 and not code and 'NoSuchBucket' in to_text(body, errors='replace')):
        msg = '%s does not exist at %s; create it, the registry does not%s.' % (bucket, shown, store)
    elif code == 'InvalidAccessKeyId':
        msg = ('%s is not a key the store at %s knows%s. Check %s (and that the store is the one meant).'
               % (name('access_key'), shown, store, keys))
    elif code == 'SignatureDoesNotMatch':
        msg = ('%s is not the secret of %s: the store at %s knows the access key, but the signature made with the '
               'secret key does not match%s. Check %s.'
               % (name('secret_key'), name('access_key'), shown, store, name('secret_key')))
    elif code == 'AccessDenied':
        msg = ('%s is refused the listing of %s at %s%s. Give that key the right to list, read, write and delete in '
               'the bucket (the registry needs all four), or check that %s and %s are the ones meant.'
               % (name('access_key'), bucket, shown, store, name('access_key'), name('bucket')))
    elif code == 'RequestTimeTooSkewed':
        msg = ('the store at %s refuses the request\'s time, %s UTC: this host\'s clock is off%s. Set it (NTP).'
               % (shown, datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S'), store))
    elif (status in (301, 307) or code in ('PermanentRedirect', 'AuthorizationHeaderMalformed', 'InvalidRegion',
                                           'IllegalLocationConstraintException')):
        where = ' (the bucket is in %s)' % region_seen if region_seen else ''
        msg = ('%s "%s" is not the region of %s at %s%s; the store answered %d %s%s.'
               % (name('region'), params['region'], bucket, shown, where, status, reason, store))
        if region_seen:
            result['bucket_region'] = region_seen
    elif code == 'InvalidBucketName':
        msg = '%s is not a valid bucket name for the store at %s%s.' % (bucket, shown, store)
    elif status == 400 and b'HTTPS server' in (body or b''):
        msg = ('%s serves HTTPS, not plain HTTP: write %s with https://; the store answered %d %s (%s).'
               % (shown, name('endpoint'), status, reason, to_native(body.strip()[:200], errors='replace')))
    elif code:
        msg = '%s answered %d %s to the listing of %s%s.' % (shown, status, reason, bucket, store)
    else:
        start = re.sub(r'\s+', ' ', to_text(body[:200] if body else b'', errors='replace')).strip()
        msg = ('%s answered %d %s to the listing of %s, with no S3 error in it (is it an S3 store?)%s.'
               % (shown, status, reason, bucket, (': "%s"' % start) if start else ''))
    return Failure(msg, **result)


def check(params, names=None, now=None):
    """List the bucket once; the result's keys on success, Failure otherwise."""
    names = names or {}

    def name(option):
        return names.get(option) or option

    unknown = sorted(set(names) - set(OPTIONS))
    if unknown:
        raise Failure('names has keys that are no option of this module: %s (options: %s).'
                      % (', '.join(unknown), ', '.join(OPTIONS)))
    if not params['bucket']:
        raise Failure('%s is empty: give the bucket to check.' % name('bucket'))
    if not params['region']:
        raise Failure('%s is empty: give the bucket\'s region (us-east-1 where the store does not care).'
                      % name('region'))
    if bool(params['access_key']) != bool(params['secret_key']):
        raise Failure('%s and %s go together: give both, or neither.' % (name('access_key'), name('secret_key')))
    if params['timeout'] <= 0:
        raise Failure('%s must be a number of seconds above 0 (got %s).' % (name('timeout'), params['timeout']))

    base, scheme, hostname, host, shown = parse_endpoint(params, name)
    endpoint_result = dict(bucket=params['bucket'], endpoint=base)
    path = '/' + params['bucket']
    signed = bool(params['access_key'])
    prefix = params.get('list_prefix')
    handlers = [NoRedirect()]
    if scheme == 'https':
        handlers.append(urllib.request.HTTPSHandler(context=ssl_context(params, name, endpoint_result)))
    opener = urllib.request.build_opener(*handlers)
    proxy = proxy_for(base)
    if proxy:
        shown = '%s, through the proxy %s,' % (shown, re.sub(r'//[^@/]*@', '//', proxy))

    def get(query):
        """One GET of the bucket: (status, body) of a listing; (403, None) when anonymous listing is refused."""
        url = '%s%s?%s' % (base, uri_encode(path, safe='/'), canonical_query(query))
        amz_date = (now or datetime.datetime.now(datetime.timezone.utc)).strftime('%Y%m%dT%H%M%SZ')
        headers = {'Host': host}
        if signed:
            headers.update({'x-amz-date': amz_date, 'x-amz-content-sha256': EMPTY_SHA256})
            headers['Authorization'] = authorization('GET', path, query, headers, EMPTY_SHA256, params['access_key'],
                                                     params['secret_key'], params['region'], amz_date)
        request = urllib.request.Request(url, headers=headers, method='GET')
        try:
            response = opener.open(request, timeout=params['timeout'])
            with response:
                status = response.status
                body = response.read(BODY_LIMIT if prefix is None else LIST_LIMIT)
        except urllib.error.HTTPError as error:
            try:
                body = error.read(BODY_LIMIT)
            except Exception:   # a body cut short says no more than the status
                body = b''
            if not signed and error.code == 403 and error_fields(body).get('Code') == 'AccessDenied':
                return error.code, None   # the endpoint and the bucket are there, the keys were not asked for
            failure = http_failure(error.code, error.reason, error.headers, body, params, name, shown)
            failure.result.update(endpoint_result)
            raise failure
        except urllib.error.URLError as error:
            if isinstance(error.reason, ssl.SSLError):
                raise tls_failure(error.reason, params, name, shown, hostname, endpoint_result)
            raise Failure('%s does not answer: %s.' % (shown, describe_reason(error.reason)), **endpoint_result)
        except ssl.SSLError as error:
            raise tls_failure(error, params, name, shown, hostname, endpoint_result)
        except OSError as error:   # a timeout or reset after the connection was made
            raise Failure('%s does not answer: %s.' % (shown, describe_reason(error)), **endpoint_result)
        except http.client.HTTPException as error:   # what came back is no HTTP
            raise Failure('%s does not answer as an HTTP server: %s: %s.'
                          % (shown, type(error).__name__, to_native(error)), **endpoint_result)
        if b'ListBucketResult' not in body:
            start = re.sub(r'\s+', ' ', to_text(body[:200], errors='replace')).strip()
            raise Failure('%s answered %d to the listing of %s "%s", but not with a listing (is it an S3 store?): '
                          '"%s".' % (shown, status, name('bucket'), params['bucket'], start),
                          status=status, **endpoint_result)
        return status, body

    if prefix is None:
        status, body = get([('list-type', '2'), ('max-keys', '1')])
        if body is None:
            return dict(endpoint_result, status=status, code='AccessDenied', credentials_checked=False)
        return dict(endpoint_result, status=status, credentials_checked=signed)

    objects, token, tokens = {}, None, set()
    while True:
        query = [('list-type', '2'), ('prefix', prefix), ('max-keys', '1000')]
        status, body = get(query + ([('continuation-token', token)] if token is not None else []))
        if body is None:
            raise Failure('%s and %s are empty, so the requests were not signed, and the store at %s refuses '
                          'anonymous listing (%d AccessDenied): give them to list %s "%s".'
                          % (name('access_key'), name('secret_key'), shown, status, name('list_prefix'), prefix),
                          status=status, code='AccessDenied', **endpoint_result)
        try:
            token = listing_page(body, objects)
            if token in tokens:
                raise ValueError('the same NextContinuationToken came twice')
        except (ValueError, ElementTree.ParseError) as error:
            raise Failure('%s answered %d to the listing of %s "%s" under %s "%s", but the listing cannot be read: '
                          '%s.' % (shown, status, name('bucket'), params['bucket'], name('list_prefix'), prefix,
                                   to_native(error)), status=status, **endpoint_result)
        if token is None:
            return dict(endpoint_result, status=status, credentials_checked=signed, objects=objects,
                        object_count=len(objects), object_bytes=sum(objects.values()))
        tokens.add(token)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            endpoint=dict(type='str', default=''),
            region=dict(type='str', default='us-east-1'),
            bucket=dict(type='str', required=True),
            access_key=dict(type='str', default='', no_log=False),
            secret_key=dict(type='str', default='', no_log=True),
            ca_path=dict(type='path'),
            validate_certs=dict(type='bool', default=True),
            timeout=dict(type='int', default=10),
            names=dict(type='dict', default={}),
            list_prefix=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    secret = module.params['secret_key']
    names = dict((key, to_text(value)) for key, value in (module.params['names'] or {}).items() if value)
    try:
        result = check(module.params, names)
    except Failure as failure:
        module.fail_json(msg=redact(failure.msg, secret), changed=False, **redact(failure.result, secret))
    if not result['credentials_checked'] and result['status'] != 200:
        module.warn('%s and %s are empty, so the request was not signed, and the store refused it (%d %s) as it '
                    'refuses anonymous listing. The endpoint answered; the credentials the registry will use were '
                    'not checked, and neither was the bucket on stores that refuse before they look for it (AWS S3 '
                    'says NoSuchBucket to anyone; SeaweedFS does not).'
                    % (names.get('access_key', 'access_key'), names.get('secret_key', 'secret_key'),
                       result['status'], result.get('code', '')))
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
