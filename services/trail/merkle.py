"""A tenant's trail as an RFC 6962 Merkle tree: roots, inclusion proofs and consistency proofs.

The leaves are the events' chain hashes in `seq` order (leaf index = seq - 1), hashed as
`sha256(0x00 || chain_hash)`; interior nodes are `sha256(0x01 || left || right)`. A chain hash
commits to its event's envelope (and everything before it), so a proof that a chain hash is in
a signed tree proves the envelope is, once the envelope is shown to link to that chain hash.

The verifiers are the ones in `verify_pack.py`, the file shipped in every evidence pack, so the
code an inspector runs is the code tested here.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.trail.verify_pack import (
    EMPTY_ROOT,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "MerkleTree",
    "leaf_hash",
    "node_hash",
    "verify_consistency",
    "verify_inclusion",
]


class MerkleTree:
    """The tree over `leaves` (leaf data, e.g. chain hashes), built bottom-up once: a node at
    (level, index) covers leaves [index * 2**level, min((index + 1) * 2**level, size)); a last
    node without a sibling is carried up unchanged, which is exactly RFC 6962's split at the
    largest power of two below the size."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.size = len(leaves)
        level = [leaf_hash(data) for data in leaves]
        self._levels = [level]
        while len(level) > 1:
            paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            level = [*paired, level[-1]] if len(level) % 2 else paired
            self._levels.append(level)

    @property
    def root(self) -> bytes:
        return self._levels[-1][0] if self.size else EMPTY_ROOT

    def root_at(self, size: int) -> bytes:
        """The root of the tree of the first `size` leaves (an earlier signed head's root)."""
        self._check_range(0, size)
        return self._range_hash(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 6962 PATH(index, D[size]): the audit path of leaf `index` in the first `size`."""
        size = self.size if size is None else size
        self._check_range(0, size)
        if not 0 <= index < size:
            raise ValueError(f"leaf {index} is outside a tree of size {size}")
        return self._path(index, 0, size)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """RFC 6962 PROOF(first, D[second]): the tree of `second` leaves extends that of
        `first` (empty when either size is 0 or they are equal)."""
        second = self.size if second is None else second
        self._check_range(0, second)
        if not 0 <= first <= second:
            raise ValueError(f"the first size {first} must be between 0 and {second}")
        if first in (0, second):
            return []
        return self._subproof(first, 0, second, complete=True)

    def _path(self, index: int, start: int, end: int) -> list[bytes]:
        if end - start == 1:
            return []
        k = _largest_power_of_two_below(end - start)
        if index < k:
            return [*self._path(index, start, start + k), self._range_hash(start + k, end)]
        return [*self._path(index - k, start + k, end), self._range_hash(start, start + k)]

    def _subproof(self, m: int, start: int, end: int, *, complete: bool) -> list[bytes]:
        if m == end - start:
            return [] if complete else [self._range_hash(start, end)]
        k = _largest_power_of_two_below(end - start)
        if m <= k:
            return [
                *self._subproof(m, start, start + k, complete=complete),
                self._range_hash(start + k, end),
            ]
        return [
            *self._subproof(m - k, start + k, end, complete=False),
            self._range_hash(start, start + k),
        ]

    def _range_hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]): a stored node when the range is one, else by the RFC's split."""
        level = (end - start - 1).bit_length()
        if start % (1 << level) == 0 and min(start + (1 << level), self.size) == end:
            return self._levels[level][start >> level]
        if end - start == 1:
            return self._levels[0][start]
        k = _largest_power_of_two_below(end - start)
        return node_hash(self._range_hash(start, start + k), self._range_hash(start + k, end))

    def _check_range(self, start: int, end: int) -> None:
        if not 0 <= start <= end <= self.size:
            raise ValueError(f"a tree of size {end} is beyond the {self.size} leaves known")


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 6962's split: the largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)
