"""`privacymesh serve`: the platform primitives as HTTP services other languages can call.

- `auth`: bearer JWTs verified against the workspace's JWKS and mapped to principals.
- `grants`: the roles a subject and its groups hold (tokens and dashboard sign-in alike).
- `auth_limit`: failed authentications limited per client address.
- `tokens`: a local signing key and the tokens it mints, for development and CI.
- `dashboard_oidc`: the dashboard's OIDC sign-in settings and Streamlit's secrets for them.
"""
