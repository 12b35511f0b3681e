"""The trail's RFC 6962 tree and its verifiers: published vectors, the RFC's own recursion, and
every proof of small trees (valid ones verify, any change fails). Pure, no database."""

from __future__ import annotations

import hashlib
import random

import pytest
import rfc8785

from services.trail.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from services.trail.verify_pack import canonical

# Certificate Transparency's test data for RFC 6962 (leaf inputs and MTH of each prefix).
LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [  # (index, size, audit path)
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
]
CONSISTENCY = [  # (first, second, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def _mth(data: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, transcribed literally (the reference the tree is held to)."""
    if not data:
        return hashlib.sha256(b"").digest()
    if len(data) == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = 1
    while k * 2 < len(data):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(data[:k]) + _mth(data[k:])).digest()


def _leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(f"event {i}".encode()).digest() for i in range(n)]


@pytest.mark.parametrize("n", range(9))
def test_roots_match_the_published_vectors(n: int) -> None:
    assert MerkleTree(LEAVES[:n]).root.hex() == ROOTS[n]
    assert MerkleTree(LEAVES).root_at(n).hex() == ROOTS[n]


def test_leaves_and_nodes_are_domain_separated() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert leaf_hash(left + right) != node_hash(left, right)
    assert MerkleTree([]).root == EMPTY_ROOT


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION)
def test_inclusion_proofs_match_the_published_vectors(
    index: int, size: int, expected: list[str]
) -> None:
    tree = MerkleTree(LEAVES[:size])
    proof = tree.inclusion_proof(index)
    assert [p.hex() for p in proof] == expected
    assert verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, tree.root)
    assert [p.hex() for p in MerkleTree(LEAVES).inclusion_proof(index, size)] == expected


@pytest.mark.parametrize(("first", "second", "expected"), CONSISTENCY)
def test_consistency_proofs_match_the_published_vectors(
    first: int, second: int, expected: list[str]
) -> None:
    tree = MerkleTree(LEAVES)
    proof = tree.consistency_proof(first, second)
    assert [p.hex() for p in proof] == expected
    assert verify_consistency(
        first, bytes.fromhex(ROOTS[first]), second, bytes.fromhex(ROOTS[second]), proof
    )


def test_every_inclusion_proof_up_to_33_leaves_verifies_and_any_change_fails() -> None:
    for n in range(1, 34):
        leaves = _leaves(n)
        tree = MerkleTree(leaves)
        assert tree.root == _mth(leaves)
        for i in range(n):
            proof = tree.inclusion_proof(i)
            leaf = leaf_hash(leaves[i])
            assert verify_inclusion(leaf, i, n, proof, tree.root), (n, i)
            assert not verify_inclusion(leaf_hash(b"forged"), i, n, proof, tree.root)
            if n > 1:
                assert not verify_inclusion(leaf, (i + 1) % n, n, proof, tree.root)
            for j in range(len(proof)):
                bent = [*proof]
                bent[j] = bytes([bent[j][0] ^ 1]) + bent[j][1:]
                assert not verify_inclusion(leaf, i, n, bent, tree.root)
            assert not verify_inclusion(leaf, i, n, [*proof, EMPTY_ROOT], tree.root)
            if proof:
                assert not verify_inclusion(leaf, i, n, proof[:-1], tree.root)
        assert not verify_inclusion(leaf_hash(leaves[0]), n, n, [], tree.root)


def test_every_consistency_proof_up_to_33_leaves_verifies_and_any_change_fails() -> None:
    leaves = _leaves(33)
    tree = MerkleTree(leaves)
    for second in range(1, 34):
        second_root = _mth(leaves[:second])
        assert tree.root_at(second) == second_root
        for first in range(0, second + 1):
            first_root = _mth(leaves[:first])
            proof = tree.consistency_proof(first, second)
            assert verify_consistency(first, first_root, second, second_root, proof)
            if first > 0:  # the empty tree is a prefix of every tree
                assert not verify_consistency(first, first_root, second, leaf_hash(b"x"), proof)
            if 0 < first < second:
                assert not verify_consistency(first, leaf_hash(b"x"), second, second_root, proof)
                bent = [bytes([proof[-1][0] ^ 1]) + proof[-1][1:]]
                assert not verify_consistency(
                    first, first_root, second, second_root, proof[:-1] + bent
                )
                assert not verify_consistency(first, first_root, second, second_root, proof[:-1])
    # A log that shrank, or rewrote its past, has no proof.
    assert not verify_consistency(8, tree.root_at(8), 6, tree.root_at(6), [])
    rewritten = MerkleTree([b"rewritten", *leaves[1:10]])
    assert not verify_consistency(
        4, tree.root_at(4), 10, rewritten.root, rewritten.consistency_proof(4)
    )


def test_proofs_refuse_sizes_beyond_the_tree() -> None:
    tree = MerkleTree(_leaves(5))
    with pytest.raises(ValueError):
        tree.inclusion_proof(5)
    with pytest.raises(ValueError):
        tree.consistency_proof(2, 6)
    with pytest.raises(ValueError):
        tree.consistency_proof(4, 3)


def test_the_packs_canonical_json_equals_rfc8785() -> None:
    """The standalone verifier cannot import rfc8785; its own JCS must write the same bytes."""
    rng = random.Random(6962)
    specials = [0.1, 1e21, 1e-7, 123e-20, -0.0, 5.0, 2.5e-6, 1e300, 0.000001, 4.35, 1 / 3]
    floats = specials + [rng.uniform(-1e6, 1e6) for _ in range(300)]
    floats += [rng.random() * 10 ** rng.randint(-30, 30) for _ in range(300)]
    for x in floats:
        assert canonical(x) == rfc8785.dumps(x), x
    strings = ["", "a\u0000b\u001f", '"\\/\b\f\n\r\t', "é€😀\ue000", "\u2028\u2029", "\x7f"]
    value = {
        "z": strings,
        "a": {"\ue000": 1, "😀": 2, "b": [None, True, False, -(2**53) + 1]},
        "é": {"nested": [{"y": 0.5, "x": -3}]},
    }
    assert canonical(value) == rfc8785.dumps(value)
    with pytest.raises(ValueError):
        canonical(2**53)
