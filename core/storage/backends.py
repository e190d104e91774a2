"""Where the bytes live: one interface, a local-disk backend and an S3-compatible one.

Keys are names the storage layer makes up itself (new_key); no part of a key ever
comes from a user, and every backend refuses a key that is not of that shape.
"""
import io
import os
import re
import secrets
import tempfile
from pathlib import Path

from flask import current_app

EXTENSION_KEY = "guildhall.storage"
# 32 hex digits, an optional suffix such as "-thumb", an optional short extension.
KEY_PATTERN = re.compile(r"[0-9a-f]{32}(-[a-z]{1,10})?(\.[a-z0-9]{1,5})?")
CHUNK = 1024 * 1024


class InvalidKey(ValueError):
    """A key that the storage layer did not make: refused before touching any backend."""


def new_key(extension=""):
    """A fresh random key such as '3f9c...e1.jpg'; extension includes its dot."""
    return check_key(secrets.token_hex(16) + extension)


def derived_key(key, suffix, extension):
    """A sibling key for a derived file (a thumbnail): '<random part>-thumb.jpg'."""
    return check_key(check_key(key)[:32] + "-" + suffix + extension)


def check_key(key):
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise InvalidKey(f"not a storage key: {key!r}")
    return key


class Storage:
    """The interface every backend implements."""

    def put(self, key, data, content_type="application/octet-stream"):
        """Store bytes or a binary file object under key, replacing nothing: keys are new."""
        raise NotImplementedError

    def get(self, key):
        """All bytes of key."""
        with self.open(key) as stream:
            return stream.read()

    def open(self, key):
        """A readable, seekable binary stream (seek(0, 2) tells the size); the caller closes it."""
        raise NotImplementedError

    def delete(self, key):
        """Remove key; a missing key is not an error."""
        raise NotImplementedError

    def exists(self, key):
        raise NotImplementedError

    def size(self, key):
        raise NotImplementedError

    def keys(self):
        """Every stored key, in no particular order (for backups and clean-ups)."""
        raise NotImplementedError


class LocalStorage(Storage):
    """Files in one flat folder (UPLOAD_FOLDER, by default <instance>/uploads)."""

    def __init__(self, root):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key):
        path = self.root / check_key(key)
        if path.parent != self.root:  # belt and braces: the pattern already forbids separators
            raise InvalidKey(key)
        return path

    def put(self, key, data, content_type="application/octet-stream"):
        target = self.path(key)
        # Write to a temporary file in the same folder, then rename: readers never see half a file.
        fd, temp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(data, (bytes, bytearray)):
                    out.write(data)
                else:
                    while chunk := data.read(CHUNK):
                        out.write(chunk)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def open(self, key):
        return open(self.path(key), "rb")

    def delete(self, key):
        self.path(key).unlink(missing_ok=True)

    def exists(self, key):
        return self.path(key).is_file()

    def size(self, key):
        return self.path(key).stat().st_size

    def keys(self):
        for entry in os.scandir(self.root):
            if entry.is_file() and KEY_PATTERN.fullmatch(entry.name):
                yield entry.name


class S3Storage(Storage):
    """Objects in one bucket of any S3-compatible server, under an optional prefix."""

    def __init__(self, bucket, prefix="", client=None, **client_options):
        import boto3

        if not bucket:
            raise ValueError("S3_BUCKET must be set when STORAGE_BACKEND is s3")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix and prefix.strip("/") else ""
        self.client = client or boto3.client("s3", **client_options)

    @classmethod
    def from_config(cls, config):
        from botocore.config import Config

        options = {
            # "path" for servers such as MinIO without bucket subdomains; "auto" suits AWS, OSS, COS.
            "config": Config(s3={"addressing_style": config.get("S3_ADDRESSING_STYLE") or "auto"}),
            "endpoint_url": config.get("S3_ENDPOINT_URL") or None,
            "region_name": config.get("S3_REGION") or None,
            "aws_access_key_id": config.get("S3_ACCESS_KEY_ID") or None,
            "aws_secret_access_key": config.get("S3_SECRET_ACCESS_KEY") or None,
        }
        return cls(config.get("S3_BUCKET"), config.get("S3_PREFIX") or "", **options)

    def object_name(self, key):
        return self.prefix + check_key(key)

    def put(self, key, data, content_type="application/octet-stream"):
        body = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
        self.client.upload_fileobj(
            body, self.bucket, self.object_name(key), ExtraArgs={"ContentType": content_type}
        )

    def get(self, key):
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.object_name(key))
        except self.client.exceptions.NoSuchKey as error:
            raise FileNotFoundError(key) from error
        return response["Body"].read()

    def open(self, key):
        return S3Reader(self.client, self.bucket, self.object_name(key))

    def delete(self, key):
        self.client.delete_object(Bucket=self.bucket, Key=self.object_name(key))

    def _head(self, key):
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.object_name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise

    def exists(self, key):
        return self._head(key) is not None

    def size(self, key):
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        return head["ContentLength"]

    def keys(self):
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix):]
                if KEY_PATTERN.fullmatch(key):
                    yield key


class S3Reader(io.RawIOBase):
    """A seekable stream over one object: a seek followed by a read asks S3 for a byte range,
    so that a video's Range request does not download everything before it."""

    def __init__(self, client, bucket, name):
        super().__init__()
        self.client, self.bucket, self.name = client, bucket, name
        try:
            response = client.get_object(Bucket=bucket, Key=name)
        except client.exceptions.NoSuchKey as error:
            raise FileNotFoundError(name) from error
        self.length = response["ContentLength"]
        self.body, self.body_position, self.position = response["Body"], 0, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.position

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.length}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer):
        if self.position >= self.length:
            return 0
        if self.body is None or self.body_position != self.position:
            self._close_body()
            response = self.client.get_object(Bucket=self.bucket, Key=self.name, Range=f"bytes={self.position}-")
            self.body, self.body_position = response["Body"], self.position
        data = self.body.read(len(buffer))
        buffer[: len(data)] = data
        self.position += len(data)
        self.body_position = self.position
        return len(data)

    def _close_body(self):
        if self.body is not None:
            self.body.close()
            self.body = None

    def close(self):
        self._close_body()
        super().close()


def make_storage(config):
    if config["STORAGE_BACKEND"] == "s3":
        return S3Storage.from_config(config)
    return LocalStorage(config["UPLOAD_FOLDER"])


def get_storage(app=None):
    """The app's storage backend, made once per app from its configuration."""
    app = app or current_app._get_current_object()
    storage = app.extensions.get(EXTENSION_KEY)
    if storage is None:
        storage = app.extensions[EXTENSION_KEY] = make_storage(app.config)
    return storage
