"""The storage interface behaves the same on local disk and on an S3-compatible server."""
import io
from pathlib import Path

import boto3
import pytest

from core.storage import get_storage
from core.storage.backends import InvalidKey, LocalStorage, S3Storage, derived_key, new_key
from tests.core.storage_fixtures import s3_config, s3_server, storage_app, storage_config  # noqa: F401

TRICKY_KEYS = [
    "../secret", "../../etc/passwd", "/etc/passwd", "a/b", "a\\b", "..", ".", "", "key\x00.jpg",
    "0" * 32 + "/../x", "0" * 32 + "\x00.jpg", "0" * 31 + ".jpg", "0" * 32 + ".JPG", "A" * 32, "0" * 32 + ".tar.gz",
    "%2e%2e%2fsecret", "0" * 32 + "\n", None, 42,
]


def test_new_keys_are_random_and_keep_only_the_given_extension(storage_app):
    keys = {new_key(".jpg") for _ in range(50)}
    assert len(keys) == 50
    assert all(len(key) == 36 and key.endswith(".jpg") for key in keys)
    assert derived_key("0123456789abcdef0123456789abcdef.webp", "thumb", ".jpg") == "0123456789abcdef0123456789abcdef-thumb.jpg"


def test_put_get_size_exists_delete(storage_app):
    storage = get_storage()
    key = new_key(".pdf")
    assert not storage.exists(key)
    storage.put(key, b"%PDF-1.4 bytes", "application/pdf")
    assert storage.exists(key)
    assert storage.get(key) == b"%PDF-1.4 bytes"
    assert storage.size(key) == 14
    storage.delete(key)
    assert not storage.exists(key)
    storage.delete(key)  # deleting twice is not an error


def test_put_accepts_a_file_object_and_open_streams_with_seek(storage_app):
    storage = get_storage()
    key = new_key(".mp4")
    data = bytes(range(256)) * 5000  # 1.28 MB: more than one chunk
    storage.put(key, io.BytesIO(data), "video/mp4")
    with storage.open(key) as stream:
        assert stream.seek(0, io.SEEK_END) == len(data)
        stream.seek(1000)
        assert stream.read(10) == data[1000:1010]
        assert stream.read(5) == data[1010:1015]  # carries on where it stopped
        stream.seek(len(data) - 3)
        assert stream.read() == data[-3:]
        stream.seek(0)
        assert stream.read() == data


def test_missing_keys_raise_file_not_found(storage_app):
    storage = get_storage()
    key = new_key(".jpg")
    with pytest.raises(FileNotFoundError):
        storage.open(key)
    with pytest.raises(FileNotFoundError):
        storage.get(key)
    with pytest.raises(FileNotFoundError):
        storage.size(key)


def test_keys_lists_what_was_stored(storage_app):
    storage = get_storage()
    stored = {new_key(".jpg"), new_key(".pdf"), new_key("")}
    for key in stored:
        storage.put(key, b"x")
    assert set(storage.keys()) == stored


def test_every_operation_refuses_keys_it_did_not_make(storage_app):
    storage = get_storage()
    for key in TRICKY_KEYS:
        for operation in (storage.get, storage.open, storage.delete, storage.exists, storage.size):
            with pytest.raises(InvalidKey):
                operation(key)
        with pytest.raises(InvalidKey):
            storage.put(key, b"x")
    assert list(storage.keys()) == []


def test_local_files_stay_in_the_upload_folder(app_factory, tmp_path):
    folder = tmp_path / "files"
    app = app_factory(UPLOAD_FOLDER=str(folder))
    with app.app_context():
        storage = get_storage()
        assert isinstance(storage, LocalStorage) and storage.root == folder.resolve()
        key = new_key(".png")
        storage.put(key, b"png")
        assert (folder / key).read_bytes() == b"png"
        assert [p.name for p in folder.iterdir()] == [key]  # no temporary file left behind


def test_default_upload_folder_is_in_the_instance_outside_static(app):
    folder = get_storage().root
    assert folder == (Path(app.instance_path) / "uploads").resolve()
    assert not folder.is_relative_to(Path(app.static_folder).resolve())


def test_backend_is_made_once_per_app(app_factory, s3_server):
    local = app_factory()
    remote = app_factory(**s3_config(s3_server))
    with local.app_context():
        assert get_storage() is get_storage() is local.extensions["guildhall.storage"]
        assert isinstance(get_storage(), LocalStorage)
    with remote.app_context():
        assert isinstance(get_storage(), S3Storage)


def test_s3_needs_a_bucket(app_factory):
    app = app_factory(STORAGE_BACKEND="s3", S3_BUCKET=None)
    with app.app_context(), pytest.raises(ValueError, match="S3_BUCKET"):
        get_storage()


def test_s3_keeps_to_its_prefix(app_factory, s3_server):
    """Two sites may share a bucket: each sees and touches only its own prefix."""
    config = s3_config(s3_server, prefix="site-a/")
    other = app_factory(**{**config, "S3_PREFIX": "site-b"})
    app = app_factory(**config)
    with app.app_context():
        key = new_key(".pdf")
        get_storage().put(key, b"%PDF", "application/pdf")
    with other.app_context():
        assert not get_storage().exists(key)
        assert list(get_storage().keys()) == []
    raw = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    head = raw.head_object(Bucket=config["S3_BUCKET"], Key=f"site-a/{key}")
    assert head["ContentType"] == "application/pdf"
