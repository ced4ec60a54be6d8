"""`privacymesh serve`: the platform primitives as HTTP services other languages can call.

- `auth`: bearer JWTs verified against the workspace's JWKS and mapped to principals.
- `tokens`: a local signing key and the tokens it mints, for development and CI.
"""
