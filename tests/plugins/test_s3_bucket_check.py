#!/usr/bin/env python3
"""Tests of the module s3_bucket_check, with no S3 store and no network but loopback.

1. Its Signature Version 4 code against the examples AWS publishes for S3 ("Signature
   Calculations for the Authorization Header: Transferring Payload in a Single Chunk",
   sig-v4-header-based-auth): GET Object, PUT Object, GET Bucket Lifecycle and GET Bucket
   (List Objects), each canonical request, string to sign and signature.
2. Its messages, against a fake store on 127.0.0.1 that checks the signature and answers
   as S3 does: each names the setting (through `names`), quotes the store's Code and
   Message, and never holds the secret key.
3. list_prefix: the fake store pages its listing (PAGE keys a page, continuation tokens
   with characters to encode), so that the module follows the tokens and signs each page.

Run: python tests/plugins/test_s3_bucket_check.py (with ansible-core importable, as in the
project's .venv, and the .collections link that `make setup` makes). Prints one line per check and
closes with "N passed, N failed".
"""

import base64
import datetime
import hashlib
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer
from xml.sax.saxutils import escape

from checks import contains, equal, finish, free_port, load_module, silent_port, test

os.environ['no_proxy'] = '*'   # the fake store is on loopback: no proxy of the environment in between

s3, MODULE = load_module('s3_bucket_check')

# --- AWS's published example ----------------------------------------------------------------------------------------
AWS_ACCESS = 'AKIAIOSFODNN7EXAMPLE'
AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
AWS_DATE = '20130524T000000Z'
AWS_HOST = 'examplebucket.s3.amazonaws.com'
EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

AWS_EXAMPLES = [
    dict(name='GET Object',
         method='GET', path='/test.txt', query=[],
         headers={'Host': AWS_HOST, 'Range': 'bytes=0-9', 'x-amz-content-sha256': EMPTY, 'x-amz-date': AWS_DATE},
         payload=EMPTY,
         canonical='GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n'
                   'x-amz-content-sha256:%s\nx-amz-date:20130524T000000Z\n\n'
                   'host;range;x-amz-content-sha256;x-amz-date\n%s' % (EMPTY, EMPTY),
         canonical_hash='7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972',
         signed_headers='host;range;x-amz-content-sha256;x-amz-date',
         signature='f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'),
    dict(name='PUT Object',
         method='PUT', path='/test$file.text', query=[],
         headers={'Date': 'Fri, 24 May 2013 00:00:00 GMT', 'Host': AWS_HOST,
                  'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
                  'x-amz-date': AWS_DATE, 'x-amz-storage-class': 'REDUCED_REDUNDANCY'},
         payload=hashlib.sha256(b'Welcome to Amazon S3.').hexdigest(),
         canonical=None,
         canonical_hash='9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d',
         signed_headers='date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class',
         signature='98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd'),
    dict(name='GET Bucket Lifecycle',
         method='GET', path='/', query=[('lifecycle', '')],
         headers={'Host': AWS_HOST, 'x-amz-content-sha256': EMPTY, 'x-amz-date': AWS_DATE},
         payload=EMPTY,
         canonical=None,
         canonical_hash='9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca',
         signed_headers='host;x-amz-content-sha256;x-amz-date',
         signature='fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543'),
    dict(name='GET Bucket (List Objects)',
         method='GET', path='/', query=[('prefix', 'J'), ('max-keys', '2')],   # out of order on purpose
         headers={'Host': AWS_HOST, 'x-amz-content-sha256': EMPTY, 'x-amz-date': AWS_DATE},
         payload=EMPTY,
         canonical='GET\n/\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\n'
                   'x-amz-content-sha256:%s\nx-amz-date:20130524T000000Z\n\n'
                   'host;x-amz-content-sha256;x-amz-date\n%s' % (EMPTY, EMPTY),
         canonical_hash='df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7',
         signed_headers='host;x-amz-content-sha256;x-amz-date',
         signature='34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7'),
]

