"""Who a caller is: identity links (which registered user an OpenID Connect login is), OIDC
token verification, and the authenticator that turns any accepted bearer credential into a
Principal (services/identities/authentication.py)."""
