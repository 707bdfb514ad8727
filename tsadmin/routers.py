"""Two databases: the families' data ("teleservices") is kept apart from the SIECLE base.

Models of the apps in TELESERVICES_APPS live in the "teleservices" database; every other
model lives in "default". Migrations run only where a model belongs, and relations never
cross the two databases (ids are copied by the replication instead).
"""

from __future__ import annotations

TELESERVICES_DB = "teleservices"
DEFAULT_DB = "default"
TELESERVICES_APPS = frozenset({"portal"})


def database_for_app(app_label: str) -> str:
    return TELESERVICES_DB if app_label in TELESERVICES_APPS else DEFAULT_DB


class AppDatabaseRouter:
    def db_for_read(self, model, **hints):
        return database_for_app(model._meta.app_label)

    def db_for_write(self, model, **hints):
        return database_for_app(model._meta.app_label)

    def allow_relation(self, obj1, obj2, **hints):
        return database_for_app(obj1._meta.app_label) == database_for_app(obj2._meta.app_label)

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == database_for_app(app_label)
