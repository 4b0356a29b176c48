"""Blob storage: local files under the data dir (served at /media/...) or an S3-compatible bucket.

`PARLEY_STORAGE_URL` picks the backend: `file` or `s3://bucket?endpoint_url=...&region=...`
(credentials from the usual AWS variables; `public_url=` overrides the URL prefix clients get).
Only S3 takes direct uploads (`DirectStorage`): a presigned PUT the client sends straight to the
bucket, with its length and content type signed.
Keys are slash-separated paths of `[A-Za-z0-9._-]` segments; stored objects are immutable
(a new upload gets a new key), so they are served with a long cache lifetime.
"""

from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qs, urlsplit

import anyio

from parley.kit.files import private_dir, write_private
from parley.kit.secrets import new_token

CACHE_CONTROL = "public, max-age=31536000, immutable"
# Keys under this prefix are never served publicly (message attachments); an S3 bucket that
# serves its objects publicly must exclude it in its policy.
PRIVATE_PREFIX = "attachments/"
_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")


class InvalidKey(ValueError):
    pass


def check_key(key: str) -> str:
    if len(key) > 255 or not _KEY.fullmatch(key):
        raise InvalidKey(key)
    return key


def content_type_for(key: str) -> str:
    guessed, _ = mimetypes.guess_type(key)
    return guessed or "application/octet-stream"


class Storage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes | None:
        """The object's bytes; None when there is no such object."""

    async def delete(self, key: str) -> None:
        """Remove an object; a missing object is not an error."""

    def url(self, key: str) -> str:
        """The absolute URL clients fetch the object from."""


@runtime_checkable
class DirectStorage(Storage, Protocol):
    upload_origin: str  # where clients PUT (for the web client's CSP)

    async def presign_put(self, key: str, content_type: str, size: int, expires_in: int) -> str:
        """A URL that takes one PUT of exactly `size` bytes of `content_type` at `key`."""

    async def size_of(self, key: str) -> int | None:
        """The object's size; None when there is no such object."""

    async def head_bytes(self, key: str, count: int) -> bytes:
        """The object's first `count` bytes (fewer when it is shorter)."""


class FileStorage:
    def __init__(self, root: Path, public_url: str) -> None:
        self.root = root
        self.public_url = public_url.rstrip("/")

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:  # noqa: ARG002
        target = self.path(key)
        await anyio.to_thread.run_sync(_write_atomically, target, data)

    async def get(self, key: str) -> bytes | None:
        target = self.path(key)
        return await anyio.to_thread.run_sync(_read_or_none, target)

    async def delete(self, key: str) -> None:
        target = self.path(key)
        await anyio.to_thread.run_sync(lambda: target.unlink(missing_ok=True))

    def url(self, key: str) -> str:
        return f"{self.public_url}/media/{check_key(key)}"


def _write_atomically(target: Path, data: bytes) -> None:
    private_dir(target.parent)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{new_token(6)}.tmp")
    write_private(temporary, data)
    temporary.replace(target)


def _read_or_none(target: Path) -> bytes | None:
    try:
        return target.read_bytes()
    except FileNotFoundError:
        return None


class S3Storage:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        public_url: str | None = None,
    ) -> None:
        import aioboto3

        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self._session = aioboto3.Session()
        if endpoint_url:  # path-style URLs on the endpoint
            parts = urlsplit(endpoint_url)
            self.upload_origin = f"{parts.scheme}://{parts.netloc}"
            bucket_url = f"{endpoint_url.rstrip('/')}/{bucket}"
        else:  # virtual-hosted URLs
            host = f"s3.{region}.amazonaws.com" if region else "s3.amazonaws.com"
            self.upload_origin = bucket_url = f"https://{bucket}.{host}"
        self.public_url = public_url.rstrip("/") if public_url else bucket_url

    def _client(self, config: Any = None) -> Any:
        return self._session.client(
            "s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config
        )

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        async with self._client() as s3:
            await s3.put_object(
                Bucket=self.bucket,
                Key=check_key(key),
                Body=data,
                ContentType=content_type,
                CacheControl=CACHE_CONTROL,
            )

    async def get(self, key: str) -> bytes | None:
        async with self._client() as s3:
            try:
                found = await s3.get_object(Bucket=self.bucket, Key=check_key(key))
            except s3.exceptions.NoSuchKey:
                return None
            async with found["Body"] as body:
                data: bytes = await body.read()
                return data

    async def delete(self, key: str) -> None:
        async with self._client() as s3:
            await s3.delete_object(Bucket=self.bucket, Key=check_key(key))

    def url(self, key: str) -> str:
        return f"{self.public_url}/{check_key(key)}"

    async def presign_put(self, key: str, content_type: str, size: int, expires_in: int) -> str:
        from botocore.config import Config  # type: ignore[import-untyped]

        # SigV4 signs the Content-Length and Content-Type headers: S3 refuses any other body
        style = "path" if self.endpoint_url else "virtual"  # on `upload_origin`
        config = Config(signature_version="s3v4", s3={"addressing_style": style})
        async with self._client(config) as s3:
            params = {
                "Bucket": self.bucket,
                "Key": check_key(key),
                "ContentType": content_type,
                "ContentLength": size,
            }
            url: str = await s3.generate_presigned_url(
                "put_object", Params=params, ExpiresIn=expires_in
            )
            return url

    async def size_of(self, key: str) -> int | None:
        async with self._client() as s3:
            try:
                found = await s3.head_object(Bucket=self.bucket, Key=check_key(key))
            except s3.exceptions.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}:
                    return None
                raise
            return int(found["ContentLength"])

    async def head_bytes(self, key: str, count: int) -> bytes:
        async with self._client() as s3:
            found = await s3.get_object(
                Bucket=self.bucket, Key=check_key(key), Range=f"bytes=0-{count - 1}"
            )
            async with found["Body"] as body:
                data: bytes = await body.read()
                return data


def make_storage(url: str, data_dir: Path, public_url: str) -> Storage:
    if url == "file":
        return FileStorage(data_dir / "media", public_url)
    parts = urlsplit(url)
    if parts.scheme == "s3" and parts.netloc:
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        return S3Storage(
            parts.netloc,
            endpoint_url=query.get("endpoint_url"),
            region=query.get("region"),
            public_url=query.get("public_url"),
        )
    raise ValueError("PARLEY_STORAGE_URL must be `file` or `s3://bucket?endpoint_url=...`")