for example in AWS_EXAMPLES:
    def check_example(example=example):
        text, signed = s3.canonical_request(example['method'], example['path'], example['query'], example['headers'],
                                            example['payload'])
        if example['canonical'] is not None:
            equal(text, example['canonical'], 'canonical request')
        equal(signed, example['signed_headers'], 'signed headers')
        scope = s3.credential_scope(AWS_DATE, 'us-east-1')
        equal(scope, '20130524/us-east-1/s3/aws4_request', 'scope')
        equal(s3.string_to_sign(AWS_DATE, scope, text),
              'AWS4-HMAC-SHA256\n%s\n%s\n%s' % (AWS_DATE, scope, example['canonical_hash']), 'string to sign')
        equal(s3.authorization(example['method'], example['path'], example['query'], example['headers'],
                               example['payload'], AWS_ACCESS, AWS_SECRET, 'us-east-1', AWS_DATE),
              'AWS4-HMAC-SHA256 Credential=%s/20130524/us-east-1/s3/aws4_request,SignedHeaders=%s,Signature=%s'
              % (AWS_ACCESS, example['signed_headers'], example['signature']), 'Authorization')
    test('AWS SigV4 example: %s' % example['name'])(check_example)


# --- A fake store on loopback ---------------------------------------------------------------------------------------
ACCESS = 'registryuser'
SECRET = 'S3cr3t/with+odd=chars'
REGION = 'us-east-1'
NAMES = dict(endpoint='registry_s3_endpoint', region='registry_s3_region', bucket='registry_s3_bucket',
             access_key='registry_s3_access_key', secret_key='registry_s3_secret_key', ca_path='registry_s3_ca')
LISTING = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
           b'<Name>registry</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys>'
           b'<IsTruncated>false</IsTruncated></ListBucketResult>')
seen = []
BLOBS = 'registry/docker/registry/v2/blobs/'
OBJECTS = dict((BLOBS + 'sha256/%s/%s/data' % (digest[:2], digest), size) for digest, size in
               ((hashlib.sha256(b'%d' % n).hexdigest(), size)
                for n, size in enumerate([3094, 0, 1, 52428800, 7, 99, 12345])))
OBJECTS.update({'registry/docker/registry/v2/repositories/app/_layers/sha256/00/link': 71, BLOBS[:-1] + 'X': 5,
                BLOBS[:-1]: 6, 'other/' + BLOBS + 'x': 9, 'odd dir/a+b/c d.txt': 5, 'odd dir/a+b/\u00e9&<x>.txt': 7,
                'odd dir/a+b/z': 0, 'odd dir/a b/nope': 1, 'odd dir/a+bc': 2})
OBJECTS.update(('big/%s%04d' % ('k' * 200, n), n) for n in range(1100))   # a page of 1000 is far over 64 KiB
TOKEN = 'p+/= ~'   # each continuation token starts so: every character SigV4 encodes, and ~ it does not
PAGE = [1000]      # the fake's page size, at most max-keys


def listing(bucket, query):
    """A ListObjectsV2 page of OBJECTS under query's prefix, after its continuation-token."""
    keys = sorted(key for key in OBJECTS if key.startswith(query['prefix']))
    token = query.get('continuation-token')
    if token is not None:
        assert token.startswith(TOKEN), token
        keys = [key for key in keys if key > base64.b64decode(token[len(TOKEN):]).decode()]
    page = keys[:min(int(query['max-keys']), PAGE[0])]
    more = len(page) < len(keys)
    body = ''.join('<Contents><Key>%s</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>"e"</ETag>'
                   '<Size>%d</Size><StorageClass>STANDARD</StorageClass></Contents>' % (escape(key), OBJECTS[key])
                   for key in page)
    if token is not None:
        body += '<ContinuationToken>%s</ContinuationToken>' % escape(token)
    if more and bucket != 'notoken':
        body += '<NextContinuationToken>%s</NextContinuationToken>' % escape(
            TOKEN + base64.b64encode(page[-1].encode()).decode())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult%s><Name>%s</Name><Prefix>%s</Prefix>'
            '<KeyCount>%d</KeyCount><MaxKeys>%s</MaxKeys><IsTruncated>%s</IsTruncated>%s</ListBucketResult>'
            % ('' if bucket == 'plain' else ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"', bucket,
               escape(query['prefix']), len(page), query['max-keys'], str(more).lower(), body)).encode()


