"""Fixtures for the storage tests: an S3-compatible server (moto) and apps on either backend.

Import the fixtures into a test module: `from tests.core.storage_fixtures import s3_server, storage_app`.
moto is a test dependency, so nothing here skips for want of it.
"""
import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer

from core.extensions import db

S3_CREDENTIALS = {"S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing", "S3_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def s3_server():
    """A moto S3 server on a free port of 127.0.0.1 for the whole session (per xdist worker)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_config(endpoint, bucket=None, prefix="site-a"):
    """Settings for an app on a new, empty bucket of the test server."""
    bucket = bucket or f"guildhall-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=bucket)
    return {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": bucket, "S3_PREFIX": prefix,
            **S3_CREDENTIALS}


@pytest.fixture(params=["local", "s3"])
def storage_config(request):
    """Extra settings for the app: the local backend, then S3 against the moto server."""
    if request.param == "local":
        return {}
    return s3_config(request.getfixturevalue("s3_server"))


@pytest.fixture
def storage_app(app_factory, storage_config):
    """The app (pushed) on the local backend and again on S3."""
    app = app_factory(**storage_config)
    with app.app_context():
        yield app
        db.session.remove()
