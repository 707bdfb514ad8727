"""Settings of the academy directory (django-auth-ldap), from the environment.

Kept apart from settings.py so that tests build the same settings for their own slapd.
"""

from __future__ import annotations


def directory_settings(
    *,
    url: str,
    bind_dn: str = "",
    bind_password: str = "",
    search_base: str,
    user_filter: str = "(uid=%(user)s)",
    start_tls: bool = False,
    ca_file: str = "",
    timeout_seconds: float = 3.0,
) -> dict:
    import ldap
    from django_auth_ldap.config import LDAPSearch

    options = {
        ldap.OPT_NETWORK_TIMEOUT: timeout_seconds,  # connecting
        ldap.OPT_TIMEOUT: timeout_seconds,  # each synchronous operation (bind, search)
        ldap.OPT_REFERRALS: 0,
    }
    if ca_file:
        options[ldap.OPT_X_TLS_CACERTFILE] = ca_file
    if url.startswith("ldaps://") or start_tls:
        options[ldap.OPT_X_TLS_REQUIRE_CERT] = ldap.OPT_X_TLS_DEMAND
        options[ldap.OPT_X_TLS_NEWCTX] = 0  # must come last: applies the TLS options above
    return {
        "AUTH_LDAP_SERVER_URI": url,
        "AUTH_LDAP_BIND_DN": bind_dn,
        "AUTH_LDAP_BIND_PASSWORD": bind_password,
        "AUTH_LDAP_USER_SEARCH": LDAPSearch(search_base, ldap.SCOPE_SUBTREE, user_filter),
        "AUTH_LDAP_START_TLS": start_tls,
        "AUTH_LDAP_CONNECTION_OPTIONS": options,
        "AUTH_LDAP_USER_ATTR_MAP": {"first_name": "givenName", "last_name": "sn", "email": "mail"},
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        "AUTH_LDAP_CACHE_TIMEOUT": 0,
    }