def s3_error(code, message, **extra):
    more = ''.join('<%s>%s</%s>' % (key, value, key) for key, value in extra.items())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>%s'
            '<RequestId>1</RequestId></Error>' % (code, message, more)).encode()


class FakeStore(BaseHTTPRequestHandler):
    """Checks the signature as S3 does, then answers by the bucket's name."""

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header('Content-Type', 'application/xml' if body.startswith(b'<?xml') else 'text/html')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        parts = urllib.parse.urlsplit(self.path)
        bucket = urllib.parse.unquote(parts.path.lstrip('/'))
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        seen.append((self.path, self.headers))   # an HTTPMessage: names in any case
        if bucket == 'html':
            return self.answer(404, b'<html><body>404 page not found</body></html>')
        if bucket == 'elsewhere':
            return self.answer(301, s3_error('PermanentRedirect', 'The bucket you are attempting to access must be '
                                             'addressed using the specified endpoint.', Bucket=bucket),
                               {'x-amz-bucket-region': 'eu-west-1'})
        auth = self.headers.get('Authorization')
        if auth is None:
            if bucket == 'missing':
                return self.answer(404, s3_error('NoSuchBucket', 'The specified bucket does not exist',
                                                 BucketName=bucket))
            return self.answer(403, s3_error('AccessDenied', 'Access Denied'))
        fields = dict(item.split('=', 1) for item in auth.split(' ', 1)[1].split(','))
        access, date, region = fields['Credential'].split('/')[:3]
        if access != ACCESS:
            return self.answer(403, s3_error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not '
                                             'exist in our records.', AWSAccessKeyId=access))
        if region != REGION:
            return self.answer(400, s3_error('AuthorizationHeaderMalformed', "The authorization header is "
                                             "malformed; the region '%s' is wrong; expecting '%s'" % (region, REGION),
                                             Region=REGION))
        headers = dict((name, self.headers[name]) for name in fields['SignedHeaders'].split(';'))
        wanted = s3.authorization('GET', parts.path, query, headers, self.headers['x-amz-content-sha256'],
                                  ACCESS, SECRET, REGION, self.headers['x-amz-date'])
        if wanted != auth:
            return self.answer(403, s3_error('SignatureDoesNotMatch', 'The request signature we calculated does '
                                             'not match the signature you provided. Check your key and signing '
                                             'method.'))
        if bucket == 'skewed':
            return self.answer(403, s3_error('RequestTimeTooSkewed', 'The difference between the request time and '
                                             'the current time is too large.'))
        if bucket == 'denied':
            return self.answer(403, s3_error('AccessDenied', 'Access Denied'))
        if bucket == 'missing':
            return self.answer(404, s3_error('NoSuchBucket', 'The specified bucket does not exist',
                                             BucketName=bucket))
        if bucket == 'teapot':
            return self.answer(503, s3_error('SlowDown', 'Please reduce your request rate.'))
        if bucket == 'notalisting':
            return self.answer(200, b'<html>welcome</html>')
        if bucket == 'deniedlater' and 'continuation-token' in dict(query):
            return self.answer(403, s3_error('AccessDenied', 'Access Denied'))
        if 'prefix' in dict(query):
            return self.answer(200, listing(bucket, dict(query)))
        return self.answer(200, LISTING)


server = HTTPServer(('127.0.0.1', 0), FakeStore)
threading.Thread(target=server.serve_forever, daemon=True).start()
STORE = 'http://127.0.0.1:%d' % server.server_address[1]


def params(**changes):
    result = dict(endpoint=STORE, region=REGION, bucket='registry', access_key=ACCESS, secret_key=SECRET,
                  ca_path=None, validate_certs=True, timeout=5)
    result.update(changes)
    return result


