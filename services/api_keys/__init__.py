"""API keys for integrations: issued by a group admin, shown once, stored only as a SHA-256 digest
of 256 random bits, revocable, scoped to one provider group and to read or write.

A key reads `ctk_<tenant hex>_<key id hex>_<secret>`: the tenant and key id let the server find
the key's row under row-level security; only the secret's digest is kept (in the key's events and
its index row), and the first characters (`ctk_<tenant hex>_<8 of key id>`) identify it in lists."""
