"""The evidence stream format: round trips, every segment-boundary size, Tink compatibility, tampering."""

import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault import stream
from vault.stream import FIRST_PLAINTEXT_SEGMENT, HEADER_SIZE, PLAINTEXT_SEGMENT, SEGMENT_SIZE, TAG_SIZE, TamperedError

KEY = bytes(range(32))
AD = b"evidence-0f5c"
BOUNDARIES = [
    0,
    1,
    FIRST_PLAINTEXT_SEGMENT - 1,
    FIRST_PLAINTEXT_SEGMENT,
    FIRST_PLAINTEXT_SEGMENT + 1,
    FIRST_PLAINTEXT_SEGMENT + PLAINTEXT_SEGMENT - 1,
    FIRST_PLAINTEXT_SEGMENT + PLAINTEXT_SEGMENT,
    FIRST_PLAINTEXT_SEGMENT + PLAINTEXT_SEGMENT + 1,
]


def encrypt_bytes(key: bytes, ad: bytes, plaintext: bytes) -> bytes:
    encryptor = stream.Encryptor(key, ad)
    return encryptor.update(plaintext) + encryptor.finalize()


def decrypt_bytes(key: bytes, ad: bytes, ciphertext: bytes) -> bytes:
    return b"".join(stream.decrypt_segments(key, ad, io.BytesIO(ciphertext), len(ciphertext)))


def ciphertext_size(plaintext_size: int) -> int:
    """The format's size, worked out independently: the header plus a tag per segment."""
    segments = 1 + max(0, -(-(plaintext_size - FIRST_PLAINTEXT_SEGMENT) // PLAINTEXT_SEGMENT))
    return HEADER_SIZE + plaintext_size + segments * TAG_SIZE


def tink_streaming_aead(key: bytes):
    """Tink's own AES256_GCM_HKDF_1MB primitive holding the same raw key."""
    import tink
    from tink import cleartext_keyset_handle, streaming_aead
    from tink.proto import aes_gcm_hkdf_streaming_pb2, common_pb2, tink_pb2

    streaming_aead.register()
    key_proto = aes_gcm_hkdf_streaming_pb2.AesGcmHkdfStreamingKey(
        version=0,
        key_value=key,
        params=aes_gcm_hkdf_streaming_pb2.AesGcmHkdfStreamingParams(
            ciphertext_segment_size=SEGMENT_SIZE, derived_key_size=32, hkdf_hash_type=common_pb2.SHA256
        ),
    )
    keyset = tink_pb2.Keyset(
        primary_key_id=1,
        key=[
            tink_pb2.Keyset.Key(
                key_data=tink_pb2.KeyData(
                    type_url="type.googleapis.com/google.crypto.tink.AesGcmHkdfStreamingKey",
                    value=key_proto.SerializeToString(),
                    key_material_type=tink_pb2.KeyData.SYMMETRIC,
                ),
                status=tink_pb2.ENABLED,
                key_id=1,
                output_prefix_type=tink_pb2.RAW,
            )
        ],
    )
    return cleartext_keyset_handle.from_keyset(keyset).primitive(tink.streaming_aead.StreamingAead)


def fed_in_chunks(worker, data: bytes, chunk: int) -> bytes:
    out = bytearray()
    for start in range(0, len(data), chunk):
        out += worker.update(data[start : start + chunk])
    return bytes(out + worker.finalize())


@pytest.mark.parametrize("size", BOUNDARIES)
def test_round_trip_and_exact_size_at_every_segment_boundary(size):
    plaintext = os.urandom(size)
    ciphertext = encrypt_bytes(KEY, AD, plaintext)
    assert len(ciphertext) == ciphertext_size(size)
    assert decrypt_bytes(KEY, AD, ciphertext) == plaintext


@pytest.mark.parametrize("size", BOUNDARIES)
def test_tink_decrypts_what_we_write_and_we_decrypt_what_tink_writes(size):
    plaintext = os.urandom(size)
    tink = tink_streaming_aead(KEY)
    ours = encrypt_bytes(KEY, AD, plaintext)
    with tink.new_decrypting_stream(io.BytesIO(ours), AD) as decrypting:
        assert decrypting.read() == plaintext
    sink = KeptBytesIO()
    with tink.new_encrypting_stream(sink, AD) as encrypting:
        encrypting.write(plaintext)
    assert decrypt_bytes(KEY, AD, sink.kept) == plaintext


class KeptBytesIO(io.BytesIO):
    """Tink closes the stream it writes to; keep what was written."""

    def close(self):
        self.kept = self.getvalue()
        super().close()


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(min_value=0, max_value=3 * SEGMENT_SIZE),
    write_chunk=st.integers(min_value=1, max_value=2 * SEGMENT_SIZE),
)
def test_any_size_fed_in_any_chunks_round_trips(size, write_chunk):
    plaintext = os.urandom(size)
    ciphertext = fed_in_chunks(stream.Encryptor(KEY, AD), plaintext, write_chunk)
    assert len(ciphertext) == ciphertext_size(size)
    assert decrypt_bytes(KEY, AD, ciphertext) == plaintext


THREE_SEGMENTS = FIRST_PLAINTEXT_SEGMENT + PLAINTEXT_SEGMENT + 1000


@pytest.fixture(scope="module")
def sealed():
    plaintext = os.urandom(THREE_SEGMENTS)
    return plaintext, encrypt_bytes(KEY, AD, plaintext)


def tampered(ciphertext: bytes, how: str) -> bytes:
    first_end = SEGMENT_SIZE  # the header and the first segment fill exactly one MiB
    second_end = first_end + SEGMENT_SIZE
    if how == "truncated at a segment boundary":
        return ciphertext[:second_end]
    if how == "truncated mid-segment":
        return ciphertext[:-100]
    if how == "extended":
        return ciphertext + b"\x00" * 32
    if how == "segments swapped":
        return ciphertext[:first_end] + ciphertext[second_end:] + ciphertext[first_end:second_end]
    if how == "bit flipped":
        flipped = bytearray(ciphertext)
        flipped[first_end + 12345] ^= 0x01
        return bytes(flipped)
    if how == "header flipped":
        flipped = bytearray(ciphertext)
        flipped[5] ^= 0x80
        return bytes(flipped)
    if how == "empty":
        return b""
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "truncated at a segment boundary",
        "truncated mid-segment",
        "extended",
        "segments swapped",
        "bit flipped",
        "header flipped",
        "empty",
    ],
)
def test_tampering_is_detected_and_nothing_unauthenticated_is_released(sealed, how):
    plaintext, ciphertext = sealed
    bad = tampered(ciphertext, how)
    released = bytearray()

    def decrypt_all():
        for segment in stream.decrypt_segments(KEY, AD, io.BytesIO(bad), len(bad)):
            released.extend(segment)

    with pytest.raises(TamperedError):
        decrypt_all()
    # Whatever was released before the failure was authenticated, and is a true prefix.
    assert plaintext.startswith(bytes(released))


def test_a_blob_spliced_from_another_file_or_context_fails(sealed):
    plaintext, ciphertext = sealed
    other = encrypt_bytes(KEY, AD, plaintext)
    spliced = ciphertext[:SEGMENT_SIZE] + other[SEGMENT_SIZE:]
    with pytest.raises(TamperedError):
        decrypt_bytes(KEY, AD, spliced)
    with pytest.raises(TamperedError):
        decrypt_bytes(KEY, b"another-evidence-id", ciphertext)
    with pytest.raises(TamperedError):
        decrypt_bytes(bytes(32), AD, ciphertext)