def fails(names=NAMES, **changes):
    try:
        s3.check(params(**changes), names)
    except s3.Failure as failure:
        assert SECRET not in failure.msg and SECRET not in repr(failure.result), 'the secret is in: %s' % failure.msg
        print('       msg: %s' % failure.msg)
        return failure
    raise AssertionError('no failure')


@test('good: 200, signed request with host, x-amz-date, x-amz-content-sha256')
def _():
    result = s3.check(params(), NAMES)
    equal(result, dict(bucket='registry', endpoint=STORE, status=200, credentials_checked=True))
    path, headers = seen[-1]
    equal(path, '/registry?list-type=2&max-keys=1')
    contains(headers['Authorization'], 'SignedHeaders=host;x-amz-content-sha256;x-amz-date,')


@test('the date signed is the one sent (a fixed clock)')
def _():
    s3.check(params(), NAMES, now=datetime.datetime(2013, 5, 24, tzinfo=datetime.timezone.utc))
    equal(seen[-1][1]['x-amz-date'], '20130524T000000Z')


@test('missing bucket: NoSuchBucket names the bucket setting')
def _():
    failure = fails(bucket='missing')
    contains(failure.msg, 'registry_s3_bucket "missing" does not exist at registry_s3_endpoint (%s)' % STORE,
             'create it, the registry does not', 'NoSuchBucket: The specified bucket does not exist')
    equal(failure.result['status'], 404)
    equal(failure.result['code'], 'NoSuchBucket')


@test('wrong access key: InvalidAccessKeyId names the access key')
def _():
    failure = fails(access_key='nobody')
    contains(failure.msg, 'registry_s3_access_key is not a key the store', 'InvalidAccessKeyId: The AWS Access Key')


@test('wrong secret key: SignatureDoesNotMatch names the secret key, never its value')
def _():
    failure = fails(secret_key=SECRET + 'x')
    contains(failure.msg, 'registry_s3_secret_key is not the secret of registry_s3_access_key', 'SignatureDoesNotMatch: ')
    assert SECRET + 'x' not in failure.msg


@test('listing refused: AccessDenied names the access key and the bucket')
def _():
    failure = fails(bucket='denied')
    contains(failure.msg, 'registry_s3_access_key is refused the listing of registry_s3_bucket "denied"',
             'AccessDenied: Access Denied')


@test('wrong region: AuthorizationHeaderMalformed names the region and the right one')
def _():
    failure = fails(region='eu-west-1')
    contains(failure.msg, 'registry_s3_region "eu-west-1" is not the region of registry_s3_bucket "registry"',
             'the bucket is in us-east-1', 'AuthorizationHeaderMalformed: ')


@test('wrong region: 301 PermanentRedirect, not followed, bucket region from x-amz-bucket-region')
def _():
    failure = fails(bucket='elsewhere')
    contains(failure.msg, 'registry_s3_region "us-east-1" is not the region', 'the bucket is in eu-west-1',
             '301', 'PermanentRedirect: ')
    equal(failure.result['bucket_region'], 'eu-west-1')


@test('clock off: RequestTimeTooSkewed says so')
def _():
    contains(fails(bucket='skewed').msg, "this host's clock is off", 'RequestTimeTooSkewed: ')


@test('anything else: status, Code and Message')
def _():
    contains(fails(bucket='teapot').msg, 'answered 503 Service Unavailable to the listing of registry_s3_bucket',
             'SlowDown: Please reduce your request rate.')


@test('not S3 (an HTML 404): says there is no S3 error in it')
def _():
    contains(fails(bucket='html').msg, 'answered 404 Not Found', 'no S3 error in it', '404 page not found')


@test('not S3 (a 200 that is no listing): fails')
def _():
    contains(fails(bucket='notalisting').msg, 'answered 200', 'but not with a listing')


@test('closed port: does not answer, connection refused')
def _():
    port = free_port()
    failure = fails(endpoint='http://127.0.0.1:%d' % port)
    contains(failure.msg, 'registry_s3_endpoint (http://127.0.0.1:%d) does not answer: connection refused' % port)
    assert 'status' not in failure.result


@test('a name that does not resolve: does not answer')
def _():
    contains(fails(endpoint='http://name.invalid:8333').msg, 'does not answer: the name does not resolve')


