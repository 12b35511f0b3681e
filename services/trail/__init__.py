"""The verifiable trail: signed heads, RFC 6962 proofs and evidence packs an inspector checks offline."""
