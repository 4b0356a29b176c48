"""The browser and a Whisper client read each other's encrypted DM. The Whisper side is a
stand-in written with Python's `cryptography` and the seed's primitives as its reference Dart
client uses them (RSA 2048 with the PKCS#1 public key in base64, RSA-OAEP-SHA1 for the channel
key and IV, AES-256-CBC with PKCS#7 for messages), talking the Whisper dialect."""

from __future__ import annotations

import base64
import os
import re

import httpx
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from playwright.async_api import Browser, expect

from tests.support.accounts import PASSWORD, unique_name
from tests.support.servers import ServerProcess, SmtpSink
from tests.web.people import message, register, send
from tests.web.test_encrypted_dm import make_keys

# SHA-1 in OAEP: the seed's scheme (pointycastle's OAEPEncoding default).
SHA1_OAEP = OAEP(mgf=MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)


def pkcs1_base64(key: RSAPublicKey) -> str:
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return base64.b64encode(der).decode()


def load_pkcs1(text: str) -> RSAPublicKey:
    pem = b"-----BEGIN RSA PUBLIC KEY-----\n" + text.encode() + b"\n-----END RSA PUBLIC KEY-----\n"
    key = serialization.load_pem_public_key(pem)
    assert isinstance(key, RSAPublicKey)
    return key


def aes_encrypt(secret: bytes, text: str) -> str:
    padder = padding.PKCS7(128).padder()
    data = padder.update(text.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(secret[:32]), modes.CBC(secret[32:])).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def aes_decrypt(secret: bytes, text: str) -> str:
    decryptor = Cipher(algorithms.AES(secret[:32]), modes.CBC(secret[32:])).decryptor()
    data = decryptor.update(base64.b64decode(text)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(data) + unpadder.finalize()).decode()


async def test_browser_and_whisper_client_read_each_others_encrypted_messages(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    mira = await register(browser, web_server, smtp, "mira")
    await make_keys(mira, "8642")

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = unique_name("wes")
    async with httpx.AsyncClient(base_url=f"{web_server.url}/api/v1", timeout=10) as whisper:
        created = await whisper.post(
            "/users",
            json={
                "name": "Wes",
                "user": name,
                "password": PASSWORD,
                "email": f"{name}@example.com",
                "pin": "1234",
                "public_key": pkcs1_base64(private.public_key()),
                "encrypted_private_key": "kept by the Whisper app",
            },
        )
        assert created.status_code == 201, created.text
        login = await whisper.post("/auth/login", json={"user": name, "password": PASSWORD})
        auth = {"Authorization": login.json()["token"]}
        assert (
            await whisper.post("/friends", json={"user": mira.username}, headers=auth)
        ).status_code == 201
        theirs = load_pkcs1((await whisper.get(f"/users/{mira.user_id}")).json()["public_key"])

        secret = os.urandom(48)  # the AES-256 key and the CBC IV
        channel = await whisper.post(
            "/channels",
            json={
                "attendee": mira.user_id,
                "key_encrypted_by_attendee_public_key": base64.b64encode(
                    theirs.encrypt(secret, SHA1_OAEP)
                ).decode(),
                "key_encrypted_by_host_public_key": base64.b64encode(
                    private.public_key().encrypt(secret, SHA1_OAEP)
                ).decode(),
            },
            headers=auth,
        )
        assert channel.status_code == 201, channel.text
        channel_id = channel.json()["channel_id"]
        sent = await whisper.post(
            f"/messages/{channel_id}",
            json={"encrypted_msg": aes_encrypt(secret, "Hello from Whisper 👋")},
            headers=auth,
        )
        assert sent.status_code == 200, sent.text

        await mira.page.get_by_role("link", name="Chats").click()
        await mira.page.get_by_role("link", name=re.compile("Wes")).click()
        await expect(message(mira.page, "Hello from Whisper 👋")).to_be_visible()
        await send(mira.page, "Привет, Wes")
        await expect(message(mira.page, "Привет, Wes")).to_be_visible()
        await expect(mira.page.get_by_text("Sending…")).to_have_count(0)  # stored

        page = (await whisper.get(f"/messages/{channel_id}/0", headers=auth)).json()
        mine = base64.b64decode(
            (await whisper.get(f"/channels/key/{channel_id}", headers=auth)).json()["encrypted_key"]
        )
        key = private.decrypt(mine, SHA1_OAEP)
        assert key == secret
        texts = [aes_decrypt(key, item["encrypted_msg"]) for item in page["list"]]
        assert texts == ["Привет, Wes", "Hello from Whisper 👋"]
    mira.check_clean()
    await mira.context.close()