@test('timeout: does not answer, timed out')
def _():
    with silent_port() as port:
        contains(fails(endpoint='http://127.0.0.1:%d' % port, timeout=1).msg, 'does not answer: timed out')


@test('https to a plain HTTP store: does not answer TLS, says to write http://')
def _():
    contains(fails(endpoint=STORE.replace('http:', 'https:')).msg, 'does not answer TLS',
             'write registry_s3_endpoint with http://')


@test('bad endpoints are refused before any request')
def _():
    for endpoint, words in [('s3.example.com', 'is not a URL'), ('http://h:1/path', 'has a path'),
                            ('http://u:p@h', 'holds a user'), ('http://h:99999', 'has a port'),
                            ('ftp://h', 'is not a URL'), ('http://a b', 'characters no host name has')]:
        contains(fails(endpoint=endpoint).msg, 'registry_s3_endpoint (%s) ' % endpoint.rstrip('/'), words)


@test('empty endpoint: AWS S3 in the region, shown as such')
def _():
    base, scheme, hostname, host, shown = s3.parse_endpoint(params(endpoint='', region='eu-west-1'), lambda n: n)
    equal(base, 'https://s3.eu-west-1.amazonaws.com')
    equal(host, 's3.eu-west-1.amazonaws.com')
    contains(shown, 'endpoint (empty, so AWS S3 in region: https://s3.eu-west-1.amazonaws.com)')


@test('Host header: default ports dropped, others kept, IPv6 bracketed')
def _():
    for endpoint, host in [('https://s3.example.com:443/', 's3.example.com'),
                           ('http://S3.Example.com:80', 's3.example.com'),
                           ('http://h:8333', 'h:8333'), ('http://[::1]:8333', '[::1]:8333')]:
        equal(s3.parse_endpoint(params(endpoint=endpoint), lambda n: n)[3], host, endpoint)


@test('keys go together; no names given: messages use the options\' own names')
def _():
    contains(fails(names={}, secret_key='').msg, 'access_key and secret_key go together')
    contains(fails(names={}, bucket='missing').msg, 'bucket "missing" does not exist at endpoint (')


@test('unknown names key is refused')
def _():
    contains(fails(names={'endpiont': 'x'}).msg, 'names has keys that are no option of this module: endpiont')


@test('no keys: unsigned request; AccessDenied is success with credentials_checked false, NoSuchBucket fails')
def _():
    result = s3.check(params(access_key='', secret_key=''), NAMES)
    equal(result['credentials_checked'], False)
    equal(result['status'], 403)
    assert 'Authorization' not in seen[-1][1]
    contains(fails(access_key='', secret_key='', bucket='missing').msg, 'does not exist')


@test('ca_path that is no PEM: names the CA setting')
def _():
    contains(fails(endpoint=STORE.replace('http:', 'https:'), ca_path=MODULE).msg,
             'registry_s3_ca (%s) cannot be read as a PEM CA certificate' % MODULE)


@test('redact hides the secret wherever it is')
def _():
    equal(s3.redact({'a': 'x%sy' % SECRET, 'b': 3}, SECRET), {'a': 'x********y', 'b': 3})


# --- list_prefix ----------------------------------------------------------------------------------------------------
def lists(prefix, page, **changes):
    """check() with list_prefix and the fake's page size; (result, the paths of its requests)."""
    PAGE[0], start = page, len(seen)
    try:
        return s3.check(params(list_prefix=prefix, **changes), NAMES), [path for path, headers in seen[start:]]
    finally:
        PAGE[0] = 1000


def under(prefix):
    return dict((key, size) for key, size in OBJECTS.items() if key.startswith(prefix))


