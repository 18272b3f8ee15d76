"""Stamp the reference tables on every write, so processes drop what they cached (core.refcache)."""

from django.db import migrations

from baton.core import refcache


class Migration(migrations.Migration):
    dependencies = [("core", "0001_tablestamp"), ("notifications", "0001_initial")]
    operations = [refcache.watch("notifications_usernotificationpreference")]