@test('canonical query string: sorted by name, encoded by AWS\'s rules (%20, %2B, %2F, %3D, UTF-8; ~ kept)')
def _():
    equal(s3.canonical_query([('prefix', 'a b+c/d~e=f&g_\u00e9'), ('list-type', '2'),
                              ('continuation-token', '1/x+y=='), ('max-keys', '1000')]),
          'continuation-token=1%2Fx%2By%3D%3D&list-type=2&max-keys=1000&prefix=a%20b%2Bc%2Fd~e%3Df%26g_%C3%A9')
    equal(s3.canonical_query([('prefix', 'somePrefix'), ('marker', 'someMarker'), ('max-keys', '20')]),
          'marker=someMarker&max-keys=20&prefix=somePrefix')   # the AWS SigV4 docs' example


@test('list_prefix: every key under it across pages (3 keys a page), with sizes, count and bytes')
def _():
    result, paths = lists(BLOBS, 3)
    wanted = under(BLOBS)
    equal(len(wanted), 7)
    equal(result, dict(bucket='registry', endpoint=STORE, status=200, credentials_checked=True, objects=wanted,
                       object_count=7, object_bytes=sum(wanted.values())))
    equal(len(paths), 3, 'pages')
    equal(paths[0], '/registry?list-type=2&max-keys=1000&prefix=registry%2Fdocker%2Fregistry%2Fv2%2Fblobs%2F')
    for path in paths[1:]:
        contains(path, '/registry?continuation-token=p%2B%2F%3D%20~', '&list-type=2&max-keys=1000&prefix=registry%2F')


@test('list_prefix: keys outside the prefix are not listed')
def _():
    result, paths = lists(BLOBS, 2)
    outside = set(OBJECTS) - set(result['objects'])
    for key in (BLOBS[:-1], BLOBS[:-1] + 'X', 'other/' + BLOBS + 'x', 'big/' + 'k' * 200 + '0000'):
        assert key in outside, key
    assert all(key.startswith(BLOBS) for key in result['objects'])
    equal(len(paths), 4, 'pages')


@test('list_prefix with a space, + and /: signed right (the fake checks), encoded so on the wire, 1 key a page')
def _():
    result, paths = lists('odd dir/a+b/', 1, now=datetime.datetime(2013, 5, 24, tzinfo=datetime.timezone.utc))
    equal(result['objects'], {'odd dir/a+b/c d.txt': 5, 'odd dir/a+b/\u00e9&<x>.txt': 7, 'odd dir/a+b/z': 0})
    equal((result['object_count'], result['object_bytes']), (3, 12))
    equal(paths[0], '/registry?list-type=2&max-keys=1000&prefix=odd%20dir%2Fa%2Bb%2F')
    equal(len(paths), 3, 'pages')


@test('list_prefix with nothing under it: {} and 0; "" lists the whole bucket')
def _():
    result, paths = lists('nothing/', 1000)
    equal((result['objects'], result['object_count'], result['object_bytes']), ({}, 0, 0))
    equal(len(paths), 1)
    equal(lists('', 1000)[0]['objects'], OBJECTS)


@test('list_prefix: a full page of 1000 keys (far over 64 KiB of XML) is read whole')
def _():
    result, paths = lists('big/', 1000)
    equal((result['object_count'], len(paths)), (1100, 2))
    equal(result['objects'], under('big/'))


@test('list_prefix: a store with no XML namespace')
def _():
    equal(lists(BLOBS, 2, bucket='plain')[0]['objects'], under(BLOBS))


@test('list_prefix: 403 on page 2 fails as the first request does, naming the settings')
def _():
    PAGE[0] = 2
    try:
        failure = fails(bucket='deniedlater', list_prefix=BLOBS)
    finally:
        PAGE[0] = 1000
    contains(failure.msg, 'registry_s3_access_key is refused the listing of registry_s3_bucket "deniedlater" at '
             'registry_s3_endpoint (%s)' % STORE, 'AccessDenied: Access Denied')
    equal((failure.result['status'], failure.result['code']), (403, 'AccessDenied'))
    contains(seen[-1][0], 'continuation-token=')


@test('list_prefix: truncated with no NextContinuationToken fails, naming list_prefix')
def _():
    PAGE[0] = 2
    try:
        failure = fails(bucket='notoken', list_prefix=BLOBS)
    finally:
        PAGE[0] = 1000
    contains(failure.msg, 'answered 200 to the listing of registry_s3_bucket "notoken" under list_prefix "%s"' % BLOBS,
             'IsTruncated is true, with no NextContinuationToken')


@test('list_prefix without keys: the store refuses anonymous listing, which fails, naming the keys')
def _():
    failure = fails(access_key='', secret_key='', list_prefix=BLOBS)
    contains(failure.msg, 'registry_s3_access_key and registry_s3_secret_key are empty',
             'refuses anonymous listing (403 AccessDenied): give them to list list_prefix "%s"' % BLOBS)


@test('list_prefix unset (None): one request with max-keys=1, the result as without it')
def _():
    start = len(seen)
    equal(s3.check(params(list_prefix=None), NAMES),
          dict(bucket='registry', endpoint=STORE, status=200, credentials_checked=True))
    equal([path for path, headers in seen[start:]], ['/registry?list-type=2&max-keys=1'])


# --- The same store over TLS, with certificates from the openssl command -------------------------------------------
def openssl(*args):
    subprocess.run(('openssl',) + args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def tls_store(tmp):
    """An HTTPS fake store whose certificate names only store.example and 127.0.0.1, signed by a CA of its own."""
    for ca in ('ca', 'otherca'):
        openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test %s' % ca,
                '-keyout', os.path.join(tmp, ca + '.key'), '-out', os.path.join(tmp, ca + '.crt'))
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=store.example',
            '-keyout', os.path.join(tmp, 'server.key'), '-out', os.path.join(tmp, 'server.csr'))
    with open(os.path.join(tmp, 'ext.cnf'), 'w') as ext:
        ext.write('subjectAltName=DNS:store.example,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n')
    openssl('x509', '-req', '-days', '1', '-in', os.path.join(tmp, 'server.csr'), '-CA', os.path.join(tmp, 'ca.crt'),
            '-CAkey', os.path.join(tmp, 'ca.key'), '-CAcreateserial', '-extfile', os.path.join(tmp, 'ext.cnf'),
            '-out', os.path.join(tmp, 'server.crt'))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(tmp, 'server.crt'), os.path.join(tmp, 'server.key'))
    tls = HTTPServer(('127.0.0.1', 0), FakeStore)
    tls.socket = context.wrap_socket(tls.socket, server_side=True)
    threading.Thread(target=tls.serve_forever, daemon=True).start()
    return tls


skipped = 0
if shutil.which('openssl'):
    tmp = tempfile.mkdtemp()
    tls = tls_store(tmp)
    TLS = 'https://127.0.0.1:%d' % tls.server_address[1]
    CA, OTHER_CA = os.path.join(tmp, 'ca.crt'), os.path.join(tmp, 'otherca.crt')

    @test('TLS: with ca_path the CA, 200')
    def _():
        equal(s3.check(params(endpoint=TLS, ca_path=CA), NAMES)['status'], 200)

    @test('TLS: without ca_path, not trusted: set registry_s3_ca')
    def _():
        contains(fails(endpoint=TLS).msg, 'registry_s3_endpoint (%s) has a TLS certificate that is not trusted' % TLS,
                 'set registry_s3_ca to the PEM of the CA that signed it')

    @test('TLS: ca_path another CA: not the CA that signed it')
    def _():
        contains(fails(endpoint=TLS, ca_path=OTHER_CA).msg, 'not trusted',
                 'even with registry_s3_ca (%s): that is not the CA that signed' % OTHER_CA)

    @test('TLS: a name the certificate does not hold: names the endpoint')
    def _():
        contains(fails(endpoint=TLS.replace('127.0.0.1', 'localhost'), ca_path=CA).msg,
                 'has a TLS certificate that is not for localhost', 'give the name the certificate holds in '
                 'registry_s3_endpoint')

    @test('TLS: validate_certs false: 200 without the CA')
    def _():
        equal(s3.check(params(endpoint=TLS, validate_certs=False), NAMES)['status'], 200)

    tls.shutdown()
    shutil.rmtree(tmp)
else:
    skipped = 5
    print('skip TLS checks: no openssl command')

server.shutdown()
finish(skipped)
